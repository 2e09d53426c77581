"""Telegram output: text split at Telegram's limit, Rasa buttons as an inline keyboard.

Long button payloads travel as callback keys (`bot.channels.common.buttons.CallbackKeys`):
Telegram carries at most `CALLBACK_DATA_LIMIT` bytes of callback data per button.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rasa.core.channels.channel import OutputChannel
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import InlineKeyboardButtonLimit, MessageLimit

from bot.channels.common import notes
from bot.channels.common.buttons import CallbackKeys
from bot.channels.common.dialogue import custom_text
from bot.channels.common.text import split_text, utf16_len
from bot.conversation_ids import TELEGRAM, recipient_for

# Telegram counts message length in UTF-16 code units (an emoji outside the BMP is two).
TEXT_LIMIT = int(MessageLimit.MAX_TEXT_LENGTH)  # 4096
CALLBACK_DATA_LIMIT = int(InlineKeyboardButtonLimit.MAX_CALLBACK_DATA)  # 64 bytes


class TelegramOutput(OutputChannel):
    """Sends bot messages to one Telegram chat; API errors are raised to the caller."""

    @classmethod
    def name(cls) -> str:
        return "telegram"

    def __init__(self, bot: Bot | Callable[[], Bot], keys: CallbackKeys) -> None:
        self._bot = bot
        self.keys = keys

    @property
    def bot(self) -> Bot:
        """The Bot to use now; a callable is resolved per call, inside the sending loop."""
        return self._bot if isinstance(self._bot, Bot) else self._bot()

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        chat_id = _chat_id(recipient_id)
        for chunk in split_text(text, TEXT_LIMIT, utf16_len):
            await self.bot.send_message(chat_id=chat_id, text=chunk)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        """One button per row (Chinese titles are long); the keyboard goes on the last part."""
        chat_id = _chat_id(recipient_id)
        chunks = split_text(text or "", TEXT_LIMIT, utf16_len) or [notes.CHOOSE]
        for chunk in chunks[:-1]:
            await self.bot.send_message(chat_id=chat_id, text=chunk)
        rows = []
        for button in buttons:
            title = str(button.get("title", ""))
            if button.get("url"):
                rows.append([InlineKeyboardButton(title, url=str(button["url"]))])
            else:
                data = await self.keys.encode(str(button.get("payload", title)))
                rows.append([InlineKeyboardButton(title, callback_data=data)])
        await self.bot.send_message(
            chat_id=chat_id, text=chunks[-1], reply_markup=InlineKeyboardMarkup(rows)
        )

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self.bot.send_photo(chat_id=_chat_id(recipient_id), photo=image)

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        """Only a custom payload's text is sent: Rasa's default would show the raw JSON."""
        text = custom_text(json_message, "Telegram")
        if text:
            await self.send_text_message(recipient_id, text)


def _chat_id(recipient_id: str) -> str:
    """The chat id of a conversation (``telegram:<chat id>``); another channel's is refused."""
    return recipient_for(TELEGRAM, recipient_id)
