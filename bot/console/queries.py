"""Read queries of the console's lists (inbox, unit queue, search), written against the store's
tables directly: they need ordering, paging and counting the store API does not offer, and they
stay read-only, so the store's transition logic is untouched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.engine import Engine

from bot.store import Appeal, Status
from bot.store.errors import translate_errors
from bot.store.models import appeals
from bot.store.numbering import normalize_number
from bot.store.records import appeal_from_row

PAGE_SIZE = 50
NUMBER_LIKE = re.compile(r"^ncqhww\d{4}-\d+$", re.IGNORECASE)
INBOX_STATUSES = (Status.SUBMITTED, Status.UNSATISFIED)
HANDLING_STATUSES = (Status.DISPATCHED, Status.IN_PROGRESS)
LOOP_STATUSES = (Status.RESPONDED, Status.SATISFIED, Status.FOLLOW_UP, Status.CLOSED)


@dataclass(frozen=True)
class Page:
    """One page of appeals and the total count."""

    items: tuple[Appeal, ...]
    total: int
    offset: int
    limit: int


def _values(statuses: tuple[Status, ...]) -> list[str]:
    return [s.value for s in statuses]


class Queries:
    """Listing queries over the appeals table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _fetch(self, stmt: Any) -> tuple[Appeal, ...]:
        with self.engine.connect() as conn:
            return tuple(appeal_from_row(r) for r in conn.execute(stmt).mappings())

    @translate_errors
    def inbox(self, limit: int = PAGE_SIZE, offset: int = 0) -> Page:
        """Appeals waiting for (re-)dispatch, oldest first (ids follow receipt, so this is the
        dispatch-deadline order, and the primary key serves it without a sort)."""
        where = appeals.c.status.in_(_values(INBOX_STATUSES))
        return self._page(where, (appeals.c.id,), limit, offset)

    @translate_errors
    def unit_queue(self, unit_id: str, limit: int = PAGE_SIZE, offset: int = 0) -> Page:
        """A unit's open appeals (交办/办理), by handling due date."""
        where = (appeals.c.unit_id == unit_id) & appeals.c.status.in_(_values(HANDLING_STATUSES))
        return self._page(where, (appeals.c.handling_due, appeals.c.id), limit, offset)

    @translate_errors
    def unit_recent(self, unit_id: str, limit: int = 20) -> tuple[Appeal, ...]:
        """A unit's appeals past its own steps (反馈 onwards), newest change first."""
        return self._fetch(
            select(appeals)
            .where(
                appeals.c.unit_id == unit_id,
                appeals.c.status.not_in(_values(HANDLING_STATUSES)),
            )
            .order_by(appeals.c.updated_at.desc(), appeals.c.id.desc())
            .limit(limit)
        )

    @translate_errors
    def loop(self, status: Status, limit: int = PAGE_SIZE, offset: int = 0) -> Page:
        """Appeals in one closing-the-loop status: 持续跟踪 by promised date, closed ones newest
        first (the ones to call back now), the others oldest first. Ordered by primary key, not
        by update time: no sort of tens of thousands of closed appeals per page view."""
        if status is Status.FOLLOW_UP:
            order: tuple[Any, ...] = (appeals.c.promised_date, appeals.c.id)
        elif status is Status.CLOSED:
            order = (appeals.c.id.desc(),)
        else:
            order = (appeals.c.id,)
        return self._page(appeals.c.status == status.value, order, limit, offset)

    @translate_errors
    def search(
        self,
        *,
        unit_id: str | None = None,
        status: Status | None = None,
        text: str | None = None,
        limit: int = PAGE_SIZE,
        offset: int = 0,
    ) -> Page:
        """Any appeals, newest first, filtered by unit, status and number/enterprise text."""
        conditions: list[Any] = []
        if unit_id is not None:
            conditions.append(appeals.c.unit_id == unit_id)
        if status is not None:
            conditions.append(appeals.c.status == status.value)
        if text and NUMBER_LIKE.match(text.strip()):  # a number: the unique index answers
            conditions.append(appeals.c.number == normalize_number(text))
        elif text:
            conditions.append(appeals.c.enterprise.contains(text.strip(), autoescape=True))
        where = and_(*conditions) if conditions else None
        return self._page(where, (appeals.c.id.desc(),), limit, offset)

    @translate_errors
    def overdue_dispatch_count(self, now: datetime) -> int:
        stmt = select(func.count()).where(
            appeals.c.status == Status.SUBMITTED.value, appeals.c.dispatch_due <= now
        )
        with self.engine.connect() as conn:
            return int(conn.execute(stmt).scalar_one())

    def _page(self, where: Any, order: tuple[Any, ...], limit: int, offset: int) -> Page:
        limit = max(1, min(limit, 500))
        offset = max(0, offset)
        stmt = select(appeals)
        count = select(func.count()).select_from(appeals)
        if where is not None:
            stmt, count = stmt.where(where), count.where(where)
        with self.engine.connect() as conn:
            total = int(conn.execute(count).scalar_one())
            rows = conn.execute(stmt.order_by(*order).limit(limit).offset(offset)).mappings()
            return Page(tuple(appeal_from_row(r) for r in rows), total, offset, limit)
