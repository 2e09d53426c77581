"""Working-day arithmetic for appeal deadlines, on China's official calendar.

Why a module of its own: the plan's time limits (1 working day to dispatch, 2/5/10 to handle) are
counted in *working days*, which in China depend on statutory holidays and make-up working days
(调休, e.g. a Saturday that is worked). ``chinese_calendar`` knows those arrangements year by year;
the district's IT staff enter newer years in ``bot/knowledge/holidays.yaml`` (which wins for a year
both know). This module turns them into dates and instants, in Asia/Shanghai.

A year that neither source covers is not an outage: its days are reckoned provisionally, Monday to
Friday, and every result that used such a day says so (``*_checked`` functions return the missing
year), so callers can mark the deadline as provisional instead of stating it as certain.

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

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar

from bot.knowledge.holidays import Arrangement, load_holidays

SHANGHAI = ZoneInfo("Asia/Shanghai")

# Safety valve: no real stretch of non-working days is anywhere near this long.
_MAX_SCAN_DAYS = 366


class CalendarNotCovered(ValueError):
    """A date lies in a year whose holiday arrangement no source (file or library) knows."""

    def __init__(self, day: date, detail: str = "") -> None:
        self.day = day
        message = (
            f"{day.isoformat()} is outside the years covered by chinese_calendar and "
            f"bot/knowledge/holidays.yaml (the official holiday arrangement for {day.year} is not "
            "entered); enter it in the holidays file (see README)"
        )
        if detail:
            message = f"{message} ({detail})"
        super().__init__(message)


@dataclass(frozen=True)
class Reckoned:
    """A date, and the first year without an arrangement it was reckoned through (or None)."""

    day: date
    provisional_year: int | None = None

    @property
    def provisional(self) -> bool:
        return self.provisional_year is not None


_arrangements: dict[int, Arrangement] | None = None


def _file_years() -> dict[int, Arrangement]:
    global _arrangements
    if _arrangements is None:
        _arrangements = load_holidays()
    return _arrangements


def check_holidays() -> None:
    """Load the holidays file now (start-up): a malformed file raises KnowledgeError here."""
    _file_years()


def reload_holidays(arrangements: dict[int, Arrangement] | None = None) -> None:
    """Re-read the holidays file (or use ``arrangements``), forgetting every cached answer."""
    global _arrangements
    _arrangements = arrangements if arrangements is not None else load_holidays()
    _library_covers.cache_clear()
    _official.cache_clear()


@lru_cache(maxsize=256)
def _library_covers(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:  # chinese_calendar's signal for "no data for this year"
        return False
    return True


def is_covered(year: int) -> bool:
    """True if the holidays file or chinese_calendar knows ``year``'s arrangement."""
    return year in _file_years() or _library_covers(year)


@lru_cache(maxsize=8192)  # chinese_calendar validates every call; the reminder planner asks a lot
def _official(day: date) -> bool | None:
    """The official answer for ``day``, or None if no source covers its year."""
    arrangement = _file_years().get(day.year)
    if arrangement is not None:
        return arrangement.is_workday(day)
    if not _library_covers(day.year):
        return None
    return bool(chinese_calendar.is_workday(day))


def is_workday(day: date) -> bool:
    """True if ``day`` is an official working day (counts 调休 Saturdays/Sundays as working);
    CalendarNotCovered if no source knows its year (use :func:`counts_as_workday` to reckon)."""
    official = _official(day)
    if official is None:
        raise CalendarNotCovered(day)
    return official


def counts_as_workday(day: date) -> bool:
    """Official where known; Monday to Friday (provisionally) in a year nobody covers."""
    official = _official(day)
    return day.weekday() < 5 if official is None else official


def uncovered_years(start: date, days: int = 90) -> list[int]:
    """The years between ``start`` and ``days`` later whose arrangement is not entered."""
    years = range(start.year, (start + timedelta(days=days)).year + 1)
    return [year for year in years if not is_covered(year)]


def coverage_warning(start: date, days: int = 90) -> str | None:
    """A one-line Chinese warning for operators, or None when the next ``days`` are covered."""
    missing = uncovered_years(start, days)
    if not missing:
        return None
    years = "、".join(f"{y}年" for y in missing)
    return (
        f"未来{days}天内的{years}节假日安排尚未录入，相关办理时限暂按周末推算；"
        "请在 bot/knowledge/holidays.yaml 录入后运行 python -m bot.store recompute-deadlines。"
    )


def local_date(moment: datetime) -> date:
    """The calendar date of an aware instant in Asia/Shanghai."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment!r}: pass a timezone-aware instant")
    return moment.astimezone(SHANGHAI).date()


def _first_workday(day: date) -> Reckoned:
    current, provisional = day, None
    for _ in range(_MAX_SCAN_DAYS):
        official = _official(current)
        if official is None:
            provisional = provisional or current.year
        if (current.weekday() < 5) if official is None else official:
            return Reckoned(current, provisional)
        current += timedelta(days=1)
    raise CalendarNotCovered(day, "no working day found within a year")  # pragma: no cover


def first_workday_on_or_after(day: date) -> date:
    """``day`` itself if it is a working day, otherwise the next working day."""
    return _first_workday(day).day


def add_working_days_checked(day: date, n: int) -> Reckoned:
    """:func:`add_working_days`, with the first year reckoned provisionally (if any)."""
    if n < 0:
        raise ValueError(f"working days must be >= 0, got {n}")
    start = _first_workday(day)
    current, provisional = start.day, start.provisional_year
    remaining = n
    while remaining:
        current += timedelta(days=1)
        official = _official(current)
        if official is None:
            provisional = provisional or current.year
        if (current.weekday() < 5) if official is None else official:
            remaining -= 1
    return Reckoned(current, provisional)


def add_working_days(day: date, n: int) -> date:
    """The N-th working day after ``day`` (a non-working ``day`` counts as the next working day).

    Always a date: in a year nobody covers, weekdays count (see add_working_days_checked)."""
    return add_working_days_checked(day, n).day


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


def deadline_checked(received: datetime, n: int) -> tuple[datetime, int | None]:
    """:func:`deadline` and the year it was reckoned provisionally through (None: certain)."""
    reckoned = add_working_days_checked(local_date(received), n)
    return end_of_day(reckoned.day), reckoned.provisional_year


def deadline_date(deadline_at: datetime) -> date:
    """The due date (Asia/Shanghai) that an exclusive end-of-day deadline stands for."""
    return local_date(deadline_at - timedelta(microseconds=1))


def utc_today_instant() -> datetime:
    """Now, as an aware instant (the one place start-up checks read the real clock)."""
    return datetime.now(timezone.utc)
