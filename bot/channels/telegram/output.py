"""Telegram output: text split at Telegram's limit, Rasa buttons as an inline keyboard.

Why the callback keys: Telegram carries at most 64 bytes of callback data per button, and
a Rasa payload with entities (`/intent{"slot":"值"}`) can be longer; such payloads are
kept in the shared store and the button carries a short key instead.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import Any

from rasa.core.channels.channel import OutputChannel
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bot.channels.common import notes
from bot.channels.common.state import StateStore
from bot.channels.common.text import split_text, utf8_len, utf16_len
from bot.conversation_ids import TELEGRAM, recipient_for

logger = logging.getLogger(__name__)

# Telegram counts message length in UTF-16 code units (an emoji outside the BMP is two).
TEXT_LIMIT = 4096
CALLBACK_DATA_LIMIT = 64
_KEY_PREFIX = "qk:"


class CallbackKeys:
    """Button payloads to callback data and back."""

    def __init__(self, store: StateStore, ttl: float) -> None:
        self.store = store
        self.ttl = ttl

    async def encode(self, payload: str) -> str:
        if utf8_len(payload) <= CALLBACK_DATA_LIMIT and not payload.startswith(_KEY_PREFIX):
            return payload
        key = _KEY_PREFIX + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]
        await self.store.set(f"tgcb:{key}", payload, self.ttl)
        return key

    async def decode(self, data: str) -> str | None:
        """The payload, or None when a long payload's key has expired."""
        if data.startswith(_KEY_PREFIX):
            return await self.store.get(f"tgcb:{data}")
        return data


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
        text = json_message.get("text")
        if isinstance(text, str) and text.strip():
            await self.send_text_message(recipient_id, text)
        else:
            logger.warning(
                "Custom payload without text dropped on Telegram: %s", sorted(json_message)
            )


def _chat_id(recipient_id: str) -> str:
    """The chat id of a conversation (``telegram:<chat id>``); another channel's is refused."""
    return recipient_for(TELEGRAM, recipient_id)
