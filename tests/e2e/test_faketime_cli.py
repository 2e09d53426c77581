"""The operator's commands with the system clock moved by libfaketime (Debian's ``libfaketime``,
installed by .ci/run), as issue 13 reproduced the outage: on 2026-12-31, 2027-01-04 and
2027-02-10 a reminder pass ends without a traceback, ``python -m bot.store`` warns that 2027 is
not entered, and ``add_working_days(date.today(), 10)`` returns a date."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.stack import ROOT

LIBFAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")
WORKDAYS = (
    "from datetime import date; from bot.workdays import add_working_days_checked as a; "
    "r = a(date.today(), 10); print(date.today(), r.day, r.provisional_year)"
)


def at(moment: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert LIBFAKETIME.exists(), "install Debian's libfaketime (.ci/run does)"
    env = {
        **os.environ,
        "LD_PRELOAD": str(LIBFAKETIME),
        "FAKETIME": f"@{moment}",  # UTC
        "TZ": "UTC",
        "PYTHONPATH": str(ROOT),
        "APPEALS_DB_URL": f"sqlite:///{tmp_path / 'appeals.db'}",
        "RASA_URL": "http://127.0.0.1:9",  # nothing to deliver on an empty store
    }
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize(
    ("moment", "today", "due"),
    [
        ("2026-12-31 02:00:00", "2026-12-31", "2027-01-14"),  # 10:00 in Shanghai
        ("2027-01-04 02:00:00", "2027-01-04", "2027-01-18"),
        ("2027-02-10 02:00:00", "2027-02-10", "2027-02-24"),
    ],
)
def test_operator_commands_on_uncovered_dates(
    tmp_path: Path, moment: str, today: str, due: str
) -> None:
    store = at(moment, tmp_path, "-m", "bot.store")
    assert store.returncode == 0, store.stderr
    assert "2027年节假日安排尚未录入" in store.stderr
    once = at(moment, tmp_path, "-m", "bot.reminders", "run", "--once")
    assert once.returncode == 0, once.stderr
    assert "Traceback" not in once.stderr and "incidents=0" in once.stdout
    days = at(moment, tmp_path, "-c", WORKDAYS)
    assert days.returncode == 0, days.stderr
    assert days.stdout.split() == [today, due, "2027"]
