"""Display helpers: local times, stage labels and the due-date markers staff scan for.

Markers: 交办超时 (still 收集 past its 1-working-day dispatch deadline), 已超期 (handling past its
due date), 即将到期 (due today or on the next working day).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.store import Appeal, Status
from bot.store.lifecycle import STAGE_LABELS
from bot.workdays import SHANGHAI, add_working_days, end_of_day, local_date

STATUS_LABELS = {s.value: label for s, label in STAGE_LABELS.items()}
ACTION_LABELS = {
    "create": "收集（企业提交）",
    "dispatch": "交办",
    "start": "开始办理",
    "respond": "反馈办理情况",
    "evaluate_satisfied": "评价：满意",
    "evaluate_unsatisfied": "评价：不满意",
    "close": "同意销号",
    "follow_up": "持续跟踪",
    "revisit": "回访",
    "recompute_deadline": "按节假日安排重新计算期限",
}
CHANNEL_LABELS = {"rest": "网页", "wechat": "微信公众号", "telegram": "Telegram"}


@dataclass(frozen=True)
class Marker:
    css: str
    label: str


def local_dt(moment: datetime | None) -> str:
    """``2025-03-03 10:00`` in Asia/Shanghai, or an empty string."""
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if moment else ""


def chinese_date(day: date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def soon_limit(now: datetime) -> datetime:
    """Deadlines before this instant are 'due soon': today or the next working day."""
    return end_of_day(add_working_days(local_date(now), 1))


def provisional_label(year: int | None) -> str:
    """What staff read next to a deadline reckoned without its year's holiday arrangement."""
    return f"暂按周末推算，待录入{year}年节假日安排" if year else ""


def markers(appeal: Appeal, now: datetime, soon: datetime | None = None) -> tuple[Marker, ...]:
    """The due-date markers of ``appeal`` at ``now``."""
    soon = soon or soon_limit(now)
    found: list[Marker] = []
    if appeal.status is Status.SUBMITTED and appeal.dispatch_due is not None:
        if appeal.dispatch_due <= now:
            found.append(Marker("overdue", "交办超时"))
        elif appeal.dispatch_due <= soon:
            found.append(Marker("soon", "今明需交办"))
    if appeal.status in (Status.DISPATCHED, Status.IN_PROGRESS) and appeal.handling_due:
        if appeal.handling_due <= now:
            found.append(Marker("overdue", "已超期"))
        elif appeal.handling_due <= soon:
            found.append(Marker("soon", "即将到期"))
    if (
        appeal.status is Status.FOLLOW_UP
        and appeal.promised_date is not None
        and appeal.promised_date <= local_date(now)
    ):
        found.append(Marker("overdue", "承诺日已到，需回访"))
    if appeal.status is Status.UNSATISFIED:
        found.append(Marker("soon", "不满意，待再次交办"))
    if appeal.due_provisional_year:
        found.append(Marker("provisional", provisional_label(appeal.due_provisional_year)))
    return tuple(found)
