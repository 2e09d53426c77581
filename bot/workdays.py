"""Working-day arithmetic for appeal deadlines, on China's official calendar.

Why a module of its own: the plan's time limits (1 working day to dispatch, 2/5/10 to handle) are
counted in *working days*, which in China depend on statutory holidays and make-up working days
(调休, e.g. a Saturday that is worked). ``chinese_calendar`` knows those arrangements year by year;
this module turns them into dates and instants, in Asia/Shanghai, and refuses to guess for years
the calendar does not cover.

Convention ("N working days after a receipt"):

* The day of receipt is the receipt instant's calendar date in Asia/Shanghai.
* A receipt on a non-working day (weekend or holiday) is treated as received on the next working
  day.
* The due date is the N-th working day strictly after that (effective) day of receipt; N = 0 means
  the effective day of receipt itself.
* The deadline is the end of the due date: the instant 00:00 Asia/Shanghai of the following calendar
  day, exclusive. Something done at any time on the due date is on time.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")

# Safety valve: no real stretch of non-working days is anywhere near this long.
_MAX_SCAN_DAYS = 366


class CalendarNotCovered(ValueError):
    """A date lies in a year whose holiday arrangement chinese_calendar does not know."""

    def __init__(self, day: date, detail: str = "") -> None:
        self.day = day
        message = (
            f"{day.isoformat()} is outside the years covered by chinese_calendar "
            f"(the official holiday arrangement for {day.year} is not in the installed data); "
            "refusing to guess working days — upgrade the chinesecalendar package"
        )
        if detail:
            message = f"{message} ({detail})"
        super().__init__(message)


@lru_cache(maxsize=8192)  # chinese_calendar validates every call; the reminder planner asks a lot
def is_workday(day: date) -> bool:
    """True if ``day`` is an official working day (counts 调休 Saturdays/Sundays as working)."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError as exc:  # chinese_calendar's signal for "no data for this year"
        raise CalendarNotCovered(day, str(exc)) from exc


def local_date(moment: datetime) -> date:
    """The calendar date of an aware instant in Asia/Shanghai."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment!r}: pass a timezone-aware instant")
    return moment.astimezone(SHANGHAI).date()


def first_workday_on_or_after(day: date) -> date:
    """``day`` itself if it is a working day, otherwise the next working day."""
    current = day
    for _ in range(_MAX_SCAN_DAYS):
        if is_workday(current):
            return current
        current += timedelta(days=1)
    raise CalendarNotCovered(day, "no working day found within a year")  # pragma: no cover


def add_working_days(day: date, n: int) -> date:
    """The N-th working day after ``day`` (a non-working ``day`` counts as the next working day)."""
    if n < 0:
        raise ValueError(f"working days must be >= 0, got {n}")
    current = first_workday_on_or_after(day)
    remaining = n
    while remaining:
        current += timedelta(days=1)
        if is_workday(current):
            remaining -= 1
    return current


def due_date(received: datetime, n: int) -> date:
    """The due date of something received at ``received`` with a limit of ``n`` working days."""
    return add_working_days(local_date(received), n)


def end_of_day(day: date) -> datetime:
    """The exclusive end of ``day`` in Asia/Shanghai, as an aware UTC instant."""
    next_midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=SHANGHAI)
    return next_midnight.astimezone(timezone.utc)


def deadline(received: datetime, n: int) -> datetime:
    """The instant (UTC, exclusive) by which something received at ``received`` is due."""
    return end_of_day(due_date(received, n))


def deadline_date(deadline_at: datetime) -> date:
    """The due date (Asia/Shanghai) that an exclusive end-of-day deadline stands for."""
    return local_date(deadline_at - timedelta(microseconds=1))
