"""Secrets and phone numbers stay out of the logs (issue 14 items 5 and 10)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import log_safety
from bot.log_safety import mask_phone, redact
from tests.channels.servers import serve_standin
from tests.channels.standins import TelegramApi

ROOT = Path(__file__).resolve().parents[1]
BOT_TOKEN = "7654321098:AAH7x-Qihu_secret_Token_0123456789abc"


def test_phone_numbers_are_masked() -> None:
    assert mask_phone("联系电话 13812345678。") == "联系电话 138****5678。"
    assert mask_phone("023-71234567 / 02371234567") == "023-****4567 / 0237****4567"
    assert mask_phone("a=13812345678&b=1") == "a=138****5678&b=1"
    # Not phone numbers: longer digit runs, appeal numbers, times.
    for text in ("138123456789", "ncqhww2026-01", "2025-03-05 08:30:00,123", "update 901"):
        assert mask_phone(text) == text


def test_bot_tokens_are_redacted() -> None:
    url = f"POST https://api.telegram.org/bot{BOT_TOKEN}/sendMessage"
    assert redact(url) == "POST https://api.telegram.org/bot<redacted>/sendMessage"


def test_every_record_is_redacted_once_installed(caplog: pytest.LogCaptureFixture) -> None:
    log_safety.install()
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING
    with caplog.at_level(logging.INFO):
        logging.getLogger("bot.channels.wechat").info("联系人电话 %s", "13912345678")
        try:
            raise ConnectionError(f"Max retries exceeded with url: /bot{BOT_TOKEN}/getMe")
        except ConnectionError:
            logging.getLogger("bot.reminders").exception("Telegram unreachable")
    assert "13912345678" not in caplog.text and "139****5678" in caplog.text
    formatted = "\n".join(logging.Formatter().format(r) for r in caplog.records)
    assert BOT_TOKEN not in formatted and "<redacted>" in formatted


def test_the_reminder_process_logs_no_bot_token(tmp_path: Path) -> None:
    """The scheduler's logging as `python -m bot.reminders` sets it up, then a Bot API call."""
    with serve_standin(TelegramApi(BOT_TOKEN)) as api:
        script = (
            "import httpx, sys\n"
            "from bot.reminders.__main__ import main\n"
            "main(['list'])\n"
            f"httpx.get('{api.base_url}/bot{BOT_TOKEN}/getMe')\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env={
                **os.environ,
                "PYTHONPATH": str(ROOT),
                "APPEALS_DB_URL": f"sqlite:///{tmp_path / 'appeals.db'}",
                "NO_PROXY": "127.0.0.1,localhost",
            },
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert api.calls("/getMe")  # the request was made
    assert BOT_TOKEN not in done.stdout + done.stderr
