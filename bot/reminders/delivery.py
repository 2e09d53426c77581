"""Deliver one reminder through the recipient's own channel.

Chat users are reached through Rasa's HTTP API with their own output channel, so the message
lands in their conversation and the dialogue continues from it: an ``intent`` payload is a
``trigger_intent`` (the evaluation request, answered in place with 满意 / 不满意), a ``text``
payload is a bot utterance appended with ``execute_side_effects``. Staff are reached on Telegram
with python-telegram-bot. Every failure raises :class:`DeliveryFailed`; the scheduler records it
and retries with backoff.
"""

from __future__ import annotations

import asyncio
from typing import Any, Protocol
from urllib.parse import quote

import requests
from telegram import Bot
from telegram.error import TelegramError

from bot.conversation_ids import conversation_id
from bot.reminders.store import Reminder

STAFF_TELEGRAM = "staff_telegram"  # channel of staff reminders (a chat id of the staff bot)
UNROUTED = "unrouted"  # channel of a staff reminder nobody is configured to receive


class DeliveryFailed(Exception):
    """The channel did not accept the message; the text says why (kept in ``last_error``)."""


class Sender(Protocol):
    def send(self, reminder: Reminder) -> None: ...


class RasaSender:
    """Chat users, through Rasa's external-events API (``trigger_intent`` / ``tracker/events``)."""

    def __init__(self, rasa_url: str, token: str | None, timeout: float = 30.0) -> None:
        self.rasa_url = rasa_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.session = requests.Session()

    def _post(self, path: str, params: dict[str, Any], body: Any) -> None:
        if self.token:
            params = {**params, "token": self.token}
        try:
            response = self.session.post(
                f"{self.rasa_url}{path}", params=params, json=body, timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise DeliveryFailed(f"Rasa not reachable: {exc}") from exc
        if response.status_code >= 300:
            raise DeliveryFailed(f"Rasa answered {response.status_code}: {response.text[:300]}")

    def send(self, reminder: Reminder) -> None:
        # The user's own conversation, namespaced as the channel names it (``wechat:<openid>``);
        # the store keeps channel and bare sender id apart, old and new reminders alike. The
        # ":" stays as it is: Rasa's routes (Sanic) do not percent-decode the conversation id.
        conversation = quote(conversation_id(reminder.channel, reminder.sender_id), safe=":")
        payload = reminder.payload
        params = {"output_channel": reminder.channel}
        if "intent" in payload:
            body = {"name": payload["intent"], "entities": payload.get("entities") or {}}
            self._post(f"/conversations/{conversation}/trigger_intent", params, body)
            return
        event = {"event": "bot", "text": payload["text"], "metadata": {"reminder": reminder.kind}}
        self._post(
            f"/conversations/{conversation}/tracker/events",
            {**params, "execute_side_effects": "true"},
            [event],
        )


class TelegramSender:
    """Staff chats, through the Telegram Bot API (python-telegram-bot)."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self._loop = asyncio.new_event_loop()

    def send(self, reminder: Reminder) -> None:
        try:
            chat_id = int(reminder.sender_id)
        except ValueError:
            raise DeliveryFailed(f"not a Telegram chat id: {reminder.sender_id!r}") from None
        try:
            self._loop.run_until_complete(
                self.bot.send_message(chat_id=chat_id, text=reminder.payload["text"])
            )
        except TelegramError as exc:
            raise DeliveryFailed(f"Telegram: {exc}") from exc

    def close(self) -> None:
        self._loop.run_until_complete(self.bot.shutdown())
        self._loop.close()


class Unrouted:
    """Staff reminders nobody is configured to receive: fail loudly, so they are listed."""

    def send(self, reminder: Reminder) -> None:
        raise DeliveryFailed(
            f"no Telegram chat configured for {reminder.sender_id} "
            "(a console account's telegram_chat_id, "
            "or REMINDER_COORDINATOR_CHATS / REMINDER_UNIT_CHATS)"
        )


class Router:
    """Picks the sender by the reminder's channel: Telegram staff chats vs. chat users."""

    def __init__(self, chat: Sender, staff: Sender | None) -> None:
        self.chat = chat
        self.staff = staff
        self.unrouted = Unrouted()

    def send(self, reminder: Reminder) -> None:
        if reminder.channel == UNROUTED:
            self.unrouted.send(reminder)
        elif reminder.channel == STAFF_TELEGRAM:
            if self.staff is None:
                raise DeliveryFailed("TELEGRAM_TOKEN is not set: staff reminders cannot be sent")
            self.staff.send(reminder)
        else:
            self.chat.send(reminder)
