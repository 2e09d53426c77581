"""Actions that answer from the knowledge base: materials, hotlines, schemes, packages, help.

Every fact comes from `bot.knowledge` via `bot.answers` and `bot.search`; these classes only
pick what the user asked about out of the tracker (the message text, the extracted entity, the
earlier messages for the topic, the last picker's buttons). Which layer answers a message is
decided by `bot.search.router` first (docs/answering.md), then by the intent.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.appeal_actions import ActionStartAppeal
from actions.conversation import user_text
from actions.guard import guarded
from actions.rendering import send
from bot import answers, appeal_chat
from bot.appeal_chat import find_number
from bot.intake import Draft, inline_value
from bot.knowledge import Stage, get_knowledge
from bot.search import followup, picker, router
from bot.search.context import Topic, hotlines_of, last_topic
from bot.search.text import has_chinese

SCHEME_INTENT_PREFIX = "ask_scheme_"


def _query(tracker: Tracker, entity: str, finds: Callable[[str], bool]) -> str | None:
    """What the user asked about: the message text if the knowledge base finds something in it,
    else the entity of the latest message, else the text (so the answer can ask back).

    The whole text goes first because the resolver matches the longest names in it and sees
    every candidate (an ambiguous word is answered with buttons), while DIET may extract only
    part of a name. A button payload (``/intent{...}``) carries only the entity. An entity
    from an earlier turn is never reused for a new question.
    """
    text = user_text(tracker)
    if text and finds(text):
        return text
    value = next(tracker.get_latest_entity_values(entity), None)
    return str(value) if value else (text or None)


def _history(tracker: Tracker) -> list[tuple[str, str | None]]:
    """Earlier user messages (text, intent), newest first, without the latest one.

    A number typed at a picker stands for the button it picked (its payload names the topic).
    """
    history: list[tuple[str, str | None]] = []
    buttons: list[dict] = []
    for event in tracker.events:
        if event.get("event") == "bot":
            buttons = list((event.get("data") or {}).get("buttons") or []) or buttons
        elif event.get("event") == "user":
            text = str(event.get("text") or "")
            choice = picker.parse_choice(text)
            if choice is not None and 0 < choice <= len(buttons):
                text = str(buttons[choice - 1].get("payload") or text)
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            history.append((text, intent))
    return list(reversed(history[:-1]))


def _topic(tracker: Tracker) -> Topic | None:
    return last_topic(_history(tracker), get_knowledge())


def _context_stage(tracker: Tracker) -> Stage | None:
    topic = _topic(tracker)
    return get_knowledge().stage(topic.id) if topic and topic.kind == "stage" else None


def _noted(answer: answers.Answer, text: str) -> answers.Answer:
    """An answer with "not in the documents" first when the detail asked for is missing, and a
    note when "今年" meets the documents' earlier dates."""
    lead = followup.missing_detail_note(text, answer.text, get_knowledge())
    answer = followup.with_lead(answer, lead)
    return followup.with_notes(answer, followup.year_note(text, answer.text))


def _picked(tracker: Tracker) -> answers.Answer | None:
    """A typed number or ordinal ("2", "第二个") picks a button of the bot's last picker."""
    choice = picker.parse_choice(user_text(tracker))
    if choice is None:
        return None
    for event in reversed(tracker.events):
        buttons = (event.get("data") or {}).get("buttons") if event.get("event") == "bot" else None
        if buttons:
            if choice > len(buttons):
                return None
            return picker.answer_payload(str(buttons[choice - 1].get("payload")), get_knowledge())
    return None


