"""Who on the staff side receives a reminder: Telegram chat ids of coordinators and handlers.

Why two sources: the staff console's accounts (``console_users``, with ``telegram_chat_id``) are
the real directory; until every account has a chat id, ``REMINDER_COORDINATOR_CHATS`` and
``REMINDER_UNIT_CHATS`` (see settings.py) add chats from the environment.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.engine import Connection

from bot.store.models import console_users


@dataclass(frozen=True)
class StaffDirectory:
    """Chat ids of the 区营商办 coordinators and of each unit's handlers."""

    coordinators: tuple[str, ...] = ()
    handlers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def for_unit(self, unit_id: str | None) -> tuple[str, ...]:
        return self.handlers.get(unit_id or "", ())


def _merge(*groups: Sequence[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for group in groups:
        for chat in group:
            seen.setdefault(str(chat).strip(), None)
    return tuple(c for c in seen if c)


def load_directory(conn: Connection, extra: StaffDirectory | None = None) -> StaffDirectory:
    """The console's active accounts with a chat id, plus ``extra`` (from the environment)."""
    extra = extra or StaffDirectory()
    u = console_users.c
    rows = conn.execute(
        select(u.role, u.unit_id, u.telegram_chat_id).where(
            u.active.is_(True), u.telegram_chat_id.is_not(None)
        )
    ).all()
    coordinators = [r.telegram_chat_id for r in rows if r.role == "coordinator"]
    handlers: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        if r.role == "handler" and r.unit_id:
            handlers[r.unit_id].append(r.telegram_chat_id)
    units = set(handlers) | set(extra.handlers)
    return StaffDirectory(
        coordinators=_merge(coordinators, extra.coordinators),
        handlers={unit: _merge(handlers.get(unit, []), extra.for_unit(unit)) for unit in units},
    )


def parse_unit_chats(text: str) -> dict[str, tuple[str, ...]]:
    """``unit_a:111,222;unit_b:333`` -> {"unit_a": ("111", "222"), "unit_b": ("333",)}."""
    result: dict[str, tuple[str, ...]] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        unit, _, chats = part.partition(":")
        if not unit.strip() or not chats.strip():
            raise ValueError(f"expected unit_id:chat[,chat] in {part!r}")
        result[unit.strip()] = _merge(chats.split(","))
    return result
