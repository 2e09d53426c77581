"""Plain frozen values handed to callers (never ORM objects tied to a session)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from bot.store.lifecycle import Status
from bot.workdays import deadline_date


@dataclass(frozen=True)
class Appeal:
    """One appeal: the dispatch sheet's fields plus bookkeeping.

    Instants are aware UTC. ``dispatch_due``/``handling_due`` are exclusive deadlines (the end of
    the due date in Asia/Shanghai); use the ``*_date`` properties to show the due date.
    """

    id: int
    number: str  # 编号
    dispatching_unit: str  # 交办单位
    received_at: datetime
    enterprise: str  # 企业名称
    contact: str  # 联系人
    phone: str
    content: str  # 诉求内容
    channel: str
    sender_id: str | None
    idempotency_key: str | None
    status: Status
    category: str | None  # 问题类型: simple / general / complex
    time_limit_days: int | None  # 办结时限 (working days)
    unit_id: str | None  # 承办单位
    dispatched_at: datetime | None  # 交办时间 (current round)
    first_dispatched_at: datetime | None
    dispatch_due: datetime | None
    handling_due: datetime | None
    handling_notes: str | None  # 办理情况
    responded_at: datetime | None
    promised_date: date | None
    opinion: str | None  # 企业意见: satisfied / unsatisfied
    opinion_reason: str | None
    closing: str | None  # 销号管理: close / follow_up
    closed_at: datetime | None
    round: int  # 交办轮次: 0 before the first dispatch
    version: int
    created_at: datetime
    updated_at: datetime
    # The year a deadline was reckoned through weekdays-only (its holiday arrangement not
    # entered yet); None: the deadline is certain.
    dispatch_due_provisional_year: int | None = None
    handling_due_provisional_year: int | None = None

    @property
    def dispatch_due_date(self) -> date | None:
        """Last day (Asia/Shanghai) to deliver the 交办单."""
        return deadline_date(self.dispatch_due) if self.dispatch_due else None

    @property
    def due_provisional_year(self) -> int | None:
        """The year still missing from the current deadline's reckoning (None: certain)."""
        if self.status in (Status.DISPATCHED, Status.IN_PROGRESS):
            return self.handling_due_provisional_year
        if self.status is Status.SUBMITTED:
            return self.dispatch_due_provisional_year
        return None

    @property
    def handling_due_date(self) -> date | None:
        """Last day (Asia/Shanghai) for the unit's response in the current round."""
        return deadline_date(self.handling_due) if self.handling_due else None


@dataclass(frozen=True)
class AppealEvent:
    """One line of the append-only history."""

    id: int
    appeal_id: int
    at: datetime
    actor: str
    action: str
    from_status: Status | None
    to_status: Status
    note: str | None
    round: int
    unit_id: str | None


@dataclass(frozen=True)
class OverdueReport:
    """What the reminders should chase at a given instant."""

    at: datetime
    dispatch: tuple[Appeal, ...]  # still 收集 past the dispatch deadline
    handling: tuple[Appeal, ...]  # 交办/办理 past the handling deadline
    revisits: tuple[Appeal, ...]  # 持续跟踪 whose promised date has come (按时回访)


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class UnitMonthlyStats:
    """One unit's line in the monthly 通报 (definitions in docs/store.md)."""

    unit_id: str
    unit_name: str
    year: int
    month: int
    assigned: int  # 承办量
    closed: int
    responded: int
    on_time: int
    evaluations: int
    satisfied: int

    @property
    def closure_rate(self) -> float | None:
        """办结率 = closed / assigned (None when nothing was assigned)."""
        return _ratio(self.closed, self.assigned)

    @property
    def timeliness_rate(self) -> float | None:
        """及时率 = responded on time / responded."""
        return _ratio(self.on_time, self.responded)

    @property
    def satisfaction_rate(self) -> float | None:
        """满意率 = satisfied evaluations / evaluations."""
        return _ratio(self.satisfied, self.evaluations)


_APPEAL_FIELDS = tuple(f.name for f in fields(Appeal))
_EVENT_FIELDS = tuple(f.name for f in fields(AppealEvent))


def appeal_from_row(row: Mapping[str, Any]) -> Appeal:
    """Build an :class:`Appeal` from a row of ``appeals``."""
    values = {name: row[name] for name in _APPEAL_FIELDS}
    values["status"] = Status(values["status"])
    return Appeal(**values)


def event_from_row(row: Mapping[str, Any]) -> AppealEvent:
    """Build an :class:`AppealEvent` from a row of ``appeal_events``."""
    values = {name: row[name] for name in _EVENT_FIELDS}
    values["to_status"] = Status(values["to_status"])
    values["from_status"] = Status(values["from_status"]) if values["from_status"] else None
    return AppealEvent(**values)
