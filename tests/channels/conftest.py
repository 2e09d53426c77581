"""Fixtures for the channel tests: stand-in APIs, Redis, and channels served over HTTP."""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, replace
from typing import Any

import pytest
import redis
import requests
from sanic import Sanic

from bot.channels.common.state import StateStore
from bot.channels.telegram import TelegramInput
from bot.channels.telegram.settings import TelegramSettings
from bot.channels.wechat import WeChatInput
from bot.channels.wechat.settings import WeChatSettings
from tests.channels.fake_rasa import FakeRasa, rasa_app
from tests.channels.servers import RunningApp, serve_sanic, serve_standin
from tests.channels.standins import TelegramApi, WeChatApi
from tests.channels.wechat_callbacks import Callback, WeChatAccount, new_aes_key

Sanic.test_mode = True  # several apps per process

TOKEN = "qihuTestToken2024"
APPID = "wx0123456789abcdef"
SECRET = "test-app-secret"
TG_TOKEN = "123456:TEST-token_for_standin"
TG_SECRET = "qihu-webhook-secret_42"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

_names = itertools.count(1)


def app_name(kind: str) -> str:
    return f"{kind}_test_{next(_names)}"


@pytest.fixture(scope="session")
def wechat_api() -> Iterator[WeChatApi]:
    with serve_standin(WeChatApi(APPID, SECRET)) as api:
        yield api  # type: ignore[misc]


@pytest.fixture(scope="session")
def telegram_api() -> Iterator[TelegramApi]:
    with serve_standin(TelegramApi(TG_TOKEN)) as api:
        yield api  # type: ignore[misc]


@pytest.fixture(scope="session")
def redis_url() -> str:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    return REDIS_URL


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A random key prefix, removed afterwards, so tests never touch other keys."""
    prefix = f"qihu:test:{uuid.uuid4().hex}:"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=prefix + "*"))
    if keys:
        client.delete(*keys)


@dataclass
class WeChatStack:
    channel: WeChatInput
    rasa: FakeRasa
    account: WeChatAccount
    api: WeChatApi
    server: RunningApp

    @property
    def url(self) -> str:
        return f"{self.server.base_url}/webhooks/wechat/webhook"

    def post(self, callback: Callback, timeout: float = 15) -> requests.Response:
        return requests.post(
            self.url,
            params=callback.params,
            data=callback.body,
            headers={"Content-Type": "text/xml"},
            timeout=timeout,
        )

    def send(self, xml: str, **sign: Any) -> tuple[requests.Response, dict[str, Any] | None]:
        response = self.post(self.account.signed(xml, **sign))
        reply = self.account.read_reply(response.text) if response.status_code == 200 else None
        return response, reply

    def content(self, xml: str) -> str | None:
        """The passive reply's text for one callback (None for "success")."""
        response, reply = self.send(xml)
        assert response.status_code == 200, response.text
        return None if reply is None else str(reply["Content"])

    def say(self, openid: str, text: str) -> str | None:
        return self.content(self.account.text(openid, text))


MakeWeChat = Callable[..., WeChatStack]


@pytest.fixture
def make_wechat(wechat_api: WeChatApi) -> Iterator[MakeWeChat]:
    """Build and serve a WeChat channel: make_wechat(aes=True, reply_budget=0.5, ...)."""
    wechat_api.reset()
    with ExitStack() as stack:

        def make(
            aes: bool = False,
            store: StateStore | None = None,
            rasa: FakeRasa | None = None,
            **overrides: Any,
        ) -> WeChatStack:
            aes_key = new_aes_key() if aes else None
            settings = WeChatSettings(
                token=TOKEN,
                appid=APPID,
                secret=SECRET,
                aes_key=aes_key,
                api_base=f"{wechat_api.base_url}/cgi-bin/",
            )
            settings = replace(settings, **overrides)
            channel = WeChatInput(settings, store=store)
            fake = rasa or FakeRasa()
            server = stack.enter_context(serve_sanic(rasa_app([channel], fake, app_name("wx"))))
            account = WeChatAccount(TOKEN, APPID, aes_key)
            return WeChatStack(channel, fake, account, wechat_api, server)

        yield make


@dataclass
class TelegramStack:
    channel: TelegramInput
    rasa: FakeRasa
    api: TelegramApi
    server: RunningApp

    @property
    def url(self) -> str:
        return f"{self.server.base_url}/webhooks/telegram/webhook"

    def post(self, update: dict[str, Any], secret: str | None = TG_SECRET) -> requests.Response:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        return requests.post(self.url, json=update, headers=headers, timeout=15)


@pytest.fixture
def telegram_settings(telegram_api: TelegramApi) -> TelegramSettings:
    return TelegramSettings(TG_TOKEN, TG_SECRET, api_base=telegram_api.base_url)


@pytest.fixture
def telegram(
    telegram_api: TelegramApi, telegram_settings: TelegramSettings
) -> Iterator[TelegramStack]:
    telegram_api.reset()
    channel = TelegramInput(telegram_settings)
    fake = FakeRasa()
    with serve_sanic(rasa_app([channel], fake, app_name("tg"))) as server:
        yield TelegramStack(channel, fake, telegram_api, server)
