"""Buttons as numbered options, and the user's "1"/"2" mapped back to their payloads.

Why: a WeChat official account cannot show Rasa buttons in a text reply, so they are
written as "1. …" lines; the last options shown to each user are remembered (in the
shared store, so any instance can resolve them) until the next bot answer replaces them.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from bot.channels.common.state import StateStore

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
