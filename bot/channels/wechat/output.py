"""Output for WeChat: proactive messages, a callback's turn, and the passive reply XML.

Why two: a proactive message (Rasa's trigger_intent, external events) is pushed at once
and any failure must reach the caller; a callback's turn is collected for the passive
reply while it fits in the reply budget, and switched to pushes when it does not, after
which nobody is waiting for errors any more, so they are logged.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Sequence
from typing import Any, ClassVar

from rasa.core.channels.channel import OutputChannel
from wechatpy.crypto import WeChatCrypto
from wechatpy.replies import TextReply

from bot.channels.common.buttons import ButtonMemory, render_numbered
from bot.channels.common.dialogue import custom_text
from bot.channels.common.text import cdata_safe, split_text, utf8_len, xml_safe
from bot.channels.wechat.api import WeChatSender
from bot.conversation_ids import WECHAT, recipient_for

logger = logging.getLogger(__name__)


# One passive reply carries one text of at most this many UTF-8 bytes.
PASSIVE_TEXT_LIMIT = 2048


def render_text_reply(
    text: str,
    account: str,
    openid: str,
    crypto: WeChatCrypto | None = None,
    nonce: str = "",
) -> str:
    """The passive reply: the XML answer WeChat takes from the callback's HTTP response,
    encrypted when the account runs in safe mode.

    Why not `TextReply(...).render()` alone: wechatpy writes the content into a CDATA
    section as is, so a `]]>` in a bot text would end the section and let the rest be
    read as XML.
    """
    reply = TextReply(source=xml_safe(account), target=xml_safe(openid), content=cdata_safe(text))
    xml: str = reply.render()
    if crypto is not None:
        xml = crypto.encrypt_message(xml, nonce)
    return xml


class WeChatOutput(OutputChannel):
    """Proactive messages: customer-service messages, template fallback, errors raised."""

    @classmethod
    def name(cls) -> str:
        return "wechat"

    def __init__(self, sender: WeChatSender, buttons: ButtonMemory) -> None:
        self.sender = sender
        self.buttons = buttons

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.sender.send_text(_openid(recipient_id), text)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        openid = _openid(recipient_id)
        await self.sender.send_text(openid, render_numbered(text, buttons))
        await self.buttons.remember(openid, buttons)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self.sender.send_text(_openid(recipient_id), image)

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        text = custom_text(json_message, "WeChat")
        if text:
            await self.sender.send_text(_openid(recipient_id), text)


def _openid(recipient_id: str) -> str:
    """The openid of a conversation (``wechat:<openid>``); another channel's id is refused."""
    return recipient_for(WECHAT, recipient_id)


class WeChatTurnOutput(OutputChannel):
    """Collects one turn's answer for the passive reply, or pushes it once detached.

    Pushes go through one queue drained by one task, so messages arrive in the order
    the dialogue produced them even when the switch happens mid-turn.
    """

    # Push workers outlive the request and the turn; asyncio keeps only weak references.
    _workers: ClassVar[set[asyncio.Task[None]]] = set()

    @classmethod
    def name(cls) -> str:
        return "wechat"

    def __init__(self, sender: WeChatSender, openid: str) -> None:
        self.sender = sender
        self.openid = openid
        self.texts: list[str] = []
        self.buttons: list[dict[str, Any]] = []
        self.pushing = False
        self._queue: deque[str] = deque()
        self._worker: asyncio.Task[None] | None = None

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        self.emit(text)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        start = len(self.buttons) + 1
        self.buttons.extend(buttons)
        self.emit(render_numbered(text, buttons, start))

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        self.emit(image)

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        self.emit(custom_text(json_message, "WeChat"))

    def emit(self, text: str) -> None:
        if not text or not text.strip():
            return
        if self.pushing:
            self._enqueue([text])
        else:
            self.texts.append(text)

    def passive_chunks(self) -> list[str]:
        """Everything collected, joined and split to the passive-reply limit."""
        return split_text("\n\n".join(self.texts), PASSIVE_TEXT_LIMIT, utf8_len)

    def detach(self) -> None:
        """The budget ran out: push what was collected and everything that follows."""
        if not self.pushing:
            self.pushing = True
            collected, self.texts = self.texts, []
            self._enqueue(collected)

    def push(self, texts: Sequence[str]) -> None:
        """Push texts after a passive reply (the parts that did not fit in it)."""
        self._enqueue(texts)

    def _enqueue(self, texts: Sequence[str]) -> None:
        self._queue.extend(t for t in texts if t.strip())
        if self._queue and (self._worker is None or self._worker.done()):
            self._worker = asyncio.create_task(self._drain())
            self._workers.add(self._worker)
            self._worker.add_done_callback(self._workers.discard)

    async def _drain(self) -> None:
        while self._queue:
            text = self._queue.popleft()
            try:
                await self.sender.send_text(self.openid, text)
            except Exception:
                logger.exception("Could not push a WeChat message to %s.", self.openid)
