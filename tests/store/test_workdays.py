"""Working-day deadlines against the official 2025/2026 arrangements in chinese_calendar's data.

Verified in chinese_calendar 1.11 data:
2025 春节 holidays 01-28..02-04, make-up working days Sun 01-26 and Sat 02-08;
2025 国庆/中秋 holidays 10-01..10-08, make-up Sun 09-28 and Sat 10-11;
2026 春节 holidays 02-15..02-23, make-up Sat 02-14 and Sat 02-28;
2026 中秋 09-25..09-27, 国庆 10-01..10-07, make-up Sun 09-20 and Sat 10-10.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from bot.workdays import (
    SHANGHAI,
    CalendarNotCovered,
    Reckoned,
    add_working_days,
    add_working_days_checked,
    deadline,
    deadline_checked,
    deadline_date,
    due_date,
    end_of_day,
    is_workday,
)


def sh(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    """An instant given in Shanghai local time."""
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 1, 26), True),  # Sunday, 春节 make-up working day
        (date(2025, 2, 8), True),  # Saturday, 春节 make-up working day
        (date(2025, 1, 28), False),  # 除夕 holiday (a Tuesday)
        (date(2025, 2, 4), False),  # last day of 春节 holiday
        (date(2025, 9, 28), True),  # Sunday, 国庆 make-up
        (date(2025, 10, 8), False),  # Wednesday, still 国庆 holiday
        (date(2025, 10, 11), True),  # Saturday, 国庆 make-up
        (date(2026, 2, 14), True),  # Saturday, 春节 make-up
        (date(2026, 2, 23), False),  # Monday, last 春节 holiday
        (date(2026, 2, 28), True),  # Saturday, 春节 make-up
        (date(2026, 9, 20), True),  # Sunday, 国庆 make-up
        (date(2026, 9, 25), False),  # Friday, 中秋 holiday
        (date(2026, 10, 10), True),  # Saturday, 国庆 make-up
        (date(2025, 3, 8), False),  # ordinary Saturday
    ],
)
def test_official_arrangements(day: date, expected: bool) -> None:
    assert is_workday(day) is expected


@pytest.mark.parametrize(
    ("received", "n", "expected"),
    [
        # --- 2025 春节
        (sh(2025, 1, 27), 1, date(2025, 2, 5)),  # last working day before 春节 -> after it
        (sh(2025, 1, 26), 1, date(2025, 1, 27)),  # make-up Sunday counts as a working day
        (sh(2025, 1, 25), 1, date(2025, 1, 27)),  # Saturday -> next working day is Sunday 26
        (sh(2025, 1, 30), 1, date(2025, 2, 6)),  # received in the holiday -> from 02-05
        (sh(2025, 2, 7), 2, date(2025, 2, 10)),  # Sat 02-08 counts: 08, 10
        (sh(2025, 1, 23), 5, date(2025, 2, 6)),  # 24, 26(Sun), 27, 02-05, 02-06
        (sh(2025, 1, 27), 10, date(2025, 2, 17)),  # 5,6,7,8(Sat),10,11,12,13,14,17
        # --- 2025 国庆
        (sh(2025, 9, 30), 1, date(2025, 10, 9)),
        (sh(2025, 9, 27), 1, date(2025, 9, 29)),  # Sat -> Sun 09-28 make-up -> Mon
        (sh(2025, 10, 3), 1, date(2025, 10, 10)),  # in the holiday -> from 10-09
        (sh(2025, 10, 9), 2, date(2025, 10, 11)),  # 10, 11(Sat make-up)
        (sh(2025, 9, 30), 5, date(2025, 10, 14)),  # 9, 10, 11(Sat), 13, 14
        # --- 2026 春节
        (sh(2026, 2, 13), 1, date(2026, 2, 14)),  # Fri -> the make-up Saturday
        (sh(2026, 2, 14), 1, date(2026, 2, 24)),  # last working day before 春节 -> after it
        (sh(2026, 2, 13), 2, date(2026, 2, 24)),
        (sh(2026, 2, 26), 2, date(2026, 2, 28)),  # 27, 28(Sat make-up)
        (sh(2026, 2, 12), 10, date(2026, 3, 4)),  # 13,14,24,25,26,27,28,3-2,3-3,3-4
        # --- 2026 中秋 + 国庆
        (sh(2026, 9, 19), 1, date(2026, 9, 21)),  # Sat -> Sun 09-20 make-up -> Mon
        (sh(2026, 9, 24), 1, date(2026, 9, 28)),  # 中秋 Fri-Sun skipped
        (sh(2026, 9, 30), 1, date(2026, 10, 8)),
        (sh(2026, 10, 9), 2, date(2026, 10, 12)),  # 10(Sat make-up), 12
        (sh(2026, 9, 29), 5, date(2026, 10, 12)),  # 30, 10-8, 9, 10(Sat), 12
    ],
)
def test_due_dates(received: datetime, n: int, expected: date) -> None:
    assert due_date(received, n) == expected


def test_day_of_receipt_is_taken_in_shanghai() -> None:
    # 2025-01-27 23:59 in Shanghai is still the last working day before 春节 ...
    assert due_date(datetime(2025, 1, 27, 15, 59, tzinfo=timezone.utc), 1) == date(2025, 2, 5)
    # ... one minute later it is 除夕 in Shanghai (though still 01-27 in UTC).
    assert due_date(datetime(2025, 1, 27, 16, 1, tzinfo=timezone.utc), 1) == date(2025, 2, 6)


def test_deadline_is_end_of_due_date_in_shanghai() -> None:
    at = deadline(sh(2025, 1, 27), 1)
    assert at == datetime(2025, 2, 5, 16, 0, tzinfo=timezone.utc)  # 2025-02-06 00:00 Shanghai
    assert deadline_date(at) == date(2025, 2, 5)
    assert end_of_day(date(2026, 2, 28)) == datetime(2026, 2, 28, 16, 0, tzinfo=timezone.utc)


def test_zero_days_is_the_effective_day_of_receipt() -> None:
    assert add_working_days(date(2025, 2, 1), 0) == date(2025, 2, 5)
    assert add_working_days(date(2025, 2, 5), 0) == date(2025, 2, 5)


def test_negative_days_rejected() -> None:
    with pytest.raises(ValueError):
        add_working_days(date(2025, 3, 3), -1)


def test_naive_instant_rejected() -> None:
    with pytest.raises(ValueError, match="naive"):
        due_date(datetime(2025, 3, 3, 10), 1)


@pytest.mark.parametrize("day", [date(2027, 3, 1), date(2003, 6, 2), date(2099, 1, 1)])
def test_year_not_covered(day: date) -> None:
    with pytest.raises(CalendarNotCovered, match=str(day.year)):
        is_workday(day)


def test_due_date_running_into_an_uncovered_year_is_provisional() -> None:
    # 2026-12-31 is covered, but the next working day is in 2027, which no source covers yet:
    # reckoned on weekdays only, and the result says which year is missing (issue 13).
    assert due_date(sh(2026, 12, 31), 1) == date(2027, 1, 1)
    assert add_working_days_checked(date(2026, 12, 31), 1) == Reckoned(date(2027, 1, 1), 2027)
    assert add_working_days_checked(date(2026, 12, 30), 1) == Reckoned(date(2026, 12, 31), None)
    at, year = deadline_checked(sh(2026, 12, 31), 1)
    assert (deadline_date(at), year) == (date(2027, 1, 1), 2027)
