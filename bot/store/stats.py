"""Monthly 通报 figures per responsible unit, computed by the database (two GROUP BY queries).

Definitions (also in docs/store.md); "month" is a calendar month in Asia/Shanghai:

* 承办量 ``assigned``: appeals first dispatched in the month, counted for the unit they are
  assigned to now.
* 办结率 = ``closed / assigned``: of those, the ones closed (销号) by the time the report runs.
* 及时率 = ``on_time / responded``: of those with a response in their current round, the ones
  responded before the end of the round's due date.
* 满意率 = ``satisfied / evaluations``: evaluation events recorded in the month against the unit
  responsible at the time of the evaluation (every round's evaluation counts).
"""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.expression import ColumnElement

from bot.store.lifecycle import Status
from bot.store.models import appeal_events, appeals, units
from bot.store.records import UnitMonthlyStats
from bot.workdays import SHANGHAI


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    """[start, end) of a calendar month in Asia/Shanghai, as aware UTC instants."""
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1..12, got {month}")
    start = datetime.combine(date(year, month, 1), time(0), tzinfo=SHANGHAI)
    next_first = date(year + month // 12, month % 12 + 1, 1)
    end = datetime.combine(next_first, time(0), tzinfo=SHANGHAI)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def _count_if(condition: ColumnElement[Any]) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def monthly_stats(conn: Connection, year: int, month: int) -> tuple[UnitMonthlyStats, ...]:
    """Per-unit figures for the month; active units with no activity appear with zeros."""
    start, end = month_bounds(year, month)
    a = appeals.c
    cohort = conn.execute(
        select(
            a.unit_id,
            func.count().label("assigned"),
            _count_if(a.closed_at.is_not(None)).label("closed"),
            _count_if(a.responded_at.is_not(None)).label("responded"),
            _count_if(and_(a.responded_at.is_not(None), a.responded_at < a.handling_due)).label(
                "on_time"
            ),
        )
        .where(a.first_dispatched_at >= start, a.first_dispatched_at < end)
        .group_by(a.unit_id)
    ).mappings()
    by_unit = {row["unit_id"]: dict(row) for row in cohort}

    e = appeal_events.c  # only the evaluate actions lead to satisfied/unsatisfied (lifecycle)
    evaluations = conn.execute(
        select(
            e.unit_id,
            func.count().label("evaluations"),
            _count_if(e.to_status == Status.SATISFIED.value).label("satisfied"),
        )
        .where(
            e.to_status.in_([Status.SATISFIED.value, Status.UNSATISFIED.value]),
            e.at >= start,
            e.at < end,
        )
        .group_by(e.unit_id)
    ).mappings()
    for row in evaluations:
        by_unit.setdefault(row["unit_id"], {}).update(row)

    result = []
    for unit in conn.execute(select(units).order_by(units.c.id)).mappings():
        figures = by_unit.get(unit["id"], {})
        if not figures and not unit["active"]:
            continue
        result.append(
            UnitMonthlyStats(
                unit_id=unit["id"],
                unit_name=unit["name"],
                year=year,
                month=month,
                assigned=int(figures.get("assigned", 0)),
                closed=int(figures.get("closed", 0)),
                responded=int(figures.get("responded", 0)),
                on_time=int(figures.get("on_time", 0)),
                evaluations=int(figures.get("evaluations", 0)),
                satisfied=int(figures.get("satisfied", 0)),
            )
        )
    return tuple(result)
