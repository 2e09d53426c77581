"""A recording stand-in for Rasa's agent: counts turns and utters scripted replies."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable
from copy import deepcopy
from types import SimpleNamespace
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage, register
from sanic import Sanic


class FakeRasa:
    """`on_new_message` as Rasa's agent would run it, with a script instead of a model.

    Script entries are lists of bot messages (dicts as Rasa's `send_response` takes them)
    or `{"sleep": seconds}` to make a turn slow at that point. A text without a script
    entry is answered "收到：<text>".
    """

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.script: dict[str, list[dict[str, Any]]] = {}
        self.failing: set[str] = set()
        self.turns: list[UserMessage] = []
        self._lock = threading.Lock()

    async def handle_message(self, message: UserMessage) -> None:
        with self._lock:
            self.turns.append(message)
        if self.delay:
            await asyncio.sleep(self.delay)
        if message.text in self.failing:
            raise RuntimeError("scripted failure")
        steps = self.script.get(message.text or "", [{"text": f"收到：{message.text}"}])
        for step in steps:
            if "sleep" in step:
                await asyncio.sleep(step["sleep"])
                continue
            await message.output_channel.send_response(message.sender_id, deepcopy(step))

    __call__ = handle_message

    def texts(self) -> list[str]:
        with self._lock:
            return [str(m.text) for m in self.turns]

    def count(self, text: str | None = None) -> int:
        return len(self.texts()) if text is None else self.texts().count(text)


def rasa_app(channels: Iterable[InputChannel], rasa: FakeRasa, name: str) -> Sanic:
    """A Sanic app with the channels registered exactly as `rasa run` registers them."""
    app = Sanic(name)
    app.ctx.agent = SimpleNamespace(handle_message=rasa.handle_message)
    register(list(channels), app, route="/webhooks/")
    return app
