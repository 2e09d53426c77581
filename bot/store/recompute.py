"""Recompute provisional deadlines once a year's holiday arrangement has been entered.

Why a command and not a migration: a deadline computed while its year was missing was reckoned
on weekdays only and stored with that year (``*_due_provisional_year``). After IT staff enter
the year in ``bot/knowledge/holidays.yaml``, this recomputes those deadlines from the same start
instant and working-day count, updates the ones that changed (or became certain) and logs one
``recompute_deadline`` event per appeal changed. Run twice, the second run changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update

from bot.store.errors import translate_errors
from bot.store.models import appeals
from bot.store.service import AppealService
from bot.workdays import deadline_checked, deadline_date

ACTION = "recompute_deadline"
ACTOR = "system:recompute-deadlines"


@dataclass(frozen=True)
class Recomputed:
    """One appeal whose deadline moved or became certain."""

    number: str
    field: str  # dispatch_due / handling_due
    before: datetime
    after: datetime
    provisional_year: int | None


def _day(moment: datetime) -> str:
    day = deadline_date(moment)
    return f"{day.year}年{day.month}月{day.day}日"


def _note(change: Recomputed, year: int) -> str:
    what = "交办期限" if change.field == "dispatch_due" else "办结期限"
    state = "仍为暂定" if change.provisional_year else "已确定"
    moved = f"{_day(change.before)} → {_day(change.after)}"
    return f"按{year}年节假日安排重新计算{what}：{moved}（{state}）"


def _changes(service: AppealService, row: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if row.dispatch_due_provisional_year and row.dispatch_due is not None:
        due, year = deadline_checked(row.received_at, service.policy.dispatch_working_days)
        if (due, year) != (row.dispatch_due, row.dispatch_due_provisional_year):
            values.update(dispatch_due=due, dispatch_due_provisional_year=year)
    if (
        row.handling_due_provisional_year
        and row.handling_due is not None
        and row.dispatched_at is not None
        and row.time_limit_days is not None
    ):
        due, year = deadline_checked(row.dispatched_at, row.time_limit_days)
        if (due, year) != (row.handling_due, row.handling_due_provisional_year):
            values.update(handling_due=due, handling_due_provisional_year=year)
    return values


@translate_errors
def recompute_deadlines(service: AppealService) -> list[Recomputed]:
    """Recompute every provisional deadline; returns what changed (empty when nothing did)."""
    a = appeals.c
    wanted = or_(
        a.dispatch_due_provisional_year.is_not(None), a.handling_due_provisional_year.is_not(None)
    )
    with service.engine.connect() as conn:
        ids = list(conn.execute(select(a.id).where(wanted).order_by(a.id)).scalars())
    done: list[Recomputed] = []
    for appeal_id in ids:
        now = service._now()
        with service.engine.begin() as conn:
            row = conn.execute(select(appeals).where(a.id == appeal_id).with_for_update()).first()
            if row is None:
                continue
            values = _changes(service, row)
            if not values:
                continue
            conn.execute(
                update(appeals)
                .where(a.id == row.id)
                .values(**values, version=row.version + 1, updated_at=now)
            )
            for field in ("dispatch_due", "handling_due"):
                if field not in values:
                    continue
                change = Recomputed(
                    row.number,
                    field,
                    getattr(row, field),
                    values[field],
                    values[f"{field}_provisional_year"],
                )
                done.append(change)
                year = getattr(row, f"{field}_provisional_year")
                service._log(
                    conn,
                    row.id,
                    at=now,
                    actor=ACTOR,
                    action=ACTION,
                    from_status=row.status,
                    to_status=row.status,
                    note=_note(change, year),
                    round=row.round,
                    unit_id=row.unit_id,
                )
    return done
