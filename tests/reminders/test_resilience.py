"""One failure stays one failure, the window is checked before each send, and a slow channel
cannot make two schedulers send one reminder twice (issue 13, issue 14 items 6 and 7)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest

from bot.reminders.planner import Planner
from bot.reminders.scheduler import PassResult
from bot.reminders.store import Reminder
from tests.reminders.conftest import RecordingSender, World, sh


def _responded(world: World, sender_id: str) -> str:
    number = world.new_appeal(sender_id=sender_id)
    world.service.dispatch(number, "unit_a", "simple", "coordinator")
    world.service.start(number, "unit_a")
    world.service.respond(number, "已处理", "unit_a")
    return number


def _planned(world: World, n: int, when: str = "2025-03-03 11:00") -> None:
    world.at(when)
    for i in range(n):
        _responded(world, f"u{i}")
    world.scheduler().planner.plan(world.service.engine, world.clock())


class ClockedSender(RecordingSender):
    """Each send takes ``seconds`` on the fake clock; ``during`` runs after the n-th send."""

    def __init__(self, world: World, seconds: float, during: dict[int, Any] | None = None):
        super().__init__()
        self.world, self.seconds, self.during = world, seconds, during or {}

    def send(self, reminder: Reminder) -> None:
        self.world.clock.advance(seconds=self.seconds)
        super().send(reminder)
        action = self.during.get(len(self.sent))
        if action is not None:
            action()


def test_a_broken_reminder_is_an_incident_and_the_others_are_sent(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    _planned(world, 3)
    [first, *_] = world.store.list()

    def fail(reminder: Reminder) -> str | None:
        if reminder.id == first.id:
            raise RuntimeError("bug in one reminder")
        return None

    world.sender.fail = fail
    with caplog.at_level(logging.ERROR):
        result = world.scheduler().run_once()
    assert (result.sent, result.incidents, result.retried) == (2, 1, 1)
    count, [incident] = world.store.incidents(sh("2025-03-03 00:00"))
    assert count == 1 and incident.scope == "reminder" and incident.subject == str(first.id)
    assert f"ref {incident.reference}" in caplog.text  # the log line names the same reference
    row = next(r for r in world.store.list() if r.id == first.id)
    assert (row.status, row.attempts, row.claimed_by) == ("pending", 1, None)  # retried later
    assert incident.reference in (row.last_error or "")


def test_a_broken_rule_is_an_incident_and_the_other_rules_plan(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.at("2025-03-03 11:00")
    _responded(world, "u1")

    def broken(self: Planner, *args: Any) -> Any:
        raise KeyError("placeholder missing")

    monkeypatch.setattr(Planner, "_overdue", broken)  # the evaluation request rule still works
    result = world.scheduler().run_once()
    assert result.incidents == 1 and "rule" in result.errors[0]
    assert result.sent >= 1  # the evaluation request still went out
    count, [incident] = world.store.incidents(sh("2025-03-01 00:00"))
    assert (count, incident.scope) == (1, "rule")


def test_a_broken_pass_does_not_stop_the_scheduler(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    scheduler = world.scheduler()
    passes: list[int] = []

    def run_once(limit: int | None = None) -> PassResult:
        passes.append(1)
        if len(passes) == 1:
            raise ZeroDivisionError("bug in a pass")
        return PassResult()

    monkeypatch.setattr(scheduler, "run_once", run_once)
    scheduler.run_forever(0, stop=lambda: len(passes) >= 3)
    assert len(passes) == 3  # went on after the failed pass
    count, [incident] = world.store.incidents(sh("2025-03-01 00:00"))
    assert (count, incident.scope) == (1, "pass")


def test_the_window_is_checked_before_each_send(world: World) -> None:
    """A pass starting at 17:55 whose sends take a minute each stops at 18:00."""
    _planned(world, 10, when="2025-03-03 17:55")
    world.at("2025-03-03 17:55")
    sender = ClockedSender(world, 60)
    result = world.scheduler(sender=sender).run_once()
    assert len(sender.sent) == 5  # sent at 17:55 .. 17:59, each before 18:00
    assert (result.sent, result.held) == (5, 5)
    assert world.clock() == sh("2025-03-03 18:00")
    pending = world.store.list(["pending"])
    assert len(pending) == 5 and all(r.claimed_by is None for r in pending)  # given back
    world.at("2025-03-03 18:30")
    assert world.scheduler().run_once().sent == 0  # held until the next window
    world.at("2025-03-04 08:30")
    assert world.scheduler().run_once().sent == 5


def test_a_slow_channel_never_sends_twice_with_two_schedulers(pg_world: World) -> None:
    """PostgreSQL: scheduler A claims a batch on one lease and sends slowly; B starts after the
    lease ran out for the reminders A has not reached yet. Each reminder is sent once."""
    world = pg_world
    _planned(world, 6)
    lease = world.rules.retry.claim_lease_seconds
    sent: list[tuple[str, int]] = []
    b_results: list[PassResult] = []

    class Tagged(ClockedSender):
        def __init__(self, tag: str, seconds: float, during: dict[int, Any] | None = None):
            super().__init__(world, seconds, during)
            self.tag = tag

        def send(self, reminder: Reminder) -> None:
            sent.append((self.tag, reminder.id))
            super().send(reminder)

    def second_scheduler() -> None:
        b_results.append(world.scheduler("B", sender=Tagged("B", 1)).run_once())

    # A's sends take lease/2 + 1 s each: after its 3rd send the lease of its batch has run out.
    world.at("2025-03-03 11:00")
    slow = Tagged("A", lease / 2 + 1, during={3: second_scheduler})
    result_a = world.scheduler("A", sender=slow).run_once()
    ids = [reminder_id for _, reminder_id in sent]
    assert len(ids) == 6 and len(set(ids)) == 6  # every reminder exactly once
    assert result_a.sent + b_results[0].sent == 6
    assert result_a.lost >= 1  # A found B's claims and left them to B
    assert world.store.counts() == {"sent": 6}
    assert world.clock() - sh("2025-03-03 11:00") >= timedelta(seconds=lease)


def test_staff_reminders_say_a_provisional_due_date_is_provisional(world: World) -> None:
    world.at("2026-12-31 10:00")
    number = world.new_appeal()
    world.service.dispatch(number, "unit_a", "simple", "coordinator")  # due 2027-01-04 (weekdays)
    world.at("2027-01-05 09:00")
    result = world.scheduler().run_once()
    assert result.incidents == 0 and result.sent >= 1
    texts = [r.payload["text"] for r in world.store.list(["sent"]) if "text" in r.payload]
    overdue = [t for t in texts if number in t and "超期" in t]
    assert overdue and "2027年1月4日（暂按周末推算，待录入2027年节假日安排）" in overdue[0]
