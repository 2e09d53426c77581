"""Each rule fires when it should and not otherwise, on a controllable clock (Asia/Shanghai)."""

from __future__ import annotations

from datetime import date

from bot.reminders.delivery import Router
from bot.reminders.staff import StaffDirectory
from tests.reminders.conftest import COORDINATOR_CHAT, UNIT_A_CHAT, World

COORD = ("dispatch_overdue", f"staff_telegram:{COORDINATOR_CHAT}")


def _due_soon() -> tuple[str, str]:
    return ("handling_due_tomorrow", f"staff_telegram:{UNIT_A_CHAT}")


def _notice() -> tuple[str, str]:
    """The dispatch notice to the unit's handlers (issue 16: an outbox row, not the console)."""
    return ("dispatched", f"staff_telegram:{UNIT_A_CHAT}")


def _overdue() -> tuple[str, str]:
    return ("handling_overdue", f"staff_telegram:{UNIT_A_CHAT}")


def test_not_dispatched_within_one_working_day(world: World) -> None:
    number = world.new_appeal()  # Mon 2025-03-03 10:00, dispatch due by the end of Tue 03-04
    assert world.run("2025-03-04 17:59") == []
    assert world.run("2025-03-05 08:00") == []  # due, but held: the window opens at 08:30
    assert world.store.counts() == {"pending": 1}
    assert world.run("2025-03-05 08:30") == [COORD]
    assert world.run("2025-03-05 09:30") == []  # once, not every pass
    assert world.run("2025-03-06 09:30") == []
    sent = world.store.list(["sent"])
    assert len(sent) == 1 and number in sent[0].payload["text"]


def test_dispatched_in_time_is_not_chased(world: World) -> None:
    number = world.new_appeal()
    world.at("2025-03-04 16:00")
    world.service.dispatch(number, "unit_a", "complex", "coordinator")
    assert world.run("2025-03-05 09:00") == [_notice()]  # the notice, but no chasing
    assert world.run("2025-03-05 10:00") == []


def test_held_to_the_next_working_day_after_a_weekend(world: World) -> None:
    world.at("2025-03-06 10:00")  # Thursday: dispatch due by the end of Friday
    world.new_appeal()
    assert world.run("2025-03-08 09:00") == []  # Saturday
    assert world.run("2025-03-09 09:00") == []  # Sunday
    assert world.run("2025-03-10 08:29") == []
    assert world.run("2025-03-10 08:30") == [COORD]


def test_handling_due_next_working_day_then_overdue_each_working_day(world: World) -> None:
    number = world.new_appeal()
    world.at("2025-03-03 11:00")
    world.service.dispatch(number, "unit_a", "simple", "coordinator")  # due Wed 03-05
    assert world.run("2025-03-03 17:00") == [_notice()]
    assert world.run("2025-03-04 08:30") == [_due_soon()]  # Tue: due tomorrow
    assert world.run("2025-03-04 12:00") == []
    assert world.run("2025-03-05 09:00") == []  # the due day itself: no reminder
    assert world.run("2025-03-06 08:30") == [_overdue()]  # Thu: overdue
    assert world.run("2025-03-06 15:00") == []
    assert world.run("2025-03-07 08:30") == [_overdue()]  # Fri: again
    assert world.run("2025-03-08 09:00") == []  # Saturday
    assert world.run("2025-03-10 09:00") == [_overdue()]  # Monday
    world.service.start(number, "unit_a")
    world.service.respond(number, "已协调恢复供水", "unit_a")
    assert world.run("2025-03-11 09:00") == [("evaluation_request", "rest:u1")]


def test_overdue_after_downtime_sends_today_only(world: World) -> None:
    number = world.new_appeal()
    world.service.dispatch(number, "unit_a", "simple", "coordinator")  # due Wed 03-05
    # The scheduler was down from Monday until the next Tuesday: one overdue reminder, for today.
    assert world.run("2025-03-11 10:00") == [_overdue()]
    assert [r.occurrence for r in world.store.list(["sent"])] == ["2025-03-11"]


def test_due_tomorrow_reminder_missed_on_its_day_is_not_sent_late(world: World) -> None:
    number = world.new_appeal()
    world.service.dispatch(number, "unit_a", "simple", "coordinator")  # due Wed 03-05
    assert world.run("2025-03-03 10:00") == [_notice()]
    world.at("2025-03-04 19:00")  # planned after the window closed on the reminder's day
    world.scheduler().run_once()
    assert world.run("2025-03-05 08:30") == []
    assert world.store.counts().get("expired") == 1


def test_holidays_and_make_up_working_days(world: World) -> None:
    world.at("2025-04-23 10:00")  # Wednesday
    number = world.new_appeal()
    world.service.dispatch(number, "unit_a", "simple", "coordinator")  # due Fri 04-25
    assert world.run("2025-04-23 10:00") == [_notice()]
    assert world.run("2025-04-24 08:30") == [_due_soon()]
    assert world.run("2025-04-26 09:00") == []  # Saturday
    assert world.run("2025-04-27 08:30") == [_overdue()]  # Sunday, but a 调休 working day
    assert world.run("2025-04-30 09:00") == [_overdue()]  # Wednesday
    for day in ("01", "02", "03", "04", "05"):  # 劳动节: no working day, nothing sent
        assert world.run(f"2025-05-{day} 10:00") == [], day
    assert world.run("2025-05-06 08:30") == [_overdue()]


