"""Button payloads kept in the shared store: numbered options and callback keys.

Why numbered options: a WeChat official account cannot show Rasa buttons in a text reply,
so they are written as "1. …" lines; the last options shown to each user are remembered
(in the shared store, so any instance can resolve them) until the next bot answer
replaces them.

Why callback keys: a platform may cap a button's callback data (Telegram: 64 bytes), and
a Rasa payload with entities (`/intent{"slot":"值"}`) can be longer; such payloads are
kept in the shared store and the button carries a short key instead.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from bot.channels.common.state import StateStore
from bot.channels.common.text import utf8_len

# "1", "1.", "1。", "１", "第1项" are all choices; anything longer is ordinary text.
_CHOICE = re.compile(r"^\s*(?:第\s*)?(\d{1,2})\s*(?:[.、。)]|项|个)?\s*$")


def render_numbered(text: str, buttons: Sequence[dict[str, Any]], start: int = 1) -> str:
    """The message text followed by one "n. title" line per button."""
    lines = [text.rstrip()] if text and text.strip() else []
    for number, button in enumerate(buttons, start=start):
        lines.append(f"{number}. {button.get('title', '')}".rstrip())
    return "\n".join(lines)


def choice_number(text: str | None) -> int | None:
    """The option number the user typed, if the whole message is one."""
    if not text:
        return None
    match = _CHOICE.match(unicodedata.normalize("NFKC", text))
    return int(match.group(1)) if match else None


class ButtonMemory:
    """Last options shown to each user."""

    def __init__(self, store: StateStore, ttl: float) -> None:
        self.store = store
        self.ttl = ttl

    @staticmethod
    def _key(sender: str) -> str:
        return f"buttons:{sender}"

    async def remember(self, sender: str, buttons: Sequence[dict[str, Any]]) -> None:
        """Replace the user's options; no buttons means no option is valid any more."""
        options = [
            {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
            for b in buttons
        ]
        if options:
            await self.store.set(self._key(sender), json.dumps(options), self.ttl)
        else:
            await self.store.delete(self._key(sender))

    async def resolve(self, sender: str, text: str | None) -> dict[str, str] | None:
        """The button the user picked by number, or None when the text is not a choice."""
        number = choice_number(text)
        if number is None:
            return None
        raw = await self.store.get(self._key(sender))
        if raw is None:
            return None
        options = json.loads(raw)
        if 1 <= number <= len(options) and options[number - 1].get("payload"):
            return {k: str(v) for k, v in options[number - 1].items()}
        return None


_KEY_PREFIX = "qk:"


class CallbackKeys:
    """Button payloads to callback data and back."""

    def __init__(self, store: StateStore, ttl: float, data_limit: int) -> None:
        self.store = store
        self.ttl = ttl
        self.data_limit = data_limit  # bytes of callback data the platform carries

    async def encode(self, payload: str) -> str:
        if utf8_len(payload) <= self.data_limit and not payload.startswith(_KEY_PREFIX):
            return payload
        key = _KEY_PREFIX + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]
        await self.store.set(f"tgcb:{key}", payload, self.ttl)
        return key

    async def decode(self, data: str) -> str | None:
        """The payload, or None when a long payload's key has expired."""
        if data.startswith(_KEY_PREFIX):
            return await self.store.get(f"tgcb:{data}")
        return data
