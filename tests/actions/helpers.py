"""Build rasa-sdk trackers and run actions the way the action server does."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.conversation_ids import conversation_id


def tracker(
    text: str = "",
    intent: str = "",
    entities: list[dict[str, Any]] | None = None,
    slots: dict[str, Any] | None = None,
    sender_id: str = "tester",
    channel: str = "rest",
    active_loop: str | None = None,
    namespaced: bool = True,
) -> Tracker:
    """A tracker whose latest user message has the given text, intent and entities.

    Its conversation id is namespaced by ``channel`` as the channels build it (``wechat:o1``),
    unless ``namespaced`` is False (a bare id, as a caller could name one before the fix).
    """
    if namespaced:
        sender_id = conversation_id(channel, sender_id)
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0},
        "entities": entities or [],
    }
    events = [{"event": "user", "text": text, "parse_data": latest, "input_channel": channel}]
    return Tracker(
        sender_id=sender_id,
        slots=slots or {},
        latest_message=latest,
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def entity(name: str, value: str) -> dict[str, Any]:
    return {"entity": name, "value": value, "start": 0, "end": len(value)}


def run(action: Action, t: Tracker, domain: dict[str, Any] | None = None):
    """Run an action; return (messages, events)."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, domain or {}))
    return dispatcher.messages, events


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def payloads(messages: list[dict[str, Any]]) -> list[str]:
    return [b["payload"] for m in messages for b in (m.get("buttons") or [])]
