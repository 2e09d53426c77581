"""Numbers stay unique and gapless, idempotent creates stay single, and a step wins only once,
with many threads racing on real SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from sqlalchemy import func, select

from bot.store import AppealService, IllegalTransition, Status, open_service
from bot.store.engine import REPO_ROOT
from bot.store.migrate import current_revision, head_revision
from bot.store.models import appeals
from bot.store.numbering import parse_number

from .conftest import TEST_POLICY

T = TypeVar("T")


def race(n: int, task: Callable[[int], T]) -> list[T | BaseException]:
    """Run ``task(i)`` for i in range(n) on n threads released at the same moment."""
    barrier = threading.Barrier(n)

    def run(i: int) -> T | BaseException:
        barrier.wait()
        try:
            return task(i)
        except BaseException as exc:
            return exc

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def test_200_concurrent_creates_are_numbered_01_to_200(service: AppealService) -> None:
    results = race(200, lambda i: service.create(f"企业{i}", "", "", f"诉求{i}", "test", f"s{i}"))
    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == []
    numbers = [r.number for r in results if not isinstance(r, BaseException)]
    parsed = sorted(parse_number(n) for n in numbers)  # type: ignore[type-var]
    assert parsed == [(2025, seq) for seq in range(1, 201)]
    assert numbers.count("ncqhww2025-01") == 1 and "ncqhww2025-200" in numbers
    with service.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(appeals)).scalar_one() == 200


def test_same_idempotency_key_from_10_threads_makes_one_row(service: AppealService) -> None:
    results = race(
        10, lambda i: service.create("甲公司", "", "", "同一条消息", "wechat", "u1", "msg-42")
    )
    assert not [r for r in results if isinstance(r, BaseException)]
    assert len({r.id for r in results if not isinstance(r, BaseException)}) == 1
    with service.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(appeals)).scalar_one() == 1
    # the losers' numbers were rolled back with their inserts: no gap
    assert service.create("乙公司", "", "", "另一条", "wechat", "u2").number == "ncqhww2025-02"


def test_a_step_succeeds_only_once(service: AppealService) -> None:
    number = service.create("丙公司", "", "", "诉求", "test", "s").number
    results = race(8, lambda i: service.dispatch(number, "unit_a", "simple", f"staff{i}"))
    wins = [r for r in results if not isinstance(r, BaseException)]
    losses = [r for r in results if isinstance(r, BaseException)]
    assert len(wins) == 1 and wins[0].round == 1
    assert len(losses) == 7 and all(isinstance(e, IllegalTransition) for e in losses)
    assert [e.action for e in service.history(number)] == ["create", "dispatch"]


def test_conflicting_evaluations_one_wins(service: AppealService) -> None:
    number = service.create("丁公司", "", "", "诉求", "test", "s").number
    service.dispatch(number, "unit_a", "simple", "coordinator")
    service.start(number, "unit_a")
    service.respond(number, "已办理", "unit_a")
    results = race(6, lambda i: service.evaluate(number, i % 2 == 0, None, f"staff{i}"))
    wins = [r for r in results if not isinstance(r, BaseException)]
    assert len(wins) == 1
    final = service.get(number)
    assert final.status in (Status.SATISFIED, Status.UNSATISFIED)
    assert final.status is wins[0].status
    assert len(service.history(number)) == 5


START_UP = """
import sys
from bot.store import AppealPolicy, Unit, open_service
policy = AppealPolicy(1, {"simple": 2}, {"simple": "x"}, "office", (Unit("unit_a", "A"),))
open_service(sys.argv[1], policy=policy).dispose()
"""


def test_concurrent_start_ups(db_url: str) -> None:
    """Four processes starting at once: migrations and unit seeding must not trip over each other
    (PostgreSQL advisory lock; SQLite BEGIN IMMEDIATE; unit insert retried)."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", START_UP, db_url], env=env, stderr=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    failures = [p.stderr.read() if p.stderr else "" for p in procs if p.wait(timeout=120) != 0]
    assert failures == []
    svc = AppealService(db_url, policy=TEST_POLICY)
    try:
        assert [u.id for u in svc.units()] == ["unit_a"]
        assert current_revision(db_url) == head_revision()
    finally:
        svc.dispose()


def test_start_ups_from_threads(db_url: str) -> None:
    """Alembic's global context is guarded, so threads may start services concurrently too."""
    results = race(4, lambda i: open_service(db_url, policy=TEST_POLICY))
    assert [r for r in results if isinstance(r, BaseException)] == []
    for svc in results:
        if isinstance(svc, AppealService):
            svc.dispose()
