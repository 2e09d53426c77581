"""The dispatch notice has one path (issue 16, item 1): the console only records the dispatch; the
reminder scheduler plans a ``dispatched`` row in the outbox (listed on 提醒) and delivers it,
durably, to the unit's handlers from the one staff directory — here a handler listed only in
REMINDER_UNIT_CHATS, which the console's own Telegram notice never reached.

The web process never talks to Telegram: importing every bot.console module loads no Telegram
(or WeChat, or channel) code.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.channels.telegram.settings import make_bot
from bot.knowledge import get_knowledge
from bot.reminders.delivery import DeliveryFailed, Router, TelegramSender
from bot.reminders.rules import default_rules
from bot.reminders.scheduler import Scheduler
from bot.reminders.settings import Settings
from bot.reminders.store import Reminder, ReminderStore
from bot.store import Status
from tests.channels.servers import serve_standin
from tests.channels.standins import TelegramApi
from tests.console.conftest import UNIT_A, World

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "4242:reminder-test-token"
PUBLIC = "https://console.example.gov"
ENV_ONLY_CHAT = 9001  # a unit A handler known only from REMINDER_UNIT_CHATS


class NoChat:
    """Chat users are not part of this test."""

    def send(self, reminder: Reminder) -> None:
        raise DeliveryFailed(f"unexpected chat reminder {reminder.kind}")


@pytest.fixture(scope="module")
def telegram() -> Iterator[TelegramApi]:
    with serve_standin(TelegramApi(TOKEN)) as api:
        yield api  # type: ignore[misc]


def _scheduler(world: World, api: TelegramApi) -> tuple[Scheduler, TelegramSender]:
    settings = Settings.from_env(
        {"REMINDER_UNIT_CHATS": f"{UNIT_A}:{ENV_ONLY_CHAT}", "CONSOLE_PUBLIC_URL": PUBLIC + "/"}
    )
    staff = TelegramSender(make_bot(TOKEN, api.base_url))
    scheduler = Scheduler(
        world.service.engine,
        default_rules(),
        get_knowledge(),
        Router(NoChat(), staff),
        settings.staff,
        clock=world.clock,
        console_url=settings.console_url,
    )
    return scheduler, staff


def _texts(api: TelegramApi, chat: int) -> list[str]:
    return [r.body["text"] for r in api.calls("/sendMessage") if r.body.get("chat_id") == chat]


def test_console_modules_import_no_telegram() -> None:
    code = (
        "import importlib, pkgutil, sys\n"
        "import bot.console\n"
        "for m in pkgutil.iter_modules(bot.console.__path__):\n"
        "    importlib.import_module('bot.console.' + m.name)\n"
        "bad = sorted(k for k in sys.modules if k.split('.')[0] in ('telegram', 'wechatpy')\n"
        "             or k.startswith('bot.channels'))\n"
        "print(len(list(pkgutil.iter_modules(bot.console.__path__))), bad)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    count, _, loaded = done.stdout.strip().partition(" ")
    assert int(count) > 10 and loaded == "[]"


def test_dispatch_is_an_outbox_row_delivered_by_the_scheduler(
    world: World, telegram: TelegramApi
) -> None:
    telegram.reset()
    appeal = world.new_appeal("营业执照变更登记一直办不下来", enterprise="通知测试公司")
    response = world.api("coord").post(
        f"{world.url}/api/v1/appeals/{appeal.number}/dispatch",
        json={"unit_id": UNIT_A, "category": "general"},
    )
    assert response.status_code == 200
    assert world.service.get(appeal.number).status is Status.DISPATCHED
    assert telegram.calls("/sendMessage") == []  # the console sent nothing itself

    scheduler, staff = _scheduler(world, telegram)
    try:
        assert scheduler.planner.plan(world.service.engine, world.clock()) >= 1
        rows = [r for r in ReminderStore(world.service.engine).list() if r.kind == "dispatched"]
        assert [(r.recipient, r.status) for r in rows] == [
            (f"staff_telegram:{ENV_ONLY_CHAT}", "pending")
        ]
        page = world.login("coord").get("/reminders").text  # listed on 提醒
        assert "dispatched" in page and str(ENV_ONLY_CHAT) in page

        result = scheduler.run_once()
        assert result.sent == 1 and result.failed == 0
    finally:
        staff.close()
    texts = _texts(telegram, ENV_ONLY_CHAT)
    assert len(texts) == 1
    text = texts[0]
    assert appeal.number in text and "通知测试公司" in text and "区市场监管局" in text
    assert "一般问题（5个工作日）" in text and "2025年3月10日" in text
    assert f"{PUBLIC}/appeals/{appeal.number}" in text
    [row] = [r for r in ReminderStore(world.service.engine).list() if r.kind == "dispatched"]
    assert row.status == "sent"


def test_a_failing_chat_is_retried_not_lost(world: World, telegram: TelegramApi) -> None:
    telegram.reset()
    telegram.blocked.add(ENV_ONLY_CHAT)
    number = world.new_appeal("执法检查太多").number
    response = world.api("coord").post(
        f"{world.url}/api/v1/appeals/{number}/dispatch",
        json={"unit_id": UNIT_A, "category": "simple"},
    )
    assert response.status_code == 200
    scheduler, staff = _scheduler(world, telegram)
    try:
        assert scheduler.run_once().retried == 1
        assert world.service.get(number).status is Status.DISPATCHED
        telegram.blocked.discard(ENV_ONLY_CHAT)
        world.clock.advance(minutes=2)  # past the first backoff (60 s)
        assert scheduler.run_once().sent == 1
    finally:
        telegram.blocked.discard(ENV_ONLY_CHAT)
        staff.close()
    texts = _texts(telegram, ENV_ONLY_CHAT)  # the refused attempt, then the delivered one
    assert len(texts) == 2 and number in texts[-1]
    [row] = [
        r
        for r in ReminderStore(world.service.engine).list()
        if r.kind == "dispatched" and number in r.payload["text"]
    ]
    assert (row.status, row.attempts) == ("sent", 2)
