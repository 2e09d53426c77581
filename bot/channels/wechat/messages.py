"""From a parsed WeChat callback to what the channel does with it.

Why separate: the classification (text, voice, event, …) is pure and easy to test, while
the webhook deals with HTTP, signatures and timing. The wechatpy message classes are used
for field access, but built from our own safe parse (wechatpy's `parse_message` would call
xmltodict on the raw body itself).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from wechatpy.events import EVENT_TYPES
from wechatpy.messages import MESSAGE_TYPES, BaseMessage, UnknownMessage

from bot.channels.common import notes
from bot.channels.common.dialogue import GREET

logger = logging.getLogger(__name__)

# An openid: letters, digits, "_" and "-" (28 characters in practice). Anything else, such as
# a ":" naming another channel's namespace, is refused before it reaches a conversation id.
OPENID = re.compile(r"[A-Za-z0-9_-]{1,64}")

RASA = "rasa"  # a turn of the dialogue with `text`
NOTE = "note"  # answered by the channel itself with `text`
IGNORE = "ignore"  # acknowledged with "success", nothing else
UNSUBSCRIBE = "unsubscribe"  # recorded, then acknowledged


class MalformedMessage(ValueError):
    """The callback lacks a field every WeChat message has, or has it twice."""


@dataclass(frozen=True)
class Inbound:
    kind: str
    sender: str  # the user's openid (FromUserName)
    account: str  # the official account's id (ToUserName)
    key: str  # delivery identity for dedupe
    text: str = ""
    event: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)


def _field(data: Mapping[str, Any], name: str, required: bool = False) -> str:
    value = data.get(name)
    if value is None:
        if required:
            raise MalformedMessage(f"missing {name}")
        return ""
    if not isinstance(value, str):
        raise MalformedMessage(f"{name} is not a single text value")
    return value


def wechat_message(data: Mapping[str, Any]) -> BaseMessage:
    """The wechatpy message or event object, classified as wechatpy's parser does."""
    message = dict(data)
    message_type = _field(message, "MsgType", required=True).lower()
    if message_type != "event":
        return MESSAGE_TYPES.get(message_type, UnknownMessage)(message)
    event_type = _field(message, "Event").lower()
    event_key = _field(message, "EventKey")
    if event_type == "subscribe" and event_key.startswith("qrscene_"):
        event_type = "subscribe_scan"
        message["Event"] = event_type
        message["EventKey"] = event_key[len("qrscene_") :]
    return EVENT_TYPES.get(event_type, UnknownMessage)(message)


def to_inbound(data: Mapping[str, Any], click_intents: Mapping[str, str]) -> Inbound:
    """Decide what a callback means for the dialogue."""
    sender = _field(data, "FromUserName", required=True)
    account = _field(data, "ToUserName", required=True)
    create_time = _field(data, "CreateTime", required=True)
    if not OPENID.fullmatch(sender) or not create_time.isdigit():
        raise MalformedMessage("bad FromUserName or CreateTime")
    message = wechat_message(data)
    msg_id = _field(data, "MsgId")
    if msg_id and not msg_id.isdigit():
        raise MalformedMessage("bad MsgId")
    event = _field(data, "Event").lower() if message.type == "event" else ""
    key = f"msg:{account}:{msg_id}" if msg_id else f"event:{sender}:{create_time}:{event}"
    meta: dict[str, Any] = {
        "msg_type": message.type,
        "create_time": int(create_time),
        "account": account,
    }
    if msg_id:
        meta["msg_id"] = msg_id
    if event:
        meta["event"] = event

    def make(kind: str, text: str = "") -> Inbound:
        return Inbound(kind, sender, account, key, text, event, {"wechat": meta})

    if message.type == "text":
        content = _field(data, "Content").strip()
        return make(RASA, content) if content else make(IGNORE)
    if message.type == "voice":
        recognition = _field(data, "Recognition").strip()
        if recognition:
            meta["voice"] = True
            return make(RASA, recognition)
        return make(NOTE, notes.VOICE_UNCLEAR)
    if message.type != "event":
        return make(NOTE, notes.WECHAT_TEXT_ONLY)
    if event in ("subscribe", "subscribe_scan") or message.event == "subscribe_scan":
        scene = _field(data, "EventKey")
        if scene:
            meta["scene"] = scene.removeprefix("qrscene_")
        return make(RASA, GREET)
    if event == "unsubscribe":
        return make(UNSUBSCRIBE)
    if event == "click":
        menu_key = _field(data, "EventKey")
        meta["menu_key"] = menu_key
        payload = click_intents.get(menu_key)
        if payload:
            return make(RASA, payload)
        logger.warning("WeChat menu key %r has no entry in click_intents; ignored.", menu_key)
    return make(IGNORE)
