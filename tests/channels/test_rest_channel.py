"""The REST channel keeps conversations of its own (issue 14 item 1).

Rasa's own REST channel used the caller's `sender` as the conversation id and took the
`input_channel` from the body, so a REST caller naming a WeChat openid or a Telegram chat id
reached that user's conversation. `bot.channels.rest.RestInput` maps every sender to
`rest:<sender>`, keeps the input channel `rest`, and checks a bearer token when one is set.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import requests
from rasa.core.run import _create_single_channel

from bot.channels.common.config import ChannelConfigError
from bot.channels.rest import RestInput
from bot.channels.telegram import TelegramInput
from bot.channels.telegram.settings import TelegramSettings
from tests.channels.conftest import TG_SECRET, TG_TOKEN, app_name
from tests.channels.fake_rasa import FakeRasa, rasa_app
from tests.channels.servers import RunningApp, serve_sanic
from tests.channels.standins import TelegramApi
from tests.channels.telegram_updates import text_update


@contextmanager
def rest_server(channel: RestInput) -> Iterator[tuple[RunningApp, FakeRasa]]:
    fake = FakeRasa()
    with serve_sanic(rasa_app([channel], fake, app_name("rest"))) as server:
        yield server, fake


def _post(server: RunningApp, body: dict, token: str | None = None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return requests.post(
        f"{server.base_url}/webhooks/rest/webhook", json=body, headers=headers, timeout=15
    )


def test_a_caller_never_reaches_another_channels_conversation() -> None:
    with rest_server(RestInput()) as (server, fake):
        for sender in ("o_victim", "wechat:o_victim", "telegram:42", "rest:me"):
            reply = _post(server, {"sender": sender, "message": "确认", "input_channel": "wechat"})
            assert reply.status_code == 200
            assert [m["text"] for m in reply.json()] == ["收到：确认"]
        ids = [(t.sender_id, t.input_channel) for t in fake.turns]
        assert ids == [
            ("rest:o_victim", "rest"),
            ("rest:wechat:o_victim", "rest"),
            ("rest:telegram:42", "rest"),
            ("rest:rest:me", "rest"),
        ]


def test_a_sender_left_out_gets_a_fresh_rest_conversation() -> None:
    with rest_server(RestInput()) as (server, fake):
        assert _post(server, {"message": "你好"}).status_code == 200
        [turn] = fake.turns
        assert str(turn.sender_id).startswith("rest:")


def test_a_token_when_set_is_required() -> None:
    with rest_server(RestInput("s3cret-token")) as (server, fake):
        assert _post(server, {"sender": "me", "message": "你好"}).status_code == 401
        assert _post(server, {"sender": "me", "message": "你好"}, "wrong").status_code == 401
        reply = _post(server, {"sender": "me", "message": "你好"}, "s3cret-token")
        assert reply.status_code == 200 and reply.json()[0]["text"] == "收到：你好"
        assert [t.sender_id for t in fake.turns] == ["rest:me"]


def test_registered_from_credentials_with_the_token_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REST_CHANNEL_TOKEN", "from-env")
    channel = _create_single_channel("bot.channels.rest.RestInput", None)
    assert isinstance(channel, RestInput) and channel.token == "from-env"
    assert channel.name() == "rest"
    monkeypatch.delenv("REST_CHANNEL_TOKEN")
    assert _create_single_channel("bot.channels.rest.RestInput", {}).token is None
    with pytest.raises(ChannelConfigError, match="REST_CHANNEL_TOKEN"):
        _create_single_channel("bot.channels.rest.RestInput", {"require_token": True})
    guarded = {"require_token": True, "token": "from-yml"}
    assert _create_single_channel("bot.channels.rest.RestInput", guarded).token == "from-yml"


def test_the_token_guards_only_the_rest_webhook(telegram_api: TelegramApi) -> None:
    settings = TelegramSettings(TG_TOKEN, TG_SECRET, api_base=telegram_api.base_url)
    fake = FakeRasa()
    channels = [RestInput("s3cret-token"), TelegramInput(settings)]
    with serve_sanic(rasa_app(channels, fake, app_name("mixed"))) as server:
        update = requests.post(
            f"{server.base_url}/webhooks/telegram/webhook",
            json=text_update(5, "你好"),
            headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET},
            timeout=15,
        )
        assert update.status_code == 200
        assert requests.get(f"{server.base_url}/webhooks/rest/", timeout=15).status_code == 401
    assert [t.sender_id for t in fake.turns] == ["telegram:5"]
