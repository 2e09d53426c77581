"""Appeal intake (企呼我为), progress and evaluation in chat: thin adapters to ``bot``.

Intake is ``appeal_form`` (validated by ``bot.intake``), a read-back (``appeal_pending``), and
a submission keyed by the draft's id, so a repeated confirmation (a retried delivery, or a retry
after the database was down) writes the ticket once.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.conversation import actor_of, named_number, sender_of, user_text
from actions.guard import guarded
from actions.rendering import send
from actions.store_access import get_service
from bot import answers, appeal_chat, form_interrupt
from bot.answers import Answer
from bot.intake import (
    Draft,
    InvalidField,
    clean_content,
    clean_name,
    clean_phone,
    content_from_history,
    content_from_opening,
    inline_value,
    is_request_only,
)
from bot.search import router
from bot.store import Appeal, StoreError, StoreUnavailable

log = logging.getLogger(__name__)

FORM_FIELDS = tuple(appeal_chat.FIELD_LABELS)
EVALUATION_SLOTS = ("evaluation_number", "evaluation_satisfied", "evaluation_reason")


def _draft(tracker: Tracker) -> Draft | None:
    values = [tracker.get_slot(f) for f in FORM_FIELDS]
    if not all(values):
        return None
    enterprise, contact, phone, content = (str(v) for v in values)
    return Draft(enterprise, contact, phone, content)


def _clear_draft() -> list[EventType]:
    return [SlotSet(f, None) for f in FORM_FIELDS] + [
        SlotSet("appeal_draft_id", None),
        SlotSet("appeal_pending", False),
    ]


def _clear_evaluation() -> list[EventType]:
    return [SlotSet(s, None) for s in EVALUATION_SLOTS]


def side_answer(text: str, intent: str | None) -> Answer:
    """The answer to a question asked in the middle of the form (knowledge only)."""
    if intent == "ask_hotline" or answers.resolve_hotlines(text, answers.get_knowledge()):
        return answers.answer_hotline(text)
    if intent and intent.startswith("ask_scheme_"):
        try:
            return answers.answer_scheme(intent[len("ask_scheme_") :])
        except KeyError:
            pass
    decision = router.fallback(text)
    return decision.answer if decision.answer is not None else answers.answer_fallback()


# Intents of messages that act on the conversation or on an appeal rather than describe a
# problem: "我的诉求办到哪了" before "我要反映问题" is not the new appeal's content.
_NOT_A_PROBLEM = frozenset(
    {
        "greet", "goodbye", "thank", "affirm", "deny", "help", "bot_challenge", "cancel",
        "ask_appeal_status", "remind_evaluation", "evaluate_satisfied", "evaluate_unsatisfied",
        "correct_appeal", "subscribe", "unsubscribe",
    }
)  # fmt: skip


def _previous_user_text(tracker: Tracker) -> str | None:
    """The user's message before the latest one (the problem a '帮我登记一下' refers to), unless
    it was understood as something other than a description of a problem."""
    users = [e for e in tracker.events if e.get("event") == "user"]
    if len(users) < 2:
        return None
    previous = users[-2]
    intent = ((previous.get("parse_data") or {}).get("intent") or {}).get("name")
    return None if intent in _NOT_A_PROBLEM else str(previous.get("text") or "")


# --- intake -----------------------------------------------------------------------------------


@guarded
class ActionStartAppeal(Action):
    """A new draft: fresh id, old answers dropped, the opening message kept as content if it
    already says what the problem is ('园区路灯坏了好久没人管')."""

    def name(self) -> str:
        return "action_start_appeal"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        text = user_text(tracker)
        kb = answers.get_knowledge()
        place = router.other_place(text) if text else None
        if place is not None:  # "我们厂在万盛那边，能在这反映不": what this assistant covers
            send(dispatcher, router.answer_other_place(place, kb))
            return []
        channel = router.channel_question(text, kb) if text else None
        if channel is not None:
            # "投诉电话是好多" asks where to complain: the channel, and no draft (the form that
            # follows has nothing to ask without one).
            send(dispatcher, channel)
            return []
        events = [*_clear_draft(), SlotSet("appeal_draft_id", uuid.uuid4().hex)]
        content = content_from_history(text, _previous_user_text(tracker))
        if content is None and not is_request_only(text):
            content = content_from_opening(text)
        if content:
            events.append(SlotSet("appeal_content", content))
        dispatcher.utter_message(text="好的，我来帮您登记诉求，需要几项信息，随时可以说“取消”。")
        return events


@guarded
class ValidateAppealForm(FormValidationAction):
    """Each answer is cleaned by ``bot.intake``; a bad one is re-asked with what was wrong."""

    def name(self) -> str:
        return "validate_appeal_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        requested = tracker.get_slot("requested_slot")
        intent = tracker.latest_message.get("intent") or {}
        text = user_text(tracker)
        what = form_interrupt.kind(
            text, intent.get("name"), float(intent.get("confidence") or 0.0), str(requested)
        )
        if not requested or what is None:
            return await super().run(dispatcher, tracker, domain)
        # Not an answer: reply to it and keep the question open (the form asks it again).
        if what == form_interrupt.GOODBYE:
            dispatcher.utter_message(text=form_interrupt.PAUSED)
        elif what == form_interrupt.STATUS:
            dispatcher.utter_message(text=form_interrupt.NOT_SUBMITTED)
        else:
            send(dispatcher, side_answer(text, intent.get("name")))
            dispatcher.utter_message(text=form_interrupt.RESUME)
        return [SlotSet(str(requested), None)]

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        # Without a draft (a correction asked for when nothing is being filled in) ask nothing.
        return domain_slots if tracker.get_slot("appeal_draft_id") else []

    @staticmethod
    def _check(
        dispatcher: CollectingDispatcher, slot: str, value: Any, clean: Any
    ) -> dict[str, Any]:
        if value is None:  # emptied by the form's start or a correction: nothing to check
            return {slot: None}
        text = str(value)
        if text.startswith("/"):  # a button of an earlier message, not an answer
            dispatcher.utter_message(text="请直接输入文字回答，或说“取消”结束登记。")
            return {slot: None}
        try:
            return {slot: clean(text)}
        except InvalidField as exc:
            dispatcher.utter_message(text=exc.message)
            return {slot: None}

    def validate_enterprise_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._check(
            dispatcher, "enterprise_name", value, lambda v: clean_name(v, "企业名称")
        )

    def validate_contact_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._check(dispatcher, "contact_name", value, lambda v: clean_name(v, "联系人"))

    def validate_contact_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._check(dispatcher, "contact_phone", value, clean_phone)

    def validate_appeal_content(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._check(dispatcher, "appeal_content", value, clean_content)


@guarded
class ActionConfirmAppeal(Action):
    """Read the answers back and ask to confirm; nothing is written yet."""

    def name(self) -> str:
        return "action_confirm_appeal"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        draft = _draft(tracker)
        if draft is None or not tracker.get_slot("appeal_draft_id"):
            return [SlotSet("appeal_pending", False)]
        send(dispatcher, appeal_chat.confirmation(draft))
        return [SlotSet("appeal_pending", True)]


@guarded
class ActionSubmitAppeal(Action):
    """Write the ticket once per draft; if the database is down keep everything and say so."""

    def name(self) -> str:
        return "action_submit_appeal"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        draft = _draft(tracker)
        key = tracker.get_slot("appeal_draft_id")
        if draft is None or not key:
            send(dispatcher, appeal_chat.cancelled(had_draft=False))
            return [SlotSet("appeal_pending", False)]
        channel, sender = sender_of(tracker)
        try:
            appeal = get_service().create(
                enterprise=draft.enterprise_name,
                contact=draft.contact_name,
                phone=draft.contact_phone,
                content=draft.content,
                channel=channel,
                sender_id=sender,
                idempotency_key=str(key),
            )
        except StoreUnavailable as exc:
            log.error("appeal not saved, draft %s kept: %s", key, exc)
            send(dispatcher, appeal_chat.store_unavailable())
            return []
        send(dispatcher, appeal_chat.receipt(appeal))
        return _clear_draft()


@guarded
class ActionCorrectionMenu(Action):
    """'不对' after the read-back: which answer to change."""

    def name(self) -> str:
        return "action_correction_menu"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        send(dispatcher, appeal_chat.correction_menu())
        return []


@guarded
class ActionStartCorrection(Action):
    """Empty the named answer so ``appeal_form`` asks for it again."""

    def name(self) -> str:
        return "action_start_correction"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if not tracker.get_slot("appeal_draft_id"):
            dispatcher.utter_message(
                text="目前没有正在填写的诉求。需要反映问题请说“我要反映问题”。"
            )
            return [SlotSet("appeal_pending", False)]
        field = next(tracker.get_latest_entity_values("appeal_field"), None)
        field = field if field in FORM_FIELDS else appeal_chat.field_from_text(user_text(tracker))
        if field is None:  # the read-back follows, with a button per answer
            return [SlotSet("appeal_pending", False)]
        # "电话错了，是139…": the new value is applied at once and the read-back follows.
        value = inline_value(field, user_text(tracker))
        return [SlotSet(field, value), SlotSet("appeal_pending", False)]


@guarded
class ActionCancelAppeal(Action):
    """取消 / 算了: drop the draft (or the evaluation) without writing anything."""

    def name(self) -> str:
        return "action_cancel_appeal"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        had = bool(tracker.get_slot("appeal_draft_id") or tracker.get_slot("evaluation_number"))
        send(dispatcher, appeal_chat.cancelled(had_draft=had))
        return [*_clear_draft(), *_clear_evaluation()]


# --- progress ---------------------------------------------------------------------------------


@guarded
class ActionAppealStatus(Action):
    """The sender's appeals, or one by number if it is theirs (else a reply revealing nothing)."""

    def name(self) -> str:
        return "action_appeal_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        channel, sender = sender_of(tracker)
        number = named_number(tracker)
        try:
            service = get_service()
            if number:
                appeal = appeal_chat.appeal_of_sender(service, number, channel, sender)
                answer = (
                    appeal_chat.status_of_sender([appeal])
                    if appeal
                    else appeal_chat.not_found(number)
                )
            else:
                answer = appeal_chat.status_of_sender(service.list_by_sender(channel, sender, 10))
        except StoreUnavailable:
            answer = appeal_chat.lookup_unavailable()
        send(dispatcher, answer)
        return []


