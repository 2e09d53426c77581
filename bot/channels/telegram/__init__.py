"""The Telegram bot channel: `bot.channels.telegram.TelegramInput` in credentials.

Why the input channel is exported lazily: the console and the reminder process import
`make_bot` from this package's settings, and should not pay for importing Rasa's channel
machinery (sanic) they never use. Rasa resolves the class path with `getattr`, which
reaches `__getattr__` below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.channels.telegram.channel import TelegramInput

__all__ = ["TelegramInput"]


def __getattr__(name: str) -> Any:
    if name == "TelegramInput":
        from bot.channels.telegram.channel import TelegramInput

        return TelegramInput
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
