"""What a real console process writes to its log (issue 14 items 5 and 10).

The console runs as `python -m bot.console` (as `make run` starts it, its output captured as
var/log/console.log is), with the bot token in its environment and a loopback stand-in of the
Telegram Bot API. A coordinator logs in, searches for an enterprise's phone number, opens and
dispatches the appeal. The console itself sends nothing to Telegram (the dispatch notice is the
reminder scheduler's outbox row, issue 16). Then the log is grepped: it must hold neither the bot
token nor the full phone number.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from bot.console.accounts import Accounts
from bot.knowledge import get_knowledge
from bot.store import open_service, policy_from_knowledge
from tests.channels.servers import free_port, serve_standin
from tests.channels.standins import TelegramApi
from tests.console.conftest import CHEAP_HASHER, PASSWORD, UNIT_A, Browser

ROOT = Path(__file__).resolve().parents[2]
# Shaped like a real token (digits, colon, 35 characters), so a leak could not hide behind an
# unusual form.
BOT_TOKEN = "7654321098:AAH7x-Qihu_secret_Token_0123456789abc"
PHONE = "13812345678"
CHAT = 555000111


@pytest.fixture
def telegram() -> Iterator[TelegramApi]:
    with serve_standin(TelegramApi(BOT_TOKEN)) as api:
        yield api  # type: ignore[misc]


def _wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"console exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            if requests.get(url + "/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    pytest.fail("console did not start")


def test_the_console_log_holds_no_bot_token_and_no_full_phone_number(
    tmp_path: Path, telegram: TelegramApi
) -> None:
    url = f"sqlite:///{tmp_path / 'appeals.db'}"
    service = open_service(url, policy=policy_from_knowledge(get_knowledge()))
    service.sync_units()
    accounts = Accounts(service.engine, hasher=CHEAP_HASHER)
    accounts.create_user("coord", PASSWORD, "coordinator")
    accounts.create_user("ha", PASSWORD, "handler", UNIT_A)
    accounts.set_telegram_chat("ha", str(CHAT))
    appeal = service.create("南川某食品有限公司", "张三", PHONE, "停水三天", "wechat", "o1")
    service.dispose()

    port = free_port()
    log = tmp_path / "console.log"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "APPEALS_DB_URL": url,
        "CONSOLE_PORT": str(port),
        "TELEGRAM_TOKEN": BOT_TOKEN,
        "TELEGRAM_API_BASE": telegram.base_url,
        "NO_PROXY": "127.0.0.1,localhost",
    }
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.console", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_ready(base, proc, log)
            browser = Browser(base)
            assert browser.login("coord", PASSWORD).status_code == 200
            assert browser.get("/appeals", params={"q": PHONE}).status_code == 200
            assert PHONE in browser.get(f"/appeals/{appeal.number}").text  # staff see it all
            response = browser.post(
                f"/appeals/{appeal.number}/dispatch",
                {"unit_id": UNIT_A, "category": "general"},
            )
            assert response.status_code == 303, response.text[:300]
            time.sleep(0.5)  # let the request's log lines be written
            assert telegram.calls("/sendMessage") == []  # the web process never sends
        finally:
            proc.terminate()
            proc.wait(30)
    text = log.read_text(encoding="utf-8", errors="replace")
    assert "GET /appeals?q=" in text  # the access log was written, with the search
    assert "HTTP Request" not in text  # httpx's INFO lines are off
    assert BOT_TOKEN not in text and BOT_TOKEN.split(":")[1] not in text
    assert PHONE not in text
    assert "138****5678" in text  # masked, not dropped
