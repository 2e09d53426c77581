"""Telegram channel: secret token, text and button round trips, splitting, proactive sends."""

from __future__ import annotations

import asyncio

import pytest
from rasa.core.run import _create_single_channel

from bot.channels.common import notes
from bot.channels.common.config import ChannelConfigError
from bot.channels.telegram import TelegramInput
from bot.channels.telegram.output import TelegramOutput
from bot.conversation_ids import ForeignConversation
from tests.channels.conftest import TG_SECRET, TG_TOKEN, TelegramStack
from tests.channels.standins import utf16_len
from tests.channels.telegram_updates import callback_update, photo_update, text_update

CHAT = 777000111

BUTTONS = [
    {"title": "查办事材料", "payload": "/ask_materials"},
    {
        "title": "查燃气电话",
        "payload": '/ask_hotline{"hotline_topic":"燃气报装、维修与安全检查服务"}',
    },
]


def test_missing_or_wrong_secret_is_refused(telegram: TelegramStack) -> None:
    update = text_update(CHAT, "你好")
    assert telegram.post(update, secret=None).status_code == 403
    assert telegram.post(update, secret="wrong-secret").status_code == 403
    assert telegram.post(update, secret=TG_SECRET + "x").status_code == 403
    assert telegram.rasa.count() == 0 and telegram.api.sent() == []


def test_text_round_trip(telegram: TelegramStack) -> None:
    response = telegram.post(text_update(CHAT, "燃气报装打哪个电话"))
    assert response.status_code == 200
    [turn] = telegram.rasa.turns
    assert (turn.text, turn.sender_id, turn.input_channel) == (
        "燃气报装打哪个电话",
        f"telegram:{CHAT}",
        "telegram",
    )
    [sent] = telegram.api.sent(CHAT)
    assert sent["text"] == "收到：燃气报装打哪个电话"


def test_start_greets_and_updates_are_handled_once(telegram: TelegramStack) -> None:
    update = text_update(CHAT, "/start district-qr")
    assert telegram.post(update).status_code == 200
    assert telegram.post(update).status_code == 200  # Telegram re-delivering
    assert telegram.rasa.texts() == ["/greet"]
    assert telegram.rasa.turns[0].metadata["telegram"]["start_param"] == "district-qr"


def test_buttons_round_trip_through_callback_queries(telegram: TelegramStack) -> None:
    telegram.rasa.script["/greet"] = [{"text": "您好！请选择：", "buttons": BUTTONS}]
    telegram.post(text_update(CHAT, "/start"))
    [menu] = telegram.api.sent(CHAT)
    keyboard = menu["reply_markup"]["inline_keyboard"]
    assert [row[0]["text"] for row in keyboard] == ["查办事材料", "查燃气电话"]
    assert keyboard[0][0]["callback_data"] == "/ask_materials"
    long_key = keyboard[1][0]["callback_data"]  # the payload is over 64 bytes
    assert len(long_key.encode()) <= 64 and long_key != BUTTONS[1]["payload"]

    for data in ("/ask_materials", long_key):
        assert telegram.post(callback_update(CHAT, data)).status_code == 200
    assert telegram.rasa.texts()[1:] == ["/ask_materials", BUTTONS[1]["payload"]]
    assert len(telegram.api.calls("/answerCallbackQuery")) == 2

    telegram.post(callback_update(CHAT, "qk:" + "0" * 32))  # a long payload that expired
    assert telegram.api.sent(CHAT)[-1]["text"] == notes.BUTTON_EXPIRED
    assert telegram.rasa.count() == 3


def test_long_messages_are_split_at_4096(telegram: TelegramStack) -> None:
    paragraph = "南川区企业服务" * 100  # 700 characters
    telegram.rasa.script["长"] = [{"text": "\n".join([paragraph] * 12) + "\n" + "😀" * 3000}]
    telegram.post(text_update(CHAT, "长"))
    parts = [m["text"] for m in telegram.api.sent(CHAT)]
    assert len(parts) >= 4
    assert all(utf16_len(p) <= 4096 for p in parts)
    assert "".join(parts).replace("\n", "") == paragraph * 12 + "😀" * 3000


