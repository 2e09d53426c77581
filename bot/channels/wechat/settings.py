"""Settings of the WeChat channel, from credentials.yml with environment fallbacks.

Why a frozen dataclass: the webhook reads them on every callback; building them once in
`from_credentials` fails fast at start-up on a missing secret rather than on a user's
first message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.channels.common import config
from bot.channels.wechat.api import DEFAULT_API_BASE

CHANNEL = "wechat"


@dataclass(frozen=True)
class WeChatSettings:
    token: str
    appid: str
    secret: str
    aes_key: str | None = None  # EncodingAESKey: safe mode when set
    template_id: str | None = None  # fallback outside the customer-service window
    template_field: str = "content"  # the template's data field that takes the text
    api_base: str = DEFAULT_API_BASE
    redis_url: str | None = None
    redis_prefix: str = "qihu:channels:"
    click_intents: Mapping[str, str] = field(default_factory=dict)
    reply_budget: float = 4.0  # seconds before answering "success" and pushing instead
    timestamp_window: float = 300.0  # seconds a callback's timestamp stays acceptable
    max_body_bytes: int = 64 * 1024
    dedupe_ttl: float = 600.0  # must outlive WeChat's retries and the nonce memory
    buttons_ttl: float = 24 * 3600.0
    unsubscribe_ttl: float = 365 * 24 * 3600.0
    api_timeout: float = 10.0

    @property
    def safe_mode(self) -> bool:
        return bool(self.aes_key)

    @classmethod
    def from_credentials(cls, credentials: Mapping[str, Any] | None) -> WeChatSettings:
        c = credentials

        def num(key: str, env: str, default: float) -> float:
            return config.number(c, key, env, default)

        window = num("timestamp_window", "WECHAT_TIMESTAMP_WINDOW", 300.0)
        budget = num("reply_budget", "WECHAT_REPLY_BUDGET", 4.0)
        if budget >= 5:
            raise config.ChannelConfigError(
                "reply_budget must stay under WeChat's 5-second limit (default 4)."
            )
        return cls(
            token=config.required(c, "token", "WECHAT_TOKEN", CHANNEL),
            appid=config.required(c, "appid", "WECHAT_APPID", CHANNEL),
            secret=config.required(c, "secret", "WECHAT_SECRET", CHANNEL),
            aes_key=config.optional_str(c, "aes_key", "WECHAT_AES_KEY"),
            template_id=config.optional_str(c, "template_id", "WECHAT_TEMPLATE_ID"),
            template_field=config.optional_str(c, "template_field", "WECHAT_TEMPLATE_FIELD")
            or "content",
            api_base=config.optional_str(c, "api_base", "WECHAT_API_BASE") or DEFAULT_API_BASE,
            redis_url=config.optional_str(c, "redis_url", "REDIS_URL"),
            redis_prefix=config.optional_str(c, "redis_prefix", "CHANNELS_REDIS_PREFIX")
            or "qihu:channels:",
            click_intents=config.mapping(c, "click_intents", "WECHAT_CLICK_INTENTS"),
            reply_budget=budget,
            timestamp_window=window,
            max_body_bytes=int(num("max_body_bytes", "WECHAT_MAX_BODY_BYTES", 64 * 1024)),
            dedupe_ttl=max(num("dedupe_ttl", "WECHAT_DEDUPE_TTL", 600.0), 2 * window + 60),
        )
