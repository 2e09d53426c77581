"""The WeChat platform API as the channel uses it: customer-service and template messages.

Why a wrapper: wechatpy's client is synchronous (requests), so every call runs in a
worker thread to keep Sanic's event loop free; its token endpoint is hard-coded, so the
API base is made configurable (tests and benchmarks point it at a loopback stand-in); and
"outside the 48-hour window" gets one clear meaning for the rest of the channel.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import redis
import requests
from rasa.shared.exceptions import RasaException
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session.memorystorage import MemoryStorage
from wechatpy.session.redisstorage import RedisStorage

from bot.channels.common.text import split_text, utf8_len

logger = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://api.weixin.qq.com/cgi-bin/"
# Customer-service text limit (the platform counts UTF-8 bytes).
CUSTOM_TEXT_LIMIT = 2048
# 45015: the user has not interacted within 48 hours; 45047: too many messages since.
WINDOW_CLOSED = frozenset({45015, 45047})


class WeChatWindowClosed(RasaException):
    """WeChat refused a customer-service message and no template fallback is configured."""

    def __init__(self, openid: str, errcode: int) -> None:
        self.openid = openid
        self.errcode = errcode
        super().__init__(
            f"WeChat refused a customer-service message to {openid} (errcode {errcode}): the "
            "user is outside the customer-service window. Set WECHAT_TEMPLATE_ID (and "
            "template_field) to fall back to template messages."
        )


class _TimeoutSession(requests.Session):
    """requests.Session with a default timeout: wechatpy's token fetch passes none."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.default_timeout = timeout

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.default_timeout
        return super().request(method, url, *args, **kwargs)


class QihuWeChatClient(WeChatClient):
    """wechatpy's client with a configurable API base for every call, the token included."""

    def __init__(
        self,
        appid: str,
        secret: str,
        api_base: str = DEFAULT_API_BASE,
        session: Any = None,
        timeout: float = 10.0,
    ) -> None:
        super().__init__(appid, secret, session=session, timeout=timeout)
        self.API_BASE_URL = api_base if api_base.endswith("/") else api_base + "/"
        self._http = _TimeoutSession(timeout)

    def fetch_access_token(self) -> Any:
        return self._fetch_access_token(
            url=f"{self.API_BASE_URL}token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )


def make_client(
    appid: str,
    secret: str,
    api_base: str,
    redis_url: str | None,
    redis_prefix: str,
    timeout: float = 10.0,
) -> QihuWeChatClient:
    """A client whose access token lives in Redis (shared by instances) or in memory."""
    session: Any
    if redis_url:
        session = RedisStorage(redis.Redis.from_url(redis_url), prefix=f"{redis_prefix}wechatpy")
    else:
        session = MemoryStorage()
    return QihuWeChatClient(appid, secret, api_base, session=session, timeout=timeout)


class WeChatSender:
    """Sends text to one user: customer-service messages, template messages as fallback."""

    def __init__(
        self,
        client: WeChatClient,
        template_id: str | None = None,
        template_field: str = "content",
    ) -> None:
        self.client = client
        self.template_id = template_id
        self.template_field = template_field

    async def send_text(self, openid: str, text: str) -> list[str]:
        """Send `text` in as many messages as the limits need; return the kind of each.

        Raises `WeChatWindowClosed` when the window is closed and no template is
        configured, and any other `WeChatClientException` as it comes: the caller decides.
        """
        kinds: list[str] = []
        window_closed = False
        for chunk in split_text(text, CUSTOM_TEXT_LIMIT, utf8_len):
            if not window_closed:
                try:
                    await asyncio.to_thread(self.client.message.send_text, openid, chunk)
                    kinds.append("custom")
                    continue
                except WeChatClientException as error:
                    if error.errcode not in WINDOW_CLOSED:
                        raise
                    if not self.template_id:
                        raise WeChatWindowClosed(openid, int(error.errcode)) from error
                    logger.info(
                        "WeChat window closed for %s (errcode %s); using the template.",
                        openid,
                        error.errcode,
                    )
                    window_closed = True
            await asyncio.to_thread(
                self.client.message.send_template,
                openid,
                self.template_id,
                {self.template_field: {"value": chunk}},
            )
            kinds.append("template")
        return kinds
