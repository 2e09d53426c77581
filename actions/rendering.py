"""Send a `bot.answers.Answer` through rasa-sdk's dispatcher (one place for the mapping)."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from bot.answers import Answer


def send(dispatcher: CollectingDispatcher, answer: Answer) -> None:
    """Utter the answer's text with its buttons, if any."""
    buttons = [{"title": b.title, "payload": b.payload} for b in answer.buttons]
    dispatcher.utter_message(text=answer.text, buttons=buttons or None)
