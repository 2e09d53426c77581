"""The schedule survives restarts, retries failures with backoff, and is sent exactly once even
with two schedulers racing on PostgreSQL."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.reminders.store import Reminder
from bot.store.models import reminders
from tests.reminders.conftest import World, sh


def _responded(world: World, sender_id: str) -> str:
    number = world.new_appeal(sender_id=sender_id)
    world.service.dispatch(number, "unit_a", "simple", "coordinator")
    world.service.start(number, "unit_a")
    world.service.respond(number, "已处理", "unit_a")
    return number


def test_restart_mid_schedule_loses_nothing(any_world: World) -> None:
    world = any_world
    world.at("2025-03-03 18:30")  # after hours: planned, held for the window
    for i in range(3):
        _responded(world, f"u{i}")
    result = world.scheduler("first").run_once()
    assert (result.planned, result.claimed) == (3, 0)
    # "first" is gone; a new process with a new worker name picks everything up next morning
    assert len(world.run("2025-03-04 08:30", worker="second")) == 3
    assert world.run("2025-03-04 09:00", worker="third") == []


def test_a_crashed_claim_is_taken_over_after_the_lease_only(any_world: World) -> None:
    world = any_world
    world.at("2025-03-03 11:00")
    _responded(world, "u1")
    world.scheduler().planner.plan(world.service.engine, world.clock())
    lease = timedelta(seconds=world.rules.retry.claim_lease_seconds)
    [claimed] = world.store.claim("crashed", world.clock(), lease, 10)  # then the process died
    assert claimed.claimed_by == "crashed"
    world.clock.advance(seconds=lease.total_seconds() - 1)
    assert world.scheduler("w2").run_once().claimed == 0
    assert world.sender.sent == []
    world.clock.advance(seconds=2)
    assert world.scheduler("w2").run_once().sent == 1
    assert world.store.mark_sent(claimed.id, "crashed", world.clock()) is False  # claim lost


def test_failed_delivery_is_retried_with_backoff_and_recorded(any_world: World) -> None:
    world = any_world
    world.at("2025-03-03 11:00")
    _responded(world, "u1")
    failures = iter(["Rasa answered 502", "Rasa not reachable"])
    world.sender.fail = lambda _r: next(failures, None)
    waits = world.rules.retry.backoff_seconds

    result = world.scheduler().run_once()
    assert (result.sent, result.retried) == (0, 1)
    [row] = world.store.list()
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "Rasa answered 502")
    assert row.next_attempt_at == sh("2025-03-03 11:00") + timedelta(seconds=waits[0])

    world.clock.advance(seconds=waits[0] - 1)
    assert world.scheduler().run_once().claimed == 0  # not before the backoff
    world.clock.advance(seconds=1)
    assert world.scheduler().run_once().retried == 1
    [row] = world.store.list()
    assert row.attempts == 2 and row.last_error == "Rasa not reachable"

    world.clock.set(row.next_attempt_at)
    assert world.scheduler().run_once().sent == 1
    [row] = world.store.list()
    assert (row.status, row.attempts, len(world.sender.sent)) == ("sent", 3, 1)


def test_retry_waits_for_the_window(world: World) -> None:
    world.at("2025-03-07 17:59")  # Friday, one minute before the window closes
    _responded(world, "u1")
    world.sender.fail = lambda _r: "Telegram: Timed out"
    world.scheduler().run_once()
    [row] = world.store.list()
    assert row.next_attempt_at == sh("2025-03-10 08:30")  # Monday's window


def test_after_max_attempts_it_is_failed_listed_and_can_be_requeued(world: World) -> None:
    world.at("2025-03-03 09:00")
    _responded(world, "u1")
    world.sender.fail = lambda _r: "Rasa answered 500"
    for _ in range(world.rules.retry.max_attempts):
        world.scheduler().run_once()
        [row] = world.store.list()
        world.clock.set(max(row.next_attempt_at, world.clock()))
    [row] = world.store.list(["failed"])
    assert row.attempts == world.rules.retry.max_attempts and row.last_error == "Rasa answered 500"
    world.clock.advance(hours=1)
    assert world.scheduler().run_once().claimed == 0  # failed rows are not retried on their own
    world.sender.fail = lambda _r: None
    assert world.store.retry(row.id, world.clock())
    assert world.scheduler().run_once().sent == 1


def test_an_unexpected_sender_error_is_recorded_too(world: World) -> None:
    world.at("2025-03-03 09:00")
    _responded(world, "u1")

    class Broken:
        def send(self, reminder: Reminder) -> None:
            raise KeyError("text")

    assert world.scheduler(sender=Broken()).run_once().retried == 1
    assert "KeyError" in (world.store.list()[0].last_error or "")


def test_each_reminder_is_created_once_even_when_planned_concurrently(any_world: World) -> None:
    world = any_world
    world.at("2025-03-03 18:30")
    for i in range(20):
        _responded(world, f"u{i}")
    errors: list[BaseException] = []

    def plan() -> None:
        try:
            world.scheduler().planner.plan(world.service.engine, world.clock())
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=plan) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with world.service.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(reminders)).scalar_one() == 20


@pytest.mark.parametrize("run", range(2))
def test_two_schedulers_racing_on_postgresql_send_each_reminder_once(
    pg_world: World, run: int
) -> None:
    world = pg_world
    world.at("2025-03-03 18:30")
    for i in range(60):
        _responded(world, f"u{i}")
    world.scheduler().planner.plan(world.service.engine, world.clock())
    world.at("2025-03-04 09:00")
    lock = threading.Lock()
    deliveries: list[tuple[str, int]] = []

    class Slow:
        def __init__(self, name: str) -> None:
            self.name = name

        def send(self, reminder: Reminder) -> None:
            time.sleep(0.002)  # long enough for the other scheduler to claim in between
            with lock:
                deliveries.append((self.name, reminder.id))

    start = threading.Barrier(2)

    def work(name: str) -> None:
        scheduler = world.scheduler(name, sender=Slow(name))
        scheduler.batch = 5
        start.wait()
        scheduler.run_once()

    threads = [threading.Thread(target=work, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = [rid for _, rid in deliveries]
    assert len(ids) == 60 and len(set(ids)) == 60  # every reminder, each exactly once
    assert {name for name, _ in deliveries} == {"a", "b"}  # both really worked
    assert world.store.counts() == {"sent": 60}


def test_a_pass_can_be_capped_and_the_rest_waits(world: World) -> None:
    world.at("2025-03-03 18:30")
    for i in range(5):
        _responded(world, f"u{i}")
    world.at("2025-03-04 09:00")
    assert world.scheduler().run_once(limit=3).sent == 3
    assert world.store.counts() == {"sent": 3, "pending": 2}
    assert world.scheduler().run_once().sent == 2


def test_a_stop_request_ends_the_scheduler_without_waiting_out_the_interval(world: World) -> None:
    """`make run` stops the scheduler with SIGTERM: it must not sleep out a 60 s interval."""
    world.at("2025-03-03 11:00")
    stop = threading.Event()
    runner = threading.Thread(
        target=world.scheduler().run_forever, args=(3600, stop.is_set), daemon=True
    )
    runner.start()
    stop.set()
    runner.join(timeout=30)
    assert not runner.is_alive()
