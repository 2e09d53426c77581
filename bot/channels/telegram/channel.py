"""Telegram channel for Rasa (register as `bot.channels.telegram.TelegramInput`).

Webhook: https://<host>/webhooks/telegram/webhook, set with
`python -m bot.channels.telegram.cli set-webhook URL`, which registers the secret token
Telegram then sends in `X-Telegram-Bot-Api-Secret-Token`; a request without it, or with
another one, is refused before anything is parsed. Built on python-telegram-bot 22 (Bot
only: no Application, no job queue), because Rasa's own Telegram channel needs aiogram 2.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import Bot, Update
from telegram.error import TelegramError

from bot import log_safety
from bot.channels.common import notes
from bot.channels.common.buttons import CallbackKeys
from bot.channels.common.http import BodyTooLarge, read_body
from bot.channels.common.state import StateStore, make_store
from bot.channels.telegram.output import CALLBACK_DATA_LIMIT, TelegramOutput
from bot.channels.telegram.settings import TelegramSettings, make_bot
from bot.channels.telegram.updates import Inbound, classify
from bot.conversation_ids import TELEGRAM, conversation_id

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


class TelegramInput(InputChannel):
    """Rasa input channel for a Telegram bot."""

    @classmethod
    def name(cls) -> str:
        return TELEGRAM

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        log_safety.install()  # Rasa has set up logging by now: keep the token out of it
        return cls(TelegramSettings.from_credentials(credentials))

    def __init__(self, settings: TelegramSettings, store: StateStore | None = None) -> None:
        self.settings = settings
        self.store = store or make_store(settings.redis_url, settings.redis_prefix)
        self.keys = CallbackKeys(self.store, settings.callback_ttl, CALLBACK_DATA_LIMIT)
        self._bots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Bot] = (
            weakref.WeakKeyDictionary()
        )

    @property
    def bot(self) -> Bot:
        return self.current_bot()

    def current_bot(self) -> Bot:
        """The Bot of the running event loop (its HTTP connections belong to that loop)."""
        loop = asyncio.get_running_loop()
        bot = self._bots.get(loop)
        if bot is None:
            bot = make_bot(self.settings.token, self.settings.api_base)
            self._bots[loop] = bot
        return bot

    def get_output_channel(self) -> TelegramOutput:
        """Proactive messages (trigger_intent, external events); errors reach the caller.

        Callable without a running event loop: the Bot is picked when a message is sent.
        """
        return TelegramOutput(self.current_bot, self.keys)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        webhook = Blueprint("qihu_telegram_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            return await self._receive(request, on_new_message)

        return webhook

    async def _receive(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        given = request.headers.get(SECRET_HEADER)
        expected = self.settings.webhook_secret.encode()
        if not given or not hmac.compare_digest(given.encode("utf-8", "replace"), expected):
            logger.warning("Telegram webhook refused: missing or wrong secret token.")
            return response.text("forbidden", status=403)
        try:
            body = await read_body(request, self.settings.max_body_bytes)
        except BodyTooLarge:
            return response.text("payload too large", status=413)
        except ValueError as error:
            logger.warning("Telegram webhook refused: %s", error)
            return response.text("bad request", status=400)
        try:
            update, inbound = self._parse(body)
        except Exception as error:  # whatever the body holds, a malformed update is a 400
            logger.warning("Telegram webhook refused a malformed update: %s", error)
            return response.text("bad request", status=400)
        # Telegram re-delivers an update it got no 2xx for; each one is handled once.
        if not await self.store.claim(
            f"tg:update:{update.update_id}", "1", self.settings.dedupe_ttl
        ):
            logger.info("Telegram update %s delivered again: ignored.", update.update_id)
            return response.text("ok")
        if inbound is not None:
            try:
                await self.handle(inbound, on_new_message, update.update_id)
            except Exception:  # answered 2xx anyway: a re-delivery would be ignored
                logger.exception("Telegram update %s could not be handled.", update.update_id)
        return response.text("ok")

    def _parse(self, body: bytes) -> tuple[Update, Inbound | None]:
        """The update and what it means for the dialogue.

        Raises on anything malformed: not JSON, not an object, a field of the wrong type
        (``"message": "x"``), a message without ``chat``, a callback without ``from``.
        """
        data = json.loads(body)
        if not isinstance(data, dict):
            raise ValueError("update is not a JSON object")
        update = Update.de_json(data, self.bot)
        if update is None or not isinstance(update.update_id, int):
            raise ValueError("update without an integer update_id")
        return update, classify(update)

    async def handle(self, inbound: Inbound, on_new_message: OnNewMessage, update_id: int) -> None:
        """Run one update through the dialogue; failures are logged and apologised for."""
        output = self.get_output_channel()
        chat = str(inbound.chat_id)
        text = inbound.text
        metadata = dict(inbound.metadata)
        if inbound.callback_query_id:
            try:
                await self.bot.answer_callback_query(inbound.callback_query_id)
            except TelegramError:
                logger.warning("Could not answer Telegram callback query.", exc_info=True)
            payload = await self.keys.decode(text)
            if payload is None:
                await output.send_text_message(chat, notes.BUTTON_EXPIRED)
                return
            text = payload
        if inbound.note:
            await output.send_text_message(chat, inbound.note)
            return
        message = UserMessage(
            text,
            output,
            conversation_id(TELEGRAM, chat),  # never the bare chat id (issue 14)
            input_channel=self.name(),
            message_id=f"telegram:{update_id}",
            metadata={"telegram": metadata},
        )
        try:
            await on_new_message(message)
        except Exception:
            logger.exception("The dialogue failed on Telegram update %s.", update_id)
            try:
                await output.send_text_message(chat, notes.BUSY)
            except TelegramError:
                logger.warning("Could not send the apology to chat %s.", chat, exc_info=True)
