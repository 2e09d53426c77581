"""The WeChat official account channel: `bot.channels.wechat.WeChatInput` in credentials.

Why the input channel is exported lazily: the reminder process and the bench import the
API client and settings from this package, and should not pay for importing Rasa's
channel machinery (sanic) they never use. Rasa resolves the class path with `getattr`,
which reaches `__getattr__` below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.channels.wechat.channel import WeChatInput

__all__ = ["WeChatInput"]


def __getattr__(name: str) -> Any:
    if name == "WeChatInput":
        from bot.channels.wechat.channel import WeChatInput

        return WeChatInput
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