# --- evaluation -------------------------------------------------------------------------------


@guarded
class ActionPrepareEvaluation(Action):
    """满意 / 不满意: find the appeal it is about; keep a reason given in the same message."""

    def name(self) -> str:
        return "action_prepare_evaluation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        satisfied = intent == "evaluate_satisfied"
        channel, sender = sender_of(tracker)
        number = named_number(tracker)
        try:
            mine = get_service().list_by_sender(channel, sender)
        except StoreUnavailable:
            send(dispatcher, appeal_chat.lookup_unavailable())
            return _clear_evaluation()
        candidates = appeal_chat.awaiting_evaluation(mine)
        if number:
            candidates = [a for a in candidates if a.number == number]
        if not candidates:
            send(dispatcher, appeal_chat.nothing_to_evaluate())
            return _clear_evaluation()
        if len(candidates) > 1:
            send(dispatcher, appeal_chat.choose_for_evaluation(candidates, satisfied))
            return _clear_evaluation()
        reason = None if satisfied else content_from_opening(user_text(tracker))
        return [
            SlotSet("evaluation_number", candidates[0].number),
            SlotSet("evaluation_satisfied", satisfied),
            SlotSet("evaluation_reason", reason),
        ]


@guarded
class ValidateEvaluationForm(FormValidationAction):
    """Asks for a reason only when the enterprise is unsatisfied and has not given one."""

    def name(self) -> str:
        return "validate_evaluation_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        needs_reason = (
            tracker.get_slot("evaluation_number") is not None
            and tracker.get_slot("evaluation_satisfied") is False
        )
        return domain_slots if needs_reason else []

    def validate_evaluation_reason(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = str(value or "").strip()
        if not text or text.startswith("/"):
            dispatcher.utter_message(text="请用文字说明不满意的原因，或说“取消”。")
            return {"evaluation_reason": None}
        return {"evaluation_reason": text}


@guarded
class ActionSubmitEvaluation(Action):
    """Record the opinion; 不满意 goes back to the 区营商办, who dispatches it again."""

    def name(self) -> str:
        return "action_submit_evaluation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        number = tracker.get_slot("evaluation_number")
        if number is None:  # already answered by action_prepare_evaluation
            return _clear_evaluation()
        satisfied = bool(tracker.get_slot("evaluation_satisfied"))
        reason = tracker.get_slot("evaluation_reason")
        channel, sender = sender_of(tracker)
        try:
            service = get_service()
            appeal: Appeal | None = appeal_chat.appeal_of_sender(service, number, channel, sender)
            if appeal is None or appeal.status not in appeal_chat.AWAITING_EVALUATION:
                send(dispatcher, appeal_chat.nothing_to_evaluate())
                return _clear_evaluation()
            done = appeal_chat.record_evaluation(
                service, appeal, satisfied, reason, actor_of(tracker)
            )
        except StoreUnavailable:
            send(dispatcher, appeal_chat.lookup_unavailable())
            return _clear_evaluation()
        except StoreError as exc:  # e.g. evaluated meanwhile by staff: nothing changed
            log.warning("evaluation of %s not recorded: %s", number, exc)
            send(dispatcher, appeal_chat.nothing_to_evaluate())
            return _clear_evaluation()
        send(dispatcher, appeal_chat.evaluation_recorded(done, satisfied))
        return _clear_evaluation()