def test_due_tomorrow_across_a_holiday(world: World) -> None:
    world.at("2025-04-29 10:00")  # Tuesday before 劳动节
    number = world.new_appeal()
    world.service.dispatch(number, "unit_a", "simple", "coordinator")  # 2 wd: 04-30, 05-06
    assert world.run("2025-04-29 10:00") == [_notice()]
    assert world.run("2025-04-30 08:30") == [_due_soon()]  # last working day before 05-06
    assert world.run("2025-05-05 09:00") == []


def test_evaluation_request_to_the_enterprise_in_its_channel(world: World) -> None:
    number = world.new_appeal(sender_id="o_wx_1", channel="wechat")
    world.service.dispatch(number, "unit_a", "simple", "coordinator")
    world.service.start(number, "unit_a")
    assert world.run("2025-03-03 11:00") == []
    world.service.respond(number, "已恢复供水", "unit_a")
    assert world.run("2025-03-03 11:01") == [("evaluation_request", "wechat:o_wx_1")]
    [sent] = world.store.list(["sent"])
    assert sent.payload == {"intent": "remind_evaluation", "entities": {"appeal_number": number}}
    assert world.run("2025-03-04 11:00") == []


def test_evaluation_request_answered_before_delivery_is_cancelled(world: World) -> None:
    number = world.new_appeal()
    world.service.dispatch(number, "unit_a", "simple", "coordinator")
    world.service.start(number, "unit_a")
    world.at("2025-03-03 17:30")
    world.service.respond(number, "已恢复供水", "unit_a")
    assert world.run("2025-03-03 18:30") == []  # planned, held for the window
    world.service.evaluate(number, True, None, "rest:u1")  # answered by other means meanwhile
    assert world.run("2025-03-04 08:30") == []
    [cancelled] = world.store.list(["cancelled"])
    assert "satisfied" in (cancelled.last_error or "")


def test_appeals_not_filed_in_chat_get_no_enterprise_reminders(world: World) -> None:
    number = world.service.create("某企业", "张三", "13900000000", "电话反映", "phone", None).number
    world.service.dispatch(number, "unit_a", "simple", "coordinator")
    world.service.start(number, "unit_a")
    world.service.respond(number, "已处理", "unit_a")
    assert world.run("2025-03-03 12:00") == []


def test_promised_date_reminder_on_the_day(world: World) -> None:
    number = world.new_appeal()
    world.service.dispatch(number, "unit_a", "complex", "coordinator")
    world.service.start(number, "unit_a")
    world.service.respond(number, "已制定方案", "unit_a", promised_date=date(2025, 3, 14))
    world.run("2025-03-03 12:00")  # the evaluation request
    assert world.run("2025-03-13 09:00") == []
    assert world.run("2025-03-14 08:30") == [("promised_date", "rest:u1")]
    [sent] = world.store.list(["sent"], limit=None)[-1:]
    assert "2025年3月14日" in sent.payload["text"] and number in sent.payload["text"]
    assert world.run("2025-03-17 09:00") == []


def test_promise_on_a_weekend_is_reminded_on_the_working_day_before(world: World) -> None:
    number = world.new_appeal()
    world.service.dispatch(number, "unit_a", "complex", "coordinator")
    world.service.start(number, "unit_a")
    world.service.respond(number, "已制定方案", "unit_a", promised_date=date(2025, 3, 15))
    world.run("2025-03-03 12:00")
    assert world.run("2025-03-14 08:30") == [("promised_date", "rest:u1")]


def test_revisit_after_closing(world: World) -> None:
    number = world.new_appeal()
    world.service.dispatch(number, "unit_a", "simple", "coordinator")
    world.service.start(number, "unit_a")
    world.service.respond(number, "已恢复供水", "unit_a")
    world.service.evaluate(number, True, None, "rest:u1")
    world.at("2025-03-07 10:00")  # Friday
    world.service.close(number, "coordinator")
    assert world.run("2025-03-07 10:05") == []
    assert world.run("2025-03-08 10:00") == []  # Saturday
    assert world.run("2025-03-10 08:30") == [("revisit", "rest:u1")]  # 1 working day later
    assert world.run("2025-03-11 08:30") == []


def test_staff_reminder_without_a_chat_is_recorded_not_dropped(world: World) -> None:
    world.new_appeal()
    world.at("2025-03-05 08:30")
    scheduler = world.scheduler(sender=Router(world.sender, None))
    scheduler.planner.staff = StaffDirectory()  # nobody configured, no console account
    result = scheduler.run_once()
    assert result.retried == 1 and world.sender.sent == []
    [pending] = world.store.list(["pending"])
    assert pending.channel == "unrouted" and "no Telegram chat" in (pending.last_error or "")


def test_an_appeal_closed_long_ago_is_not_revisited(world: World) -> None:
    number = world.new_appeal()
    world.service.dispatch(number, "unit_a", "simple", "coordinator")
    world.service.start(number, "unit_a")
    world.service.respond(number, "已恢复供水", "unit_a")
    world.service.evaluate(number, True, None, "rest:u1")
    world.service.close(number, "coordinator")  # Monday 2025-03-03
    world.run("2025-03-03 10:05")  # (the evaluation request, planned and sent before)
    # First start of the scheduler weeks later: the revisit is no longer relevant.
    assert world.run("2025-03-24 09:00") == []
    assert world.store.list(["pending"]) == []
