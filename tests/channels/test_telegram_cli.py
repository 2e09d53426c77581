"""`python -m bot.channels.telegram.cli`: set-webhook and development polling."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from rasa.core.channels.rest import RestInput

from tests.channels.conftest import TG_SECRET, TG_TOKEN, TelegramStack, app_name
from tests.channels.fake_rasa import FakeRasa, rasa_app
from tests.channels.servers import serve_sanic
from tests.channels.standins import TelegramApi
from tests.channels.telegram_updates import callback_update, text_update

ROOT = Path(__file__).resolve().parents[2]
CHAT = 555000222


def run_cli(api: TelegramApi, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TELEGRAM_TOKEN": TG_TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": TG_SECRET,
        "TELEGRAM_API_BASE": api.base_url,
    }
    env.pop("REDIS_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "bot.channels.telegram.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_set_webhook_registers_url_and_secret(telegram_api: TelegramApi) -> None:
    telegram_api.reset()
    url = "https://qihu.example.invalid/webhooks/telegram/webhook"
    done = run_cli(telegram_api, "set-webhook", url)
    assert done.returncode == 0, done.stderr
    assert telegram_api.webhook == {"url": url, "secret_token": TG_SECRET}
    [call] = telegram_api.calls("/setWebhook")
    assert call.body["allowed_updates"] == ["message", "callback_query"]
    assert run_cli(telegram_api, "delete-webhook").returncode == 0
    assert telegram_api.webhook == {}


def test_polling_forwards_to_the_webhook_route(telegram: TelegramStack) -> None:
    telegram.api.queue_update(text_update(CHAT, "你好"))
    telegram.api.queue_update(callback_update(CHAT, "/ask_materials"))
    done = run_cli(telegram.api, "polling", "--rasa", telegram.server.base_url, "--once")
    assert done.returncode == 0, done.stderr
    assert "Forwarded 2 update(s)." in done.stdout
    assert telegram.rasa.texts() == ["你好", "/ask_materials"]
    assert [m["text"] for m in telegram.api.sent(CHAT)] == ["收到：你好", "收到：/ask_materials"]
    assert telegram.api.updates == []  # confirmed to Telegram


def test_polling_via_rest(telegram_api: TelegramApi) -> None:
    telegram_api.reset()
    rasa = FakeRasa()
    buttons = [{"title": "查办事材料", "payload": "/ask_materials"}]
    rasa.script["/greet"] = [{"text": "您好！", "buttons": buttons}]
    with serve_sanic(rasa_app([RestInput()], rasa, app_name("rest"))) as server:
        telegram_api.queue_update(text_update(CHAT, "/start"))
        done = run_cli(
            telegram_api, "polling", "--rasa", server.base_url, "--via", "rest", "--once"
        )
    assert done.returncode == 0, done.stderr
    assert rasa.texts() == ["/greet"]
    [sent] = telegram_api.sent(CHAT)
    assert sent["text"] == "您好！"
    assert sent["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "/ask_materials"
