"""Provisional deadlines: stored with the missing year, recomputed once the year is entered, once.

Dates are chosen around the turn of 2026/2027 (2027 has no arrangement in chinese_calendar 1.11
nor in the shipped holidays file); the 2027 arrangement used here is a test fixture.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
import yaml

from bot import workdays
from bot.knowledge.holidays import HOLIDAYS_ENV, load_holidays
from bot.store import AppealService
from bot.store.recompute import ACTION, recompute_deadlines
from bot.workdays import SHANGHAI

from .conftest import FakeClock
from .test_holidays import FIXTURE, ROOT

FIXTURE_2027 = {"years": [FIXTURE["years"][0]]}  # type: ignore[index]


def sh(y: int, m: int, d: int, hh: int = 10) -> datetime:
    return datetime(y, m, d, hh, tzinfo=SHANGHAI)


@pytest.fixture
def holidays_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "holidays.yaml"
    path.write_text(yaml.safe_dump(FIXTURE_2027, allow_unicode=True), encoding="utf-8")
    yield path
    workdays.reload_holidays()  # back to the shipped file


def _make(service: AppealService, clock: FakeClock) -> tuple[str, str]:
    clock.set(sh(2026, 12, 31))
    submitted = service.create("某公司", "张三", "13800000000", "停电", "wechat", "u1").number
    clock.set(sh(2026, 12, 30))
    dispatched = service.create("某公司", "张三", "13800000000", "停水", "wechat", "u1").number
    service.dispatch(dispatched, "unit_a", "general", "coordinator")  # 5 days: into 2027
    return submitted, dispatched


def test_recompute_moves_provisional_deadlines_once(
    service: AppealService, clock: FakeClock, holidays_file: Path
) -> None:
    submitted, dispatched = _make(service, clock)
    first = service.get(submitted)
    assert (first.dispatch_due_date, first.dispatch_due_provisional_year) == (
        date(2027, 1, 1),
        2027,
    )
    second = service.get(dispatched)
    # weekdays only: 31, 01-01, 04, 05, 06
    assert (second.handling_due_date, second.handling_due_provisional_year) == (
        date(2027, 1, 6),
        2027,
    )
    assert recompute_deadlines(service) == []  # year still missing: nothing to change

    workdays.reload_holidays(load_holidays(holidays_file))  # IT staff entered 2027
    clock.set(sh(2027, 1, 6))
    changed = recompute_deadlines(service)
    assert sorted((c.number, c.field) for c in changed) == sorted(
        [(submitted, "dispatch_due"), (dispatched, "handling_due")]
    )
    first, second = service.get(submitted), service.get(dispatched)
    assert (first.dispatch_due_date, first.dispatch_due_provisional_year) == (
        date(2027, 1, 6),
        None,
    )
    # fixture: 01-01..05 off -> 31, 06, 07, 08, Sat 09
    assert (second.handling_due_date, second.handling_due_provisional_year) == (
        date(2027, 1, 9),
        None,
    )
    events = [e for e in service.history(dispatched) if e.action == ACTION]
    assert len(events) == 1
    assert events[0].note is not None and "2027年1月6日 → 2027年1月9日" in events[0].note
    assert events[0].to_status == second.status  # the stage did not change

    assert recompute_deadlines(service) == []  # a second run changes nothing
    assert [e.action for e in service.history(dispatched)].count(ACTION) == 1


def test_recompute_command(tmp_path: Path, holidays_file: Path) -> None:
    """`python -m bot.store recompute-deadlines` against a SQLite store, with the file entered."""
    url = f"sqlite:///{tmp_path / 'appeals.db'}"
    clock = FakeClock(sh(2026, 12, 31))
    from bot.store import open_service

    service = open_service(url, clock=clock)
    number = service.create("某公司", "张三", "13800000000", "停电", "wechat", "u1").number
    service.dispose()
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "APPEALS_DB_URL": url}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot.store", *args],
            cwd=ROOT,
            env={**env, HOLIDAYS_ENV: str(holidays_file)},
            capture_output=True,
            text=True,
            timeout=120,
        )

    done = run("recompute-deadlines")
    assert done.returncode == 0, done.stderr
    assert f"{number} dispatch_due: 2027-01-01 -> 2027-01-06, final" in done.stdout
    assert "1 deadline(s) changed" in done.stdout
    again = run("recompute-deadlines")
    assert again.returncode == 0 and "0 deadline(s) changed" in again.stdout
