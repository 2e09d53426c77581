"""WeChat official account channel for Rasa (register as `bot.channels.wechat.WeChatInput`).

Callback URL: https://<host>/webhooks/wechat/webhook. Every callback is authenticated
(signature in constant time, timestamp window, nonce replay, msg_signature and AES in safe
mode) and parsed without DTDs before anything reaches the dialogue. WeChat waits five
seconds for an answer: a turn that finishes within the reply budget is answered in the
HTTP reply (passive reply), a slower one gets "success" at once and its answer is pushed
with customer-service messages. WeChat's retries of a callback never start another turn.
"""

from __future__ import annotations

import asyncio
import binascii
import hashlib
import json
import logging
import struct
import time
from collections.abc import Awaitable, Callable, Mapping
from copy import deepcopy
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException

from bot import log_safety
from bot.channels.common import notes
from bot.channels.common.buttons import ButtonMemory
from bot.channels.common.config import ChannelConfigError
from bot.channels.common.dedupe import PASSIVE, PUSHED, Deliveries, NonceGuard, Outcome
from bot.channels.common.http import BodyTooLarge, read_body
from bot.channels.common.state import StateStore, make_store
from bot.channels.wechat.api import QihuWeChatClient, WeChatSender, make_client
from bot.channels.wechat.messages import (
    IGNORE,
    NOTE,
    UNSUBSCRIBE,
    Inbound,
    MalformedMessage,
    to_inbound,
)
from bot.channels.wechat.output import WeChatOutput, WeChatTurnOutput, render_text_reply
from bot.channels.wechat.security import fresh, signature_ok
from bot.channels.wechat.settings import WeChatSettings
from bot.channels.wechat.xmlsafe import XmlRejected, parse_xml
from bot.conversation_ids import WECHAT, conversation_id

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


class _Forbidden(Exception):
    """The callback is not authentic; answered with 403."""


