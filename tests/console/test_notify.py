"""Telegram notices on dispatch, through python-telegram-bot against a loopback stand-in of the
Bot API (tests.channels.standins.TelegramApi): the unit's linked handlers get the number, the
enterprise, the due date and the link; a failing chat never undoes the dispatch."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.console.notify import NotifySettings, TelegramNotifier
from bot.store import Status
from tests.channels.servers import serve_standin
from tests.channels.standins import TelegramApi
from tests.console.conftest import UNIT_A, UNIT_B, World

TOKEN = "4242:console-test-token"
PUBLIC = "https://console.example.gov"


@pytest.fixture(scope="module")
def telegram(world: World) -> Iterator[TelegramApi]:
    with serve_standin(TelegramApi(TOKEN)) as api:
        settings = NotifySettings(token=TOKEN, api_base=api.base_url, public_url=PUBLIC)
        world.console.notifier = TelegramNotifier(settings)
        world.console.accounts.set_telegram_chat("ha", "1001")
        world.console.accounts.set_telegram_chat("hb", "2002")
        yield api  # type: ignore[misc]


def _texts(api: TelegramApi, chat: int) -> list[str]:
    return [r.body["text"] for r in api.calls("/sendMessage") if r.body.get("chat_id") == chat]


def test_page_dispatch_notifies_the_units_handlers(world: World, telegram: TelegramApi) -> None:
    telegram.reset()
    appeal = world.new_appeal("营业执照变更登记一直办不下来", enterprise="通知测试公司")
    coord = world.login("coord")
    coord.get("/inbox")
    response = coord.post(
        f"/appeals/{appeal.number}/dispatch", {"unit_id": UNIT_A, "category": "general"}
    )
    assert response.status_code == 303
    telegram.wait_for("/sendMessage", 1)
    texts = _texts(telegram, 1001)
    assert len(texts) == 1
    text = texts[0]
    assert appeal.number in text and "通知测试公司" in text and "区市场监管局" in text
    assert "2025年3月10日" in text and f"{PUBLIC}/appeals/{appeal.number}" in text
    assert _texts(telegram, 2002) == []  # the other unit hears nothing


def test_api_dispatch_notifies_too(world: World, telegram: TelegramApi) -> None:
    telegram.reset()
    number = world.new_appeal("执法检查太多").number
    response = world.api("coord").post(
        f"{world.url}/api/v1/appeals/{number}/dispatch",
        json={"unit_id": UNIT_B, "category": "simple"},
    )
    assert response.status_code == 200
    telegram.wait_for("/sendMessage", 1)
    assert [number in t for t in _texts(telegram, 2002)] == [True]


def test_a_failing_chat_does_not_undo_the_dispatch(world: World, telegram: TelegramApi) -> None:
    telegram.reset()
    telegram.blocked.add(1001)
    try:
        number = world.new_appeal("营业执照").number
        response = world.api("coord").post(
            f"{world.url}/api/v1/appeals/{number}/dispatch",
            json={"unit_id": UNIT_A, "category": "simple"},
        )
        assert response.status_code == 200
        telegram.wait_for("/sendMessage", 1)
        assert world.service.get(number).status is Status.DISPATCHED
    finally:
        telegram.blocked.discard(1001)


def test_settings_from_env() -> None:
    assert NotifySettings.from_env({}) is None
    s = NotifySettings.from_env({"TELEGRAM_TOKEN": "t", "CONSOLE_PORT": "9000"})
    assert s is not None and s.public_url == "http://127.0.0.1:9000"
    assert s.api_base.startswith("https://")
    s = NotifySettings.from_env(
        {"CONSOLE_TELEGRAM_TOKEN": "c", "TELEGRAM_TOKEN": "t", "CONSOLE_PUBLIC_URL": "https://x/"}
    )
    assert s is not None and s.token == "c" and s.public_url == "https://x"
