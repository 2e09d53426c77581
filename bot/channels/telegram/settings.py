"""Settings of the Telegram channel and the Bot object built from them.

Why TELEGRAM_API_BASE: no machine here reaches Telegram, so tests and the polling tool
point the real python-telegram-bot client at a loopback stand-in of the Bot API; in
production it stays unset and the official endpoint is used.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from telegram import Bot
from telegram.request import HTTPXRequest

from bot.channels.common import config

CHANNEL = "telegram"
DEFAULT_API_BASE = "https://api.telegram.org"
# Telegram accepts 1-256 characters A-Z, a-z, 0-9, _ and - as a webhook secret token.
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


@dataclass(frozen=True)
class TelegramSettings:
    token: str
    webhook_secret: str
    api_base: str = DEFAULT_API_BASE
    redis_url: str | None = None
    redis_prefix: str = "qihu:channels:"
    dedupe_ttl: float = 24 * 3600.0  # Telegram re-delivers an update until it gets a 2xx
    callback_ttl: float = 30 * 24 * 3600.0  # long button payloads kept for this long
    max_body_bytes: int = 1024 * 1024

    @classmethod
    def from_credentials(cls, credentials: Mapping[str, Any] | None) -> TelegramSettings:
        c = credentials
        secret = config.required(c, "webhook_secret", "TELEGRAM_WEBHOOK_SECRET", CHANNEL)
        if not _SECRET.match(secret):
            raise config.ChannelConfigError(
                "TELEGRAM_WEBHOOK_SECRET may only use A-Z, a-z, 0-9, _ and - (1-256 chars)."
            )
        return cls(
            token=config.required(c, "access_token", "TELEGRAM_TOKEN", CHANNEL),
            webhook_secret=secret,
            api_base=config.optional_str(c, "api_base", "TELEGRAM_API_BASE") or DEFAULT_API_BASE,
            redis_url=config.optional_str(c, "redis_url", "REDIS_URL"),
            redis_prefix=config.optional_str(c, "redis_prefix", "CHANNELS_REDIS_PREFIX")
            or "qihu:channels:",
        )


def make_bot(token: str, api_base: str = DEFAULT_API_BASE) -> Bot:
    """A Bot talking to `api_base` (the official API unless overridden).

    The default request object allows one connection at a time, too few for a webhook
    answering several users at once.
    """
    root = api_base.rstrip("/")
    return Bot(
        token,
        base_url=f"{root}/bot{{token}}",
        base_file_url=f"{root}/file/bot{{token}}",
        request=HTTPXRequest(connection_pool_size=32),
    )
