"""The reminder actions with rasa-sdk's Tracker and CollectingDispatcher, on a real store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from actions.reminder_actions import ActionRemindEvaluation, ActionSubscribe, ActionUnsubscribe
from actions.store_access import get_service, reset_service
from bot.answers import primary_contact
from bot.knowledge import get_knowledge
from bot.reminders import chat
from bot.reminders.rules import default_rules
from bot.reminders.store import ReminderStore
from bot.store import AppealService
from tests.actions.helpers import entity, payloads, run, texts, tracker


@pytest.fixture
def service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppealService]:
    monkeypatch.setenv("APPEALS_DB_URL", f"sqlite:///{tmp_path / 'appeals.db'}")
    reset_service()
    yield get_service()
    reset_service()


def _responded(service: AppealService, sender: str, channel: str = "wechat") -> str:
    unit = service.units()[0].id
    number = service.create("某企业", "张三", "13900000000", "停水", channel, sender).number
    service.dispatch(number, unit, "simple", "coordinator")
    service.start(number, unit)
    service.respond(number, "已协调恢复供水", unit)
    return number


def test_triggered_evaluation_request_names_the_appeal_and_offers_buttons(
    service: AppealService,
) -> None:
    number = _responded(service, "o1")
    t = tracker(
        "EXTERNAL: remind_evaluation",
        "remind_evaluation",
        [entity("appeal_number", number)],
        sender_id="o1",
        channel="wechat",
    )
    messages, events = run(ActionRemindEvaluation(), t)
    assert number in texts(messages) and "已协调恢复供水" in texts(messages)
    assert payloads(messages) == [
        f'/evaluate_satisfied{{"appeal_number":"{number}"}}',
        f'/evaluate_unsatisfied{{"appeal_number":"{number}"}}',
    ]
    assert events == []


def test_someone_elses_appeal_is_not_offered(service: AppealService) -> None:
    number = _responded(service, "o1")
    t = tracker(
        "我要评价",
        "remind_evaluation",
        [entity("appeal_number", number)],
        sender_id="o2",
        channel="wechat",
    )
    messages, _ = run(ActionRemindEvaluation(), t)
    assert number not in texts(messages) and payloads(messages) == []
    assert primary_contact(get_knowledge()) in texts(messages)


def test_asked_without_a_number_lists_every_responded_appeal(service: AppealService) -> None:
    first, second = _responded(service, "o1"), _responded(service, "o1")
    messages, _ = run(
        ActionRemindEvaluation(),
        tracker("我要评价", "remind_evaluation", None, sender_id="o1", channel="wechat"),
    )
    assert first in texts(messages) and second in texts(messages)
    assert len(payloads(messages)) == 4


def test_subscribe_then_unsubscribe(service: AppealService) -> None:
    store = ReminderStore(service.engine)
    messages, _ = run(
        ActionSubscribe(), tracker("订阅通知", "subscribe", None, sender_id="o1", channel="wechat")
    )
    assert texts(messages).startswith("订阅成功")
    assert get_knowledge().schemes["best_case"].name in texts(messages)
    assert store.is_subscribed("wechat", "o1")
    messages, _ = run(
        ActionSubscribe(), tracker("订阅", "subscribe", None, sender_id="o1", channel="wechat")
    )
    assert "已订阅" in texts(messages)
    messages, _ = run(
        ActionUnsubscribe(), tracker("退订", "unsubscribe", None, sender_id="o1", channel="wechat")
    )
    assert texts(messages).startswith("已退订")
    assert not store.is_subscribed("wechat", "o1")
    messages, _ = run(
        ActionUnsubscribe(), tracker("退订", "unsubscribe", None, sender_id="o9", channel="wechat")
    )
    assert "没有订阅" in texts(messages)


def test_what_is_sent_quotes_the_knowledge_base() -> None:
    kb = get_knowledge()
    text = chat.what_is_sent(date(2024, 10, 1), kb, default_rules())
    for milestone in kb.schemes["best_case"].milestones:
        assert milestone.name in text and milestone.deadline in text
    later = chat.what_is_sent(date(2026, 11, 23), kb, default_rules())
    assert "均已过去" in later and "2024年11月" not in later
    hours = chat.delivery_hours(default_rules())
    assert hours == "工作日8:30–18:00"


def test_a_rest_caller_naming_a_telegram_chat_id_sees_nothing(service: AppealService) -> None:
    """Issue 14 item 2: the channel must match too, not only the sender id."""
    number = _responded(service, "42", channel="telegram")
    for sender_id, channel, namespaced in (
        ("42", "rest", False),  # a bare id, as the REST webhook passed it before
        ("42", "rest", True),  # rest:42
        ("telegram:42", "rest", True),  # rest:telegram:42
        ("42", "telegram", False),  # bare id claiming the Telegram input channel
    ):
        t = tracker(
            "我要评价",
            "remind_evaluation",
            [entity("appeal_number", number)],
            sender_id=sender_id,
            channel=channel,
            namespaced=namespaced,
        )
        messages, _ = run(ActionRemindEvaluation(), t)
        assert number not in texts(messages), (sender_id, channel)
        assert "已协调恢复供水" not in texts(messages) and payloads(messages) == []
    mine = tracker(
        "我要评价",
        "remind_evaluation",
        [entity("appeal_number", number)],
        sender_id="42",
        channel="telegram",
    )
    assert number in texts(run(ActionRemindEvaluation(), mine)[0])
