"""What a Telegram update means for the dialogue; shared by the webhook and polling tool."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from telegram import Update

from bot.channels.common import notes
from bot.channels.common.dialogue import GREET


@dataclass(frozen=True)
class Inbound:
    """One update as the dialogue sees it (the same name as WeChat's `Inbound`)."""

    chat_id: int
    text: str = ""  # for the dialogue (a callback's data still needs decoding)
    note: str = ""  # answered by the channel itself
    callback_query_id: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)


class MalformedUpdate(ValueError):
    """An update that names no chat to answer (a message without ``chat``, a callback query
    with neither ``message`` nor ``from``): logged and dropped, never a crash."""


def _chat_of_message(message: Any) -> int:
    chat = getattr(message, "chat", None)
    chat_id = getattr(chat, "id", None)
    if not isinstance(chat_id, int) or isinstance(chat_id, bool):
        raise MalformedUpdate("message without a chat id")
    return chat_id


def _chat_of_query(query: Any) -> int:
    if query.message is not None:
        return _chat_of_message(query.message)
    user_id = getattr(query.from_user, "id", None)
    if not isinstance(user_id, int) or isinstance(user_id, bool):
        raise MalformedUpdate("callback query without a message or a sender")
    return user_id


def classify(update: Update) -> Inbound | None:
    """The dialogue input of an update; None for updates the assistant ignores (edits…).

    Raises :class:`MalformedUpdate` when the update names no chat.
    """
    query = update.callback_query
    if query is not None:
        chat_id = _chat_of_query(query)
        return Inbound(
            chat_id,
            text=query.data or "",
            callback_query_id=query.id,
            metadata={"update_id": update.update_id, "callback": True},
        )
    message = update.message
    if message is None:
        return None
    chat_id = _chat_of_message(message)
    meta: dict[str, Any] = {"update_id": update.update_id, "message_id": message.message_id}
    if not isinstance(message.text, str) or not message.text.strip():
        return Inbound(chat_id, note=notes.TELEGRAM_TEXT_ONLY, metadata=meta)
    text = message.text.strip()
    command, _, argument = text.partition(" ")
    if command == "/start" or command.startswith("/start@"):
        if argument.strip():
            meta["start_param"] = argument.strip()
        text = GREET
    return Inbound(chat_id, text=text, metadata=meta)
