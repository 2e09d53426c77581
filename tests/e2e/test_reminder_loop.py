"""Proactive reminders on the real stack (issue #6), through the loopback Telegram stand-in.

The real Rasa server and action server run as subprocesses (``tests/channels/test_full_stack``'s
``channel_stack``); the scheduler runs in the test with a clock set inside the delivery window.
What is checked, from the outside: an enterprise that filed its appeal on Telegram gets the
evaluation request in its own chat (naming the appeal, 满意 / 不满意 as buttons) once the unit
has responded; pressing 满意 records the evaluation in the store (the loop is closed); and
'订阅通知' / '退订' in chat switch the subscription.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest
import requests

from bot.knowledge import get_knowledge
from bot.reminders.delivery import RasaSender, Router
from bot.reminders.rules import default_rules
from bot.reminders.scheduler import Scheduler
from bot.reminders.store import ReminderStore
from bot.reminders.window import Window
from bot.store import AppealService, Status, open_service
from tests.channels.conftest import TG_SECRET, TG_TOKEN
from tests.channels.servers import serve_standin
from tests.channels.standins import TelegramApi, WeChatApi
from tests.channels.telegram_updates import callback_update, text_update
from tests.channels.test_full_stack import channel_stack, poll
from tests.e2e.stack import TOKEN as API_TOKEN
from tests.e2e.stack import Stack

CONTENT = "园区道路积水严重，希望尽快疏通排水管"


@pytest.fixture(scope="module")
def tg() -> Iterator[TelegramApi]:
    with serve_standin(TelegramApi(TG_TOKEN)) as api:
        yield api  # type: ignore[misc]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, tg: TelegramApi) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("reminders")
    with (
        serve_standin(WeChatApi("wx-unused", "unused")) as wx,
        channel_stack(workdir, wx, tg) as running,  # type: ignore[arg-type]
    ):
        yield running


@pytest.fixture(scope="module")
def store(stack: Stack) -> Iterator[AppealService]:
    service = open_service(stack.env["APPEALS_DB_URL"])
    yield service
    service.dispose()


class TelegramUser:
    def __init__(self, stack: Stack, tg: TelegramApi) -> None:
        self.stack, self.tg = stack, tg
        self.chat_id = 1_000_000_000 + uuid.uuid4().int % 1_000_000_000

    def post(self, update: dict[str, Any]) -> None:
        response = requests.post(
            f"{self.stack.rasa_url}/webhooks/telegram/webhook",
            json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET},
            timeout=60,
        )
        assert response.status_code == 200

    def wait(self, before: int, expect: str) -> list[dict[str, Any]]:
        return poll(
            lambda: self.tg.sent(self.chat_id)[before:],
            lambda sent: expect in "\n".join(m["text"] for m in sent),
            f"{expect!r} sent to chat {self.chat_id}",
        )

    def say(self, text: str, expect: str) -> list[dict[str, Any]]:
        before = len(self.tg.sent(self.chat_id))
        self.post(text_update(self.chat_id, text))
        return self.wait(before, expect)


def test_evaluation_request_answered_in_chat_closes_the_loop(
    stack: Stack, store: AppealService, tg: TelegramApi
) -> None:
    user = TelegramUser(stack, tg)
    user.say("我要反映问题", "描述")
    user.say(CONTENT, "企业名称")
    user.say("南川区青山机械有限公司", "联系人")
    user.say("张三", "联系电话")
    user.say("13812345678", "请核对")
    user.say("确认", "编号")
    [appeal] = store.list_by_sender("telegram", str(user.chat_id))
    unit = store.units()[0].id
    store.dispatch(appeal.number, unit, "simple", "区营商办")
    store.start(appeal.number, unit)
    store.respond(appeal.number, "已安排疏通排水管", unit)

    rules = default_rules()
    in_window = Window(rules.delivery_window).next_open(datetime.now(timezone.utc))
    sender = Router(RasaSender(stack.rasa_url, API_TOKEN), None)
    scheduler = Scheduler(
        store.engine, rules, get_knowledge(), sender, clock=lambda: in_window, worker="e2e"
    )
    before = len(tg.sent(user.chat_id))
    result = scheduler.run_once()
    assert result.sent == 1, result
    [request] = user.wait(before, appeal.number)
    assert "满意吗" in request["text"] and "已安排疏通排水管" in request["text"]
    keyboard = [b for row in request["reply_markup"]["inline_keyboard"] for b in row]
    assert [b["text"] for b in keyboard] == ["满意", "不满意"]
    [sent] = ReminderStore(store.engine).list(["sent"])
    assert (sent.kind, sent.recipient) == ("evaluation_request", f"telegram:{user.chat_id}")

    before = len(tg.sent(user.chat_id))
    user.post(callback_update(user.chat_id, keyboard[0]["callback_data"]))
    user.wait(before, "满意")
    poll(lambda: store.get(appeal.number).status, lambda s: s is Status.SATISFIED, "满意 stored")
    assert scheduler.run_once().sent == 0  # sent once; nothing else is due for this appeal


def test_subscribe_and_unsubscribe_in_chat(
    stack: Stack, store: AppealService, tg: TelegramApi
) -> None:
    user = TelegramUser(stack, tg)
    reminders = ReminderStore(store.engine)
    user.say("订阅通知", "订阅成功")
    assert reminders.is_subscribed("telegram", str(user.chat_id))
    user.say("退订", "已退订")
    assert not reminders.is_subscribed("telegram", str(user.chat_id))
