"""Telegram notice to a unit's handlers when an appeal is dispatched to their unit.

Why in the console: dispatch happens here, and only here do we know which staff members linked a
Telegram chat (``python -m bot.console.users telegram USERNAME CHAT_ID``). The notice is sent in
the background after the step is committed: a Telegram outage never blocks or undoes a dispatch,
it is only logged.

Settings: ``CONSOLE_TELEGRAM_TOKEN`` (else ``TELEGRAM_TOKEN``; neither set: no notices),
``TELEGRAM_API_BASE`` (tests point it at a loopback stand-in), ``CONSOLE_PUBLIC_URL`` (the
console's address as staff reach it, for the link; default http://127.0.0.1:$CONSOLE_PORT).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass

from telegram import Bot
from telegram.error import TelegramError

from bot.channels.telegram.settings import DEFAULT_API_BASE, make_bot
from bot.console.views import chinese_date
from bot.store import Appeal

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NotifySettings:
    token: str
    api_base: str
    public_url: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> NotifySettings | None:
        """The settings, or None when no bot token is configured."""
        e = os.environ if env is None else env
        token = (e.get("CONSOLE_TELEGRAM_TOKEN") or e.get("TELEGRAM_TOKEN") or "").strip()
        if not token:
            return None
        port = e.get("CONSOLE_PORT") or "8080"
        return cls(
            token=token,
            api_base=(e.get("TELEGRAM_API_BASE") or "").strip() or DEFAULT_API_BASE,
            public_url=(e.get("CONSOLE_PUBLIC_URL") or f"http://127.0.0.1:{port}").rstrip("/"),
        )


def dispatch_text(appeal: Appeal, unit_name: str, category_label: str, public_url: str) -> str:
    """The notice: number, enterprise, category, due date and the appeal's link."""
    return (
        f"【企呼交办】{appeal.number}\n"
        f"企业：{appeal.enterprise}\n"
        f"承办单位：{unit_name}\n"
        f"问题类型：{category_label}（{appeal.time_limit_days}个工作日）\n"
        f"办结期限：{chinese_date(appeal.handling_due_date)}\n"
        f"诉求：{appeal.content[:200]}\n"
        f"办理：{public_url}/appeals/{appeal.number}"
    )


class TelegramNotifier:
    """Sends notices with one lazily initialised Bot; tasks are kept until done."""

    def __init__(self, settings: NotifySettings) -> None:
        self.settings = settings
        self._bot: Bot | None = None
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[int]] = set()

    async def _get_bot(self) -> Bot:
        async with self._lock:
            if self._bot is None:
                bot = make_bot(self.settings.token, self.settings.api_base)
                await bot.initialize()
                self._bot = bot
            return self._bot

    async def send(self, chats: list[str], text: str) -> int:
        """Send ``text`` to every chat; returns how many were accepted."""
        if not chats:
            return 0
        try:
            bot = await self._get_bot()
        except (TelegramError, OSError) as exc:
            log.warning("telegram notice not sent (bot unavailable): %s", exc)
            return 0
        sent = 0
        for chat in chats:
            try:
                await bot.send_message(chat_id=chat, text=text)
                sent += 1
            except TelegramError as exc:
                log.warning("telegram notice to chat %s failed: %s", chat, exc)
        return sent

    def send_later(self, chats: list[str], text: str) -> None:
        """Fire and forget (the caller's response does not wait)."""
        if not chats:
            return
        task = asyncio.get_running_loop().create_task(self.send(chats, text))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait for notices in flight (shutdown and tests)."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def close(self) -> None:
        await self.drain()
        if self._bot is not None:
            await self._bot.shutdown()
            self._bot = None