def test_non_text_messages_get_a_polite_note(telegram: TelegramStack) -> None:
    telegram.post(photo_update(CHAT))
    assert [m["text"] for m in telegram.api.sent(CHAT)] == [notes.TELEGRAM_TEXT_ONLY]
    assert telegram.rasa.count() == 0


def test_dialogue_failure_is_apologised_for(telegram: TelegramStack) -> None:
    telegram.rasa.failing.add("坏")
    assert telegram.post(text_update(CHAT, "坏")).status_code == 200
    assert [m["text"] for m in telegram.api.sent(CHAT)] == [notes.BUSY]


def test_proactive_send_via_the_output_channel(telegram: TelegramStack) -> None:
    output = telegram.server.call(_output(telegram.channel))
    telegram.server.call(
        output.send_response(
            f"telegram:{CHAT}", {"text": "您的诉求已办结，请评价。", "buttons": BUTTONS[:1]}
        )
    )
    [sent] = telegram.api.sent(CHAT)
    assert sent["text"] == "您的诉求已办结，请评价。"
    assert sent["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "/ask_materials"
    # From another event loop (e.g. a script) too.
    asyncio.run(telegram.channel.get_output_channel().send_text_message(str(CHAT), "再次通知"))
    assert telegram.api.sent(CHAT)[-1]["text"] == "再次通知"


def test_proactive_send_errors_reach_the_caller(telegram: TelegramStack) -> None:
    from telegram.error import Forbidden

    telegram.api.blocked.add(CHAT)
    output = telegram.channel.get_output_channel()
    with pytest.raises(Forbidden, match="blocked"):
        telegram.server.call(output.send_text_message(str(CHAT), "通知"))


def test_proactive_send_refuses_another_channels_conversation(telegram: TelegramStack) -> None:
    """Issue 14: a conversation id of another namespace is never sent to as a chat id."""
    output = telegram.channel.get_output_channel()
    for foreign in (f"wechat:{CHAT}", f"rest:{CHAT}"):
        with pytest.raises(ForeignConversation):
            telegram.server.call(output.send_text_message(foreign, "通知"))
    assert telegram.api.sent(CHAT) == []


async def _output(channel: TelegramInput) -> TelegramOutput:
    return channel.get_output_channel()


def test_registered_by_module_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_TOKEN", TG_TOKEN)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", TG_SECRET)
    channel = _create_single_channel("bot.channels.telegram.TelegramInput", None)
    assert isinstance(channel, TelegramInput) and channel.name() == "telegram"
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "has spaces")
    with pytest.raises(ChannelConfigError):
        TelegramInput.from_credentials(None)
    monkeypatch.delenv("TELEGRAM_WEBHOOK_SECRET")
    with pytest.raises(ChannelConfigError, match="TELEGRAM_WEBHOOK_SECRET"):
        TelegramInput.from_credentials(None)


@pytest.mark.parametrize(
    "update",
    [
        {"update_id": 901, "message": "x"},
        {"update_id": 902, "message": {"message_id": 1, "date": 0, "text": "你好"}},  # no chat
        {"update_id": 903, "message": {"message_id": 1, "date": 0, "chat": "x", "text": "你好"}},
        {"update_id": 904, "callback_query": {"id": "q1", "chat_instance": "c", "data": "/help"}},
        {"update_id": "a", "message": {"message_id": 1, "date": 0, "text": "你好"}},
        {"message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}}},
        {"update_id": 905, "callback_query": "x"},
    ],
)
def test_malformed_updates_are_refused_not_crashed_on(
    telegram: TelegramStack, update: dict, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 14 item 8: with a valid secret, a malformed update is a logged 400, never a 500."""
    with caplog.at_level("WARNING", logger="bot.channels.telegram"):
        response = telegram.post(update)
    assert response.status_code == 400
    assert telegram.rasa.count() == 0 and telegram.api.sent() == []
    assert "malformed update" in caplog.text
    # The channel still works afterwards.
    assert telegram.post(text_update(CHAT, "你好")).status_code == 200
