"""WeChat proactive messages: customer-service window, template fallback, clear errors."""

from __future__ import annotations

import asyncio

import pytest
from rasa.core.run import _create_single_channel

from bot.channels.common.config import ChannelConfigError
from bot.channels.wechat import WeChatInput
from bot.channels.wechat.api import WeChatWindowClosed
from bot.conversation_ids import ForeignConversation
from tests.channels.conftest import APPID, SECRET, TOKEN, MakeWeChat


def test_proactive_send_uses_customer_service_messages(make_wechat: MakeWeChat) -> None:
    stack = make_wechat()
    output = stack.channel.get_output_channel()
    stack.server.call(output.send_response("o_proactive", {"text": "您的诉求已受理。"}))
    assert stack.api.pushed_texts("o_proactive") == ["您的诉求已受理。"]
    token_fetches = stack.api.calls("/cgi-bin/token")
    stack.server.call(output.send_response("o_proactive", {"text": "第二条"}))
    assert stack.api.calls("/cgi-bin/token") == token_fetches  # the token is reused


def test_proactive_buttons_are_numbered_and_resolvable(make_wechat: MakeWeChat) -> None:
    stack = make_wechat()
    output = stack.channel.get_output_channel()
    buttons = [{"title": "满意", "payload": "/evaluate_satisfied"}]
    stack.server.call(
        output.send_response("wechat:o_eval", {"text": "请评价本次办理：", "buttons": buttons})
    )
    assert stack.api.pushed_texts("o_eval") == ["请评价本次办理：\n1. 满意"]
    assert stack.say("o_eval", "1") == "收到：/evaluate_satisfied"


def test_proactive_send_refuses_another_channels_conversation(make_wechat: MakeWeChat) -> None:
    """Issue 14: a Telegram or REST conversation id is never sent to as an openid."""
    stack = make_wechat()
    output = stack.channel.get_output_channel()
    for foreign in ("telegram:o_x", "rest:o_x"):
        with pytest.raises(ForeignConversation):
            stack.server.call(output.send_text_message(foreign, "通知"))
    assert stack.api.pushed_texts("o_x") == []


@pytest.mark.parametrize("errcode", [45015, 45047])
def test_outside_the_window_falls_back_to_the_template(
    make_wechat: MakeWeChat, errcode: int
) -> None:
    stack = make_wechat(template_id="TPL-progress-01", template_field="thing1")
    stack.api.closed_window["o_closed"] = errcode
    output = stack.channel.get_output_channel()
    stack.server.call(output.send_response("o_closed", {"text": "您的诉求已办结。"}))
    [template] = stack.api.templates("o_closed")
    assert template["template_id"] == "TPL-progress-01"
    assert template["data"] == {"thing1": {"value": "您的诉求已办结。"}}
    assert stack.api.pushed_texts("o_closed") == []


def test_outside_the_window_without_template_raises_to_the_caller(make_wechat: MakeWeChat) -> None:
    stack = make_wechat()
    stack.api.closed_window["o_closed2"] = 45015
    output = stack.channel.get_output_channel()
    with pytest.raises(WeChatWindowClosed, match="45015") as raised:
        stack.server.call(output.send_response("o_closed2", {"text": "通知"}))
    assert raised.value.openid == "o_closed2"
    assert stack.api.templates("o_closed2") == []


def test_output_channel_works_from_any_event_loop(make_wechat: MakeWeChat) -> None:
    stack = make_wechat()
    asyncio.run(stack.channel.get_output_channel().send_text_message("o_loop", "来自外部事件"))
    assert stack.api.pushed_texts("o_loop") == ["来自外部事件"]


def test_registered_by_module_path_with_env_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WECHAT_TOKEN", TOKEN)
    monkeypatch.setenv("WECHAT_APPID", APPID)
    monkeypatch.setenv("WECHAT_SECRET", SECRET)
    monkeypatch.setenv("WECHAT_CLICK_INTENTS", '{"MENU_HELP": "/help"}')
    monkeypatch.delenv("WECHAT_AES_KEY", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    channel = _create_single_channel("bot.channels.wechat.WeChatInput", None)
    assert isinstance(channel, WeChatInput)
    assert channel.name() == "wechat" and not channel.settings.safe_mode
    assert channel.settings.click_intents == {"MENU_HELP": "/help"}
    yml = {"token": "from-yml", "click_intents": {"MENU_HOTLINE": "/ask_hotline"}, "secret": ""}
    channel = _create_single_channel("bot.channels.wechat.WeChatInput", yml)
    assert channel.settings.token == "from-yml"
    assert channel.settings.secret == SECRET  # empty yml value falls back to the env
    assert channel.settings.click_intents == {"MENU_HOTLINE": "/ask_hotline"}


def test_missing_settings_fail_at_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("WECHAT_TOKEN", "WECHAT_APPID", "WECHAT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ChannelConfigError, match="WECHAT_TOKEN"):
        WeChatInput.from_credentials(None)
    creds = {"token": "t", "appid": "a", "secret": "s", "aes_key": "too-short"}
    with pytest.raises(ChannelConfigError, match="EncodingAESKey"):
        WeChatInput.from_credentials(creds)
    creds = {"token": "t", "appid": "a", "secret": "s", "reply_budget": 5}
    with pytest.raises(ChannelConfigError, match="5-second"):
        WeChatInput.from_credentials(creds)
