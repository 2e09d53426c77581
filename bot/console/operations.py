"""The console's steps on an appeal, shared by the pages and the JSON API.

Why one module: both front doors must apply exactly the same permission checks and input rules;
each step checks visibility (404) and role (403), parses its parameters and calls the store.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from bot.console.access import CONSOLE_ACTIONS, require_role, require_visible
from bot.console.accounts import StaffUser
from bot.store import Appeal, AppealService, InvalidInput

TRUE_WORDS = {"1", "true", "yes", "satisfied", "满意"}
FALSE_WORDS = {"0", "false", "no", "unsatisfied", "不满意"}


def _text(params: Mapping[str, Any], key: str, *, required: bool = True) -> str | None:
    value = params.get(key)
    text = value.strip() if isinstance(value, str) else ""
    if required and not text:
        raise InvalidInput(f"{key} is required")
    return text or None


def _date(params: Mapping[str, Any], key: str) -> date | None:
    raw = _text(params, key, required=False)
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(f"{key} must be a date YYYY-MM-DD") from None


def _bool(params: Mapping[str, Any], key: str) -> bool:
    value = params.get(key)
    if isinstance(value, bool):
        return value
    word = str(value or "").strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise InvalidInput(f"{key} must be true or false")


def perform(
    service: AppealService,
    user: StaffUser,
    number: str,
    action: str,
    params: Mapping[str, Any],
) -> Appeal:
    """Do ``action`` on appeal ``number`` as ``user``; store errors propagate to the caller."""
    if action not in CONSOLE_ACTIONS:
        raise InvalidInput(f"unknown action {action!r}")
    appeal = require_visible(user, service.get(number))
    require_role(user, action)
    actor = user.actor
    if action == "dispatch":
        unit_id = _text(params, "unit_id")
        category = _text(params, "category")
        assert unit_id is not None and category is not None
        return service.dispatch(appeal.number, unit_id, category, actor)
    if action == "start":
        return service.start(appeal.number, actor)
    if action == "respond":
        notes = _text(params, "notes")
        assert notes is not None
        promised = _date(params, "promised_date")
        # Taken up (if still only dispatched) and responded in one store transaction.
        return service.respond(appeal.number, notes, actor, promised_date=promised, take_up=True)
    if action == "evaluate":
        return service.evaluate(
            appeal.number,
            _bool(params, "satisfied"),
            _text(params, "reason", required=False),
            actor,
        )
    if action == "close":
        return service.close(appeal.number, actor)
    note = _text(params, "note")
    assert note is not None
    if action == "follow-up":
        return service.follow_up(appeal.number, note, actor)
    return service.revisit(appeal.number, note, actor)
