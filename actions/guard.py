"""One decorator for every custom action: an unexpected error becomes a short apology.

Why: rasa-sdk answers an exception in ``run`` with HTTP 500, and Rasa then says nothing at all
to the user (an enterprise's 不满意 went unanswered while it was already recorded). With
:func:`guarded` the user is told, politely and briefly, to try again or call the enterprise
appeal hotline; no event is returned, so the form's answers (slots) are all kept; the error is
logged with a reference that staff can search for in the action server's log.

Expected conditions (the store being down, a bad answer in a form) are still handled inside the
actions with their own replies; this is the net under them.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.interfaces import ActionExecutionRejection
from rasa_sdk.types import DomainDict

log = logging.getLogger(__name__)

# The enterprise appeal hotline (023-71992345, 8:30–18:00) from the source documents; kept
# here as text so the apology never depends on the knowledge base loading (a test checks both
# agree).
HOTLINE = "023-71992345"
APOLOGY = f"抱歉，系统暂时出现问题，您已填写的内容都已保留。请稍后再试，或拨打{HOTLINE}。"

A = TypeVar("A", bound=type[Action])
Run = Callable[[Any, CollectingDispatcher, Tracker, DomainDict], Awaitable[list[EventType]]]


def guarded(cls: A) -> A:
    """Class decorator: wrap ``cls.run`` (inherited or not) so it never raises to rasa-sdk."""
    original: Run = cls.run

    @functools.wraps(original)
    async def run(
        self: Action, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        try:
            return await original(self, dispatcher, tracker, domain)
        except ActionExecutionRejection:
            raise  # a form declining to run is Rasa's normal control flow, not an error
        except Exception:
            reference = uuid.uuid4().hex[:8]
            log.exception(
                "action %s failed for conversation %s (ref %s)",
                self.name(),
                tracker.sender_id,
                reference,
            )
            dispatcher.messages.clear()  # half a reply would mislead; say one clear thing
            dispatcher.utter_message(text=APOLOGY)
            return []  # no SlotSet, no form deactivation: every answer given is kept

    run.__guarded__ = True  # type: ignore[attr-defined]
    cls.run = run
    return cls


def is_guarded(cls: type[Action]) -> bool:
    """True if ``cls.run`` is wrapped by :func:`guarded` (a test checks every action is)."""
    return bool(getattr(cls.run, "__guarded__", False))