class WeChatInput(InputChannel):
    """Rasa input channel for a WeChat official account (公众号)."""

    @classmethod
    def name(cls) -> str:
        return WECHAT

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        log_safety.install()  # no access token or full phone number in Rasa's log
        return cls(WeChatSettings.from_credentials(credentials))

    def __init__(
        self,
        settings: WeChatSettings,
        store: StateStore | None = None,
        client: QihuWeChatClient | None = None,
    ) -> None:
        self.settings = settings
        self.store = store or make_store(settings.redis_url, settings.redis_prefix)
        self.deliveries = Deliveries(self.store, settings.dedupe_ttl)
        self.nonces = NonceGuard(self.store, 2 * settings.timestamp_window + 60)
        self.buttons = ButtonMemory(self.store, settings.buttons_ttl)
        self.crypto = _crypto(settings) if settings.safe_mode else None
        self._client = client
        self._tasks: set[asyncio.Task[Any]] = set()

    # -- platform API -------------------------------------------------------------------

    @property
    def client(self) -> QihuWeChatClient:
        """One client per channel, so the access token is fetched once and reused."""
        if self._client is None:
            s = self.settings
            self._client = make_client(
                s.appid, s.secret, s.api_base, s.redis_url, s.redis_prefix, s.api_timeout
            )
        return self._client

    @property
    def sender(self) -> WeChatSender:
        s = self.settings
        return WeChatSender(self.client, s.template_id, s.template_field)

    def get_output_channel(self) -> WeChatOutput:
        """Proactive messages (trigger_intent, external events); errors reach the caller."""
        return WeChatOutput(self.sender, self.buttons)

    # -- webhook --------------------------------------------------------------------------

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        webhook = Blueprint("qihu_wechat_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["GET", "POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            if request.method == "GET":
                return self._verify(request)
            return await self._callback(request, on_new_message)

        return webhook

    def _verify(self, request: Request) -> HTTPResponse:
        """URL verification when the district saves the server settings: echo `echostr`."""
        args = request.args
        timestamp, nonce = args.get("timestamp") or "", args.get("nonce") or ""
        echostr = args.get("echostr")
        if not echostr:
            return response.text("bad request", status=400)
        if not signature_ok(args.get("signature"), self.settings.token, timestamp, nonce):
            return _refuse("verification with a bad signature")
        if not fresh(timestamp, self.settings.timestamp_window):
            return _refuse("verification with a stale timestamp")
        return response.text(echostr)

    async def _callback(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        started = time.monotonic()
        s = self.settings
        args = request.args
        timestamp, nonce = args.get("timestamp") or "", args.get("nonce") or ""
        if not signature_ok(args.get("signature"), s.token, timestamp, nonce):
            return _refuse("bad signature")
        if not fresh(timestamp, s.timestamp_window):
            return _refuse("stale timestamp")
        encrypted = (args.get("encrypt_type") or "raw").lower() == "aes"
        if self.crypto is not None and not encrypted:
            return _refuse("plaintext callback while safe mode is configured")
        if self.crypto is None and encrypted:
            logger.error("WeChat sent an encrypted callback but WECHAT_AES_KEY is not set.")
            return _refuse("encrypted callback without an AES key")
        try:
            body = await read_body(request, s.max_body_bytes)
        except BodyTooLarge:
            logger.warning("WeChat callback refused: body over %d bytes.", s.max_body_bytes)
            return response.text("payload too large", status=413)
        except ValueError:
            return response.text("bad request", status=400)
        if not await self.nonces.accept(timestamp, nonce, hashlib.sha256(body).hexdigest()):
            return _refuse("nonce replayed with another body")
        try:
            data = parse_xml(body)
            if encrypted:
                data = self._decrypt(data, args.get("msg_signature"), timestamp, nonce)
            inbound = to_inbound(data, s.click_intents)
        except _Forbidden as error:
            return _refuse(str(error))
        except (XmlRejected, MalformedMessage) as error:
            logger.warning("WeChat callback refused: %s", error)
            return response.text("bad request", status=400)

        deadline = started + s.reply_budget
        answer = await self._answer(inbound, on_new_message, deadline)
        if not answer:
            return response.text("success")
        xml = render_text_reply(answer, inbound.account, inbound.sender, self.crypto, nonce)
        return response.text(xml, content_type="application/xml; charset=utf-8")

    def _decrypt(
        self, outer: Mapping[str, Any], msg_signature: str | None, timestamp: str, nonce: str
    ) -> dict[str, Any]:
        """The plaintext message of a safe-mode callback (authenticated by msg_signature)."""
        assert self.crypto is not None
        encrypt = outer.get("Encrypt")
        if not isinstance(encrypt, str) or not encrypt:
            raise XmlRejected("no Encrypt element")
        if not signature_ok(msg_signature, self.settings.token, timestamp, nonce, encrypt):
            raise _Forbidden("bad msg_signature")
        try:
            plain = self.crypto.decrypt_message(
                {"Encrypt": encrypt}, msg_signature, timestamp, nonce
            )
        except (InvalidSignatureException, InvalidAppIdException) as error:
            raise _Forbidden(f"decryption refused: {type(error).__name__}") from error
        except (ValueError, TypeError, IndexError, struct.error, UnicodeError) as error:
            raise XmlRejected("cannot decrypt the message") from error
        return parse_xml(plain)

    # -- dialogue -------------------------------------------------------------------------

    async def _answer(
        self, inbound: Inbound, on_new_message: OnNewMessage, deadline: float
    ) -> str | None:
        """The passive reply text, or None to answer "success"."""
        if inbound.kind == IGNORE:
            return None
        if inbound.kind == NOTE:
            return inbound.text
        if inbound.kind == UNSUBSCRIBE:
            await self._record_unsubscribe(inbound)
            return None
        if not await self.deliveries.claim(inbound.key):
            logger.info("WeChat retry of %s: not sent to the dialogue again.", inbound.key)
            outcome = await self.deliveries.wait(inbound.key, deadline - time.monotonic())
            if outcome is not None and outcome.state == PASSIVE and outcome.text:
                return outcome.text
            return None
        if inbound.event.startswith("subscribe"):
            await self.store.delete(f"unsubscribed:{inbound.sender}")
        return await self._run_turn(inbound, on_new_message, deadline)

    async def _run_turn(
        self, inbound: Inbound, on_new_message: OnNewMessage, deadline: float
    ) -> str | None:
        text = inbound.text
        metadata = deepcopy(inbound.metadata)
        picked = await self.buttons.resolve(inbound.sender, text)
        if picked is not None:
            metadata["wechat"]["button"] = picked
            text = picked["payload"]
        output = WeChatTurnOutput(self.sender, inbound.sender)
        message = UserMessage(
            text,
            output,
            conversation_id(WECHAT, inbound.sender),  # never the bare openid (issue 14)
            input_channel=self.name(),
            message_id=f"wechat:{inbound.key}",
            metadata=metadata,
        )
        turn = self._spawn(self._turn(on_new_message, message, output, inbound.sender))
        decided = False
        try:
            await asyncio.wait({turn}, timeout=max(0.0, deadline - time.monotonic()))
            if turn.done():
                chunks = output.passive_chunks()
                first = chunks[0] if chunks else ""
                output.push(chunks[1:])
                decided = True
                finish = self._spawn(self.deliveries.finish(inbound.key, Outcome(PASSIVE, first)))
                await asyncio.shield(finish)
                return first or None
            output.detach()
            decided = True
            logger.info("WeChat turn %s over budget: answering by push.", inbound.key)
            await asyncio.shield(self._spawn(self.deliveries.finish(inbound.key, Outcome(PUSHED))))
            return None
        finally:
            if not decided:  # the callback went away: the answer must still reach the user
                output.detach()
                self._spawn(self.deliveries.finish(inbound.key, Outcome(PUSHED)))

    async def _turn(
        self,
        on_new_message: OnNewMessage,
        message: UserMessage,
        output: WeChatTurnOutput,
        openid: str,
    ) -> None:
        try:
            await on_new_message(message)
        except Exception:
            logger.exception("The dialogue failed on WeChat message %s.", message.message_id)
            output.emit(notes.BUSY)
        try:
            await self.buttons.remember(openid, output.buttons)
        except Exception:
            logger.exception("Could not remember the buttons shown to %s.", openid)

    async def _record_unsubscribe(self, inbound: Inbound) -> None:
        logger.info("WeChat user %s unsubscribed.", inbound.sender)
        record = json.dumps({"at": inbound.metadata["wechat"]["create_time"]})
        await self.store.set(
            f"unsubscribed:{inbound.sender}", record, self.settings.unsubscribe_ttl
        )

    def _spawn(self, coro: Awaitable[Any]) -> asyncio.Task[Any]:
        """A task kept referenced until done (asyncio holds only weak references)."""
        task: asyncio.Task[Any] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task


def _crypto(settings: WeChatSettings) -> WeChatCrypto:
    try:
        return WeChatCrypto(settings.token, settings.aes_key, settings.appid)
    except (AssertionError, ValueError, binascii.Error) as error:
        raise ChannelConfigError(
            "WECHAT_AES_KEY must be the 43-character EncodingAESKey of the official account."
        ) from error


def _refuse(reason: str) -> HTTPResponse:
    logger.warning("WeChat callback refused: %s.", reason)
    return response.text("forbidden", status=403)
