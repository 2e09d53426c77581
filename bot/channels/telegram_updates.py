"""What a Telegram update means for the dialogue; shared by the webhook and polling tool."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from telegram import Update

from bot.channels import notes

GREET = "/greet"


@dataclass(frozen=True)
class Incoming:
    chat_id: int
    text: str = ""  # for the dialogue (a callback's data still needs decoding)
    note: str = ""  # answered by the channel itself
    callback_query_id: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)


def classify(update: Update) -> Incoming | None:
    """The dialogue input of an update; None for updates the assistant ignores (edits…)."""
    query = update.callback_query
    if query is not None:
        chat_id = query.message.chat.id if query.message is not None else query.from_user.id
        return Incoming(
            chat_id,
            text=query.data or "",
            callback_query_id=query.id,
            metadata={"update_id": update.update_id, "callback": True},
        )
    message = update.message
    if message is None:
        return None
    meta: dict[str, Any] = {"update_id": update.update_id, "message_id": message.message_id}
    if not message.text or not message.text.strip():
        return Incoming(message.chat.id, note=notes.TELEGRAM_TEXT_ONLY, metadata=meta)
    text = message.text.strip()
    command, _, argument = text.partition(" ")
    if command == "/start" or command.startswith("/start@"):
        if argument.strip():
            meta["start_param"] = argument.strip()
        text = GREET
    return Incoming(message.chat.id, text=text, metadata=meta)
