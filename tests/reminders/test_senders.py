"""The senders against loopback stand-ins: Rasa's HTTP API for chat users, the Telegram Bot API
for staff; a refusal or an unreachable server is a DeliveryFailed, never silence."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest

from bot.channels.telegram.settings import make_bot
from bot.reminders.delivery import (
    STAFF_TELEGRAM,
    DeliveryFailed,
    RasaSender,
    Router,
    TelegramSender,
)
from bot.reminders.store import Reminder
from tests.channels.servers import Recorded, StandIn, free_port, serve_standin
from tests.channels.standins import TelegramApi

TOKEN = "123456:reminder-test"
NOW = datetime(2025, 3, 3, 2, 0, tzinfo=timezone.utc)


def _reminder(channel: str, sender: str, payload: dict[str, Any], kind: str = "k") -> Reminder:
    return Reminder(
        id=1,
        kind=kind,
        subject="appeal:1",
        occurrence="r1",
        recipient=f"{channel}:{sender}",
        channel=channel,
        sender_id=sender,
        appeal_id=1,
        subscription_id=None,
        round=1,
        payload=payload,
        status="pending",
        due_at=NOW,
        expires_at=None,
        next_attempt_at=NOW,
        claimed_by="w",
        claimed_at=NOW,
        sent_at=None,
        attempts=0,
        last_error=None,
    )


class FakeRasa(StandIn):
    def __init__(self) -> None:
        super().__init__(respond=self._answer)
        self.status = 200

    def _answer(self, request: Recorded) -> tuple[int, Any]:
        if request.query.get("token") != "t0k":
            return 401, {"error": "unauthorized"}
        return self.status, {"ok": self.status == 200}


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    with serve_standin(FakeRasa()) as api:
        yield api  # type: ignore[misc]


@pytest.fixture
def telegram() -> Iterator[TelegramApi]:
    with serve_standin(TelegramApi(TOKEN)) as api:
        yield api  # type: ignore[misc]


def test_evaluation_request_is_a_trigger_intent_on_the_users_channel(rasa: FakeRasa) -> None:
    payload = {"intent": "remind_evaluation", "entities": {"appeal_number": "ncqhww2025-01"}}
    RasaSender(rasa.base_url, "t0k").send(_reminder("wechat", "o/1 x", payload))
    [call] = rasa.requests
    assert call.path == "/conversations/wechat:o%2F1%20x/trigger_intent"
    assert call.query == {"output_channel": "wechat", "token": "t0k"}
    assert call.body == {
        "name": "remind_evaluation",
        "entities": {"appeal_number": "ncqhww2025-01"},
    }


def test_a_notice_is_a_bot_utterance_with_side_effects(rasa: FakeRasa) -> None:
    RasaSender(rasa.base_url, "t0k").send(_reminder("telegram", "42", {"text": "你好"}, "revisit"))
    [call] = rasa.requests
    assert call.path == "/conversations/telegram:42/tracker/events"
    assert call.query["output_channel"] == "telegram"
    assert call.query["execute_side_effects"] == "true"
    assert call.body == [{"event": "bot", "text": "你好", "metadata": {"reminder": "revisit"}}]


def test_rasa_refusing_or_unreachable_is_a_failure(rasa: FakeRasa) -> None:
    rasa.status = 500
    with pytest.raises(DeliveryFailed, match="500"):
        RasaSender(rasa.base_url, "t0k").send(_reminder("rest", "u", {"text": "x"}))
    with pytest.raises(DeliveryFailed, match="401"):
        RasaSender(rasa.base_url, "wrong").send(_reminder("rest", "u", {"text": "x"}))
    with pytest.raises(DeliveryFailed, match="not reachable"):
        RasaSender(f"http://127.0.0.1:{free_port()}", "t0k", timeout=2).send(
            _reminder("rest", "u", {"text": "x"})
        )


def test_staff_reminders_go_to_telegram(telegram: TelegramApi, rasa: FakeRasa) -> None:
    staff = TelegramSender(make_bot(TOKEN, telegram.base_url))
    router = Router(RasaSender(rasa.base_url, "t0k"), staff)
    try:
        router.send(_reminder(STAFF_TELEGRAM, "200", {"text": "【超期提醒】诉求ncqhww2025-01"}))
        assert [m["text"] for m in telegram.sent(200)] == ["【超期提醒】诉求ncqhww2025-01"]
        assert rasa.requests == []
        telegram.blocked.add(300)
        with pytest.raises(DeliveryFailed, match="blocked"):
            router.send(_reminder(STAFF_TELEGRAM, "300", {"text": "x"}))
        with pytest.raises(DeliveryFailed, match="not a Telegram chat id"):
            router.send(_reminder(STAFF_TELEGRAM, "coordinators", {"text": "x"}))
    finally:
        staff.close()


def test_staff_reminders_without_a_bot_fail_loudly(rasa: FakeRasa) -> None:
    with pytest.raises(DeliveryFailed, match="TELEGRAM_TOKEN"):
        Router(RasaSender(rasa.base_url, "t0k"), None).send(
            _reminder(STAFF_TELEGRAM, "200", {"text": "x"})
        )
    with pytest.raises(DeliveryFailed, match="no Telegram chat configured"):
        Router(RasaSender(rasa.base_url, "t0k"), None).send(
            _reminder("unrouted", "coordinators", {"text": "x"})
        )


def test_a_rest_users_reminder_reaches_the_rest_conversation(rasa: FakeRasa) -> None:
    """Issue 14: stored (channel, bare sender) pairs reach the namespaced conversation."""
    RasaSender(rasa.base_url, "t0k").send(_reminder("rest", "me", {"text": "x"}))
    [call] = rasa.requests
    assert call.path == "/conversations/rest:me/tracker/events"
