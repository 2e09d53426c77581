"""Scheme notices go to subscribers only, once per period, and unsubscribing is honoured."""

from __future__ import annotations

from bot.knowledge import get_knowledge
from tests.reminders.conftest import World


def _subscribe(world: World, sender: str, on: bool = True, channel: str = "wechat") -> bool:
    return world.store.set_subscribed(channel, sender, on, world.clock())


def test_subscribe_and_unsubscribe_are_remembered(any_world: World) -> None:
    world = any_world
    assert world.store.is_subscribed("wechat", "o1") is False
    assert _subscribe(world, "o1") is False  # was not subscribed before
    assert _subscribe(world, "o1") is True  # twice is fine
    assert world.store.is_subscribed("wechat", "o1") is True
    assert _subscribe(world, "o1", on=False) is True
    assert world.store.is_subscribed("wechat", "o1") is False
    assert world.store.is_subscribed("telegram", "o1") is False  # per channel


def test_best_case_notices_reach_subscribers_only_once_per_period(world: World) -> None:
    kb = get_knowledge()
    scheme = kb.schemes["best_case"]
    world.at("2024-10-20 10:00")
    _subscribe(world, "o1")
    _subscribe(world, "o2")
    _subscribe(world, "o3")
    _subscribe(world, "o3", on=False)
    assert world.run("2024-10-31 10:00") == []  # no milestone in October
    assert world.run("2024-11-01 08:29") == []  # the window opens at 08:30
    world.sender.fail = lambda _r: "Rasa answered 503"
    assert world.run("2024-11-01 08:30") == []  # planned for o1 and o2, delivery failed
    world.sender.fail = lambda _r: None
    _subscribe(world, "o2", on=False)  # unsubscribes before the retry
    sent = world.run("2024-11-01 10:00")
    assert sent == [("scheme_notices", "wechat:o1")]
    [cancelled] = world.store.list(["cancelled"])
    assert (cancelled.recipient, cancelled.last_error) == ("wechat:o2", "unsubscribed")
    notice = world.store.list(["sent"])[0].payload["text"]
    november = [m for m in scheme.milestones if m.deadline == "2024年11月"]
    assert november and all(m.name in notice and (m.detail or "") in notice for m in november)
    assert scheme.name in notice and "2024年12月" not in notice
    assert world.run("2024-11-04 09:00") == []  # once per period
    _subscribe(world, "o4", channel="telegram")  # joins later in the month: still relevant
    assert world.run("2024-11-05 09:00") == [("scheme_notices", "telegram:o4")]
    assert sorted(world.run("2024-12-02 08:30")) == [
        ("scheme_notices", "telegram:o4"),
        ("scheme_notices", "wechat:o1"),
    ]


def test_quarter_milestone_and_holiday_start(world: World) -> None:
    _subscribe(world, "o1")
    # 2025 Q1 starts on New Year's Day (a holiday): the notice waits for 01-02, a working day.
    assert world.run("2025-01-01 10:00") == []
    assert world.run("2025-01-02 08:30") == [("scheme_notices", "wechat:o1")]
    assert "2025年一季度" in world.store.list(["sent"])[0].payload["text"]


def test_a_notice_not_delivered_within_its_period_expires(world: World) -> None:
    _subscribe(world, "o1")
    world.at("2024-11-29 19:00")  # planned after hours on the last working day of November
    world.scheduler().run_once()
    world.run("2024-12-02 08:30")
    statuses = {r.occurrence: r.status for r in world.store.list(limit=None)}
    assert statuses == {"2024-11": "expired", "2024-12": "sent"}
