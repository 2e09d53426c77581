"""Who is talking and what they typed, read the same way by every action."""

from __future__ import annotations

from rasa_sdk import Tracker

from bot.appeal_chat import find_number
from bot.conversation_ids import owner_of


def sender_of(tracker: Tracker) -> tuple[str, str]:
    """(channel, sender id): who owns the appeals and subscriptions this conversation may see.

    Read from the namespaced conversation id (``wechat:<openid>``), which only the channel itself
    produces, not from the message's input channel, which a REST caller may set at will.
    """
    return owner_of(tracker.sender_id, tracker.get_latest_input_channel())


def actor_of(tracker: Tracker) -> str:
    """How the store's event log names this user (``channel:sender``)."""
    channel, sender = sender_of(tracker)
    return f"{channel}:{sender}"


def user_text(tracker: Tracker) -> str:
    """The latest message as typed; a button payload (``/intent{...}``) is not text."""
    text = tracker.latest_message.get("text") or ""
    return "" if text.startswith("/") else text


def named_number(tracker: Tracker) -> str | None:
    """The appeal number of the latest message: its entity, else one found in the text."""
    entity = next(tracker.get_latest_entity_values("appeal_number"), None)
    return find_number(entity or user_text(tracker))
