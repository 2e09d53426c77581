"""The holiday arrangements file: validation at load, precedence over chinese_calendar, and the
provisional reckoning of years nobody covers.

The year entered in the fixture file is a test fixture, not the real arrangement of any year.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import yaml

from bot import workdays
from bot.knowledge import KnowledgeError
from bot.knowledge.holidays import HOLIDAYS_ENV, load_holidays
from bot.workdays import (
    add_working_days,
    add_working_days_checked,
    counts_as_workday,
    coverage_warning,
    is_workday,
    uncovered_years,
)

ROOT = Path(__file__).resolve().parents[2]

# A made-up 2027 arrangement (the real one is not published in our documents): 01-01..01-05 off,
# Saturday 01-09 worked. And a 2026 entry that overrides chinese_calendar's data for that year.
FIXTURE = {
    "years": [
        {
            "year": 2027,
            "notice": "测试用安排（非真实通知）",
            "holidays": [{"name": "测试假期", "first": "2027-01-01", "last": "2027-01-05"}],
            "workdays": ["2027-01-09"],
        },
        {
            "year": 2026,
            "notice": "测试用安排（非真实通知）",
            "holidays": [{"name": "测试假期", "first": "2026-03-02", "last": "2026-03-02"}],
            "workdays": [],
        },
    ]
}


def write(tmp_path: Path, data: object, name: str = "holidays.yaml") -> Path:
    path = tmp_path / name
    text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def fixture_year(tmp_path: Path) -> Iterator[Path]:
    path = write(tmp_path, FIXTURE)
    workdays.reload_holidays(load_holidays(path))
    yield path
    workdays.reload_holidays()


def test_shipped_file_is_valid_and_has_no_2027() -> None:
    assert 2027 not in load_holidays(ROOT / "bot/knowledge/holidays.yaml")


def test_fixture_year_drives_deadlines(fixture_year: Path) -> None:
    assert is_workday(date(2027, 1, 4)) is False  # a Monday inside the fixture holiday
    assert is_workday(date(2027, 1, 9)) is True  # the fixture make-up Saturday
    assert add_working_days_checked(date(2026, 12, 31), 1).day == date(2027, 1, 6)
    assert not add_working_days_checked(date(2026, 12, 31), 1).provisional
    assert add_working_days(date(2027, 1, 7), 2) == date(2027, 1, 9)  # 08, Sat 09
    assert uncovered_years(date(2026, 12, 31)) == []


def test_file_wins_over_the_library_for_a_year_both_have(fixture_year: Path) -> None:
    assert is_workday(date(2026, 3, 2)) is False  # chinese_calendar says a plain Monday
    assert is_workday(date(2026, 2, 14)) is False  # the library's make-up day is not in the file


def test_library_years_unchanged_without_the_file_entry() -> None:
    assert is_workday(date(2026, 2, 14)) is True  # 2026 春节 make-up Saturday (chinese_calendar)


def test_uncovered_year_is_weekdays_and_marked() -> None:
    reckoned = add_working_days_checked(date(2027, 2, 10), 10)
    assert reckoned.day == date(2027, 2, 24)
    assert reckoned.provisional_year == 2027
    assert counts_as_workday(date(2027, 1, 1)) is True  # Friday, no arrangement entered
    assert counts_as_workday(date(2027, 1, 2)) is False
    warning = coverage_warning(date(2026, 12, 17))
    assert warning is not None and "2027年" in warning
    assert coverage_warning(date(2026, 3, 1)) is None


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda y: y.update(workdays=["2027-02-30"]),
            "holidays.yaml: years -> 0 -> workdays -> 0: 2027-02-30 is not a real date",
        ),
        (
            lambda y: y.update(workdays=["2028-01-08"]),
            "holidays.yaml: years -> 0 -> workdays -> 0: 2028-01-08 is not in 2027",
        ),
        (
            lambda y: y.update(workdays=["2027-01-03"]),
            "holidays.yaml: years -> 0 -> workdays -> 0: "
            "2027-01-03 is both a holiday and a working day",
        ),
        (
            lambda y: y["holidays"][0].update(first="2026-12-31"),
            "holidays.yaml: years -> 0 -> holidays -> 0 -> first: 2026-12-31 is not in 2027",
        ),
        (
            lambda y: y["holidays"][0].update(last="2026-12-30"),
            "holidays.yaml: years -> 0 -> holidays -> 0 -> last: 2026-12-30 is before first",
        ),
        (
            lambda y: y.pop("notice"),
            "holidays.yaml: years -> 0 -> notice: field required",
        ),
        (
            lambda y: y.update(workdays=["1月9日"]),
            "holidays.yaml: years -> 0 -> workdays -> 0: '1月9日' is not a date written as",
        ),
        (
            lambda y: y.update(extra="x"),
            "holidays.yaml: years -> 0 -> extra: extra fields not permitted",
        ),
    ],
)
def test_malformed_file_names_file_and_field(tmp_path: Path, change, expected: str) -> None:  # type: ignore[no-untyped-def]
    data = yaml.safe_load(yaml.safe_dump(FIXTURE))
    change(data["years"][0])
    path = write(tmp_path, data)
    with pytest.raises(KnowledgeError) as caught:
        load_holidays(path)
    assert expected in str(caught.value)


def test_year_entered_twice(tmp_path: Path) -> None:
    data = {"years": [FIXTURE["years"][0], FIXTURE["years"][0]]}  # type: ignore[index]
    with pytest.raises(KnowledgeError, match=r"years -> 1 -> year: year 2027 entered twice"):
        load_holidays(write(tmp_path, data))


def test_yaml_syntax_error(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match=r"holidays\.yaml: YAML syntax error"):
        load_holidays(write(tmp_path, "years: [\n"))


def test_malformed_file_stops_store_start_up(tmp_path: Path) -> None:
    data = yaml.safe_load(yaml.safe_dump(FIXTURE))
    data["years"][0]["workdays"] = ["2027-13-01"]
    path = write(tmp_path, data, "bad-holidays.yaml")
    done = subprocess.run(
        [sys.executable, "-m", "bot.store"],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(ROOT),
            HOLIDAYS_ENV: str(path),
            "APPEALS_DB_URL": f"sqlite:///{tmp_path / 'appeals.db'}",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "bad-holidays.yaml: years -> 0 -> workdays -> 0: 2027-13-01 is not a real date" in (
        done.stderr
    )
    assert not (tmp_path / "appeals.db").exists()  # nothing was started or written