def _answer_pick(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """Answer a number typed at the bot's last picker with that button's answer; True if so."""
    picked = _picked(tracker)
    if picked is None:
        return False
    send(dispatcher, picked)
    return True


async def _start_appeal(
    dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
) -> list[EventType]:
    """A complaint typed as a question: open the appeal form with the message as content."""
    events = await ActionStartAppeal().run(dispatcher, tracker, domain)
    return [*events, FollowupAction("appeal_form")]


async def _routed(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    domain: DomainDict,
    decision: router.Route,
) -> list[EventType] | None:
    """Carry out the router's decision; None when the intent's own answer should go out."""
    if decision.kind == "appeal":
        return await _start_appeal(dispatcher, tracker, domain)
    if decision.answer is not None:
        send(dispatcher, decision.answer)
        return []
    return None


@guarded
class _EntityAnswerAction(Action, ABC):
    """Answer with `answer_fn(query)` and clear the helper slot so it never goes stale."""

    entity = ""

    @abstractmethod
    def finds(self, query: str) -> bool:
        """Whether the knowledge base finds what this action answers about in ``query``."""

    @abstractmethod
    def answer(self, query: str | None) -> answers.Answer:
        """The answer for ``query`` (None: the user named nothing)."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if _answer_pick(dispatcher, tracker):
            return [SlotSet(self.entity, None)]
        text = user_text(tracker)
        context = None if text and self.finds(text) else _context_stage(tracker)
        done = await _routed(dispatcher, tracker, domain, router.route(text, context=context))
        if done is not None:
            return [*done, SlotSet(self.entity, None)]
        topic = (
            _topic(tracker) if text and not self.finds(text) and followup.is_short(text) else None
        )
        if topic is not None:  # "要交啥资料不" after a scheme: that topic, not every stage
            kb = get_knowledge()
            answer = (
                answers.answer_materials(topic.id, kb)
                if topic.kind == "stage" and not followup.asks_contact(text)
                else followup.follow_up(text, topic, kb)  # "这步有咨询电话不": the stage's line
            )
            if answer is not None:
                send(dispatcher, _noted(answer, text))
                return [SlotSet(self.entity, None)]
        send(dispatcher, self.answer_for(tracker))
        return [SlotSet(self.entity, None)]

    def answer_for(self, tracker: Tracker) -> answers.Answer:
        """The intent's own answer, with a note where "今年" meets the documents' dates."""
        return _noted(self.answer(self.query(tracker)), user_text(tracker))

    def query(self, tracker: Tracker) -> str | None:
        return _query(tracker, self.entity, self.finds)


class ActionAnswerMaterials(_EntityAnswerAction):
    entity = "stage"

    def name(self) -> str:
        return "action_answer_materials"

    def finds(self, query: str) -> bool:
        kb = get_knowledge()
        return bool(answers.resolve_stages(router.correct_stage_typos(query, kb), kb))

    def answer(self, query: str | None) -> answers.Answer:
        kb = get_knowledge()
        return answers.answer_materials(router.correct_stage_typos(query or "", kb) or None, kb)


class ActionAnswerHotline(_EntityAnswerAction):
    entity = "hotline_topic"

    def name(self) -> str:
        return "action_answer_hotline"

    def finds(self, query: str) -> bool:
        return bool(answers.resolve_hotlines(query, get_knowledge()))

    def answer(self, query: str | None) -> answers.Answer:
        return answers.answer_hotline(query)

    def query(self, tracker: Tracker) -> str | None:
        """A follow-up naming no channel ("电话呢") asks for the current topic's channels."""
        query = _query(tracker, self.entity, self.finds)
        if query and self.finds(query):
            return query
        topic = _topic(tracker)
        ids = hotlines_of(topic, get_knowledge()) if topic else []
        return " ".join(ids) if ids else query

    def answer_for(self, tracker: Tracker) -> answers.Answer:
        """The channels, and a note when the hours asked for are not in the documents."""
        kb = get_knowledge()
        text = user_text(tracker)
        if text and not self.finds(text):  # a scheme's channels, or that it has none
            contact = router.contact_answer(text, kb)
            if contact is not None:
                return contact
            topic = _topic(tracker)
            if topic is not None and followup.is_short(text) and not followup.asks_contact(text):
                answer = followup.follow_up(text, topic, kb)  # "报了好久来勘查" after the line
                if answer is not None:
                    return _noted(answer, text)
        query = self.query(tracker)
        ids = [h.id for h in answers.resolve_hotlines(query, kb)]
        note = followup.hours_note(text, ids, kb)
        return followup.with_notes(self.answer(query), note)


class ActionAnswerOneThing(_EntityAnswerAction):
    entity = "package"

    def name(self) -> str:
        return "action_answer_one_thing"

    def finds(self, query: str) -> bool:
        return bool(answers.resolve_packages(query, get_knowledge()))

    def answer(self, query: str | None) -> answers.Answer:
        named = router.named_package(query or "", get_knowledge())
        return answers.answer_package(named or query)


@guarded
class ActionAnswerScheme(Action):
    """`ask_scheme_<id>` intents map to the scheme `<id>` of the knowledge base."""

    def name(self) -> str:
        return "action_answer_scheme"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if _answer_pick(dispatcher, tracker):
            return []
        text = user_text(tracker)
        context = _context_stage(tracker) if followup.is_short(text) else None
        done = await _routed(dispatcher, tracker, domain, router.route(text, context=context))
        if done is not None:
            return done
        intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
        scheme_id = intent[len(SCHEME_INTENT_PREFIX) :]
        try:
            answer = followup.answer_scheme(scheme_id, get_knowledge())
        except KeyError:
            answer = answers.answer_fallback()
        send(dispatcher, _noted(answer, text))
        return []


@guarded
class ActionHelp(Action):
    def name(self) -> str:
        return "action_help"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        text = user_text(tracker)
        if text and not has_chinese(text):  # an English question: the number it asks for
            decision = router.fallback(text)
            if decision.kind == "fact" and decision.answer is not None:
                send(dispatcher, decision.answer)
                return []
        topic = _topic(tracker) if text and followup.asks_contact(text) else None
        if topic is not None:  # "中午有人接电话不" after a topic reads like a help request
            answer = followup.follow_up(text, topic, get_knowledge())
            if answer is not None:
                send(dispatcher, _noted(answer, text))
                return []
        send(dispatcher, answers.answer_help())
        return []


@guarded
class ActionFallback(Action):
    """Low confidence, out of scope or no rule: the answering layer (complaint, other place,
    a stage's fact, a follow-up on the topic, the search), else say so plainly."""

    def name(self) -> str:
        return "action_fallback"

    @staticmethod
    def decide(tracker: Tracker, text: str) -> router.Route:
        """The answering layer's decision for ``text`` (see docs/answering.md)."""
        kb = get_knowledge()
        topic = _topic(tracker)
        stage = kb.stage(topic.id) if topic and topic.kind == "stage" else None
        decision = router.route(text, kb, stage)
        if decision.kind == "none":
            timing = followup.appeal_timing(text, kb)
            if timing is not None:
                decision = router.Route("fact", timing)
        if decision.kind == "none" and topic is not None:
            answer = followup.follow_up(text, topic, kb)
            if answer is not None:
                decision = router.Route("fact", answer, topic.id)
        if decision.kind == "none":
            decision = router.fallback(text, kb)
        if decision.answer is not None and decision.kind in ("fact", "topic"):
            decision = router.Route(decision.kind, _noted(decision.answer, text))
        return decision

    @classmethod
    async def _answer(
        cls, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, text: str
    ) -> list[EventType] | None:
        if _answer_pick(dispatcher, tracker):
            return []
        return await _routed(dispatcher, tracker, domain, cls.decide(tracker, text))

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        text = user_text(tracker)
        corrected = _correction_at_read_back(dispatcher, tracker, text)
        if corrected is not None:
            return [*corrected, FollowupAction("action_listen")]
        done = await self._answer(dispatcher, tracker, domain, text) if text else None
        if done is None:
            send(dispatcher, answers.answer_fallback())
        elif done:
            return done
        # As the core fallback (no rule or story fits), Rasa would predict the fallback again
        # after it; listening ends the turn with one answer.
        return [FollowupAction("action_listen")]


def _correction_at_read_back(
    dispatcher: CollectingDispatcher, tracker: Tracker, text: str
) -> list[EventType] | None:
    """At the read-back, "电话错了，是139…" applies the new value and reads the draft back."""
    if not text or not tracker.get_slot("appeal_pending"):
        return None
    field = appeal_chat.field_from_text(text)
    if field is None and sum(c.isdigit() for c in text) >= 7:
        field = "contact_phone"
    value = inline_value(field, text) if field else None
    if field is None or value is None:
        return None
    slots = {f: tracker.get_slot(f) for f in appeal_chat.FIELD_LABELS}
    slots[field] = value
    if not all(slots.values()):
        return None
    draft = Draft(
        str(slots["enterprise_name"]),
        str(slots["contact_name"]),
        str(slots["contact_phone"]),
        str(slots["appeal_content"]),
    )
    send(dispatcher, appeal_chat.confirmation(draft))
    return [SlotSet(field, value), SlotSet("appeal_pending", True)]


@guarded
class ActionGoodbye(Action):
    """Goodbye, unless the "goodbye" is a number typed at a picker ("2")."""

    def name(self) -> str:
        return "action_goodbye"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if _answer_pick(dispatcher, tracker):
            return []
        dispatcher.utter_message(response="utter_goodbye")
        return []


@guarded
class ActionAcknowledge(Action):
    """A yes or no outside any question. It may be a number typed at a picker, a follow-up on
    the conversation's topic that the classifier read as yes/no ("那免提交的从哪来"), or a
    repeated confirmation after the ticket was written; otherwise: what else is needed."""

    def name(self) -> str:
        return "action_acknowledge"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if _answer_pick(dispatcher, tracker):
            return []
        text = user_text(tracker)
        if len(text) > 3 and _ASKS.search(text):  # not "好的谢谢": a follow-up question
            decision = ActionFallback.decide(tracker, text)
            if decision.kind in ("fact", "topic", "other_place", "appeal"):
                done = await _routed(dispatcher, tracker, domain, decision)
                if done is not None:
                    return done
        if find_number(_last_bot_text(tracker)):
            dispatcher.utter_message(text="您的诉求已经提交，无需重复确认。还有什么可以帮您？")
            return []
        dispatcher.utter_message(response="utter_anything_else")
        return []


_ASKS = re.compile(
    r"[？?]|呢|吗|啥|什么|哪|谁|几|多少|好多|怎么|咋|[不没]$|是不是|要不要|还要|能不能|有没有|可不可以"
)


def _last_bot_text(tracker: Tracker) -> str:
    for event in reversed(tracker.events):
        if event.get("event") == "bot":
            return str(event.get("text") or "")
    return ""
