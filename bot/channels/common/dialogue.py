"""What every channel hands to the dialogue or takes from it, written once.

Why shared: a new WeChat follower and a Telegram `/start` both mean "greet me", and a
custom payload must reach a user the same way on every channel; two copies would drift.
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)

# The message a channel sends to the dialogue when a user arrives (subscribe, /start).
GREET = "/greet"


def custom_text(json_message: dict[str, Any], channel: str) -> str:
    """The text of a custom payload; other custom content is dropped (and logged).

    Rasa's default would send the JSON itself to the user, which no citizen should see.
    """
    text = json_message.get("text")
    if isinstance(text, str) and text.strip():
        return text
    logger.warning("Custom payload without text dropped on %s: %s", channel, sorted(json_message))
    return ""
