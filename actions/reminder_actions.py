"""Proactive reminders and subscriptions in chat: thin adapters to ``bot.reminders``.

``action_remind_evaluation`` answers ``remind_evaluation``, which the scheduler triggers through
Rasa's HTTP API when a unit has responded (the appeal number comes as an entity) and which a user
may also say ('我要评价'). Its buttons are the evaluation intents, so 满意 / 不满意 drive the
state machine in place. ``action_subscribe`` / ``action_unsubscribe`` keep the opt-in for the
scheme notices in the store.
"""

from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.conversation import named_number, sender_of
from actions.guard import guarded
from actions.rendering import send
from actions.store_access import get_service
from bot import appeal_chat
from bot.reminders import chat
from bot.reminders.store import ReminderStore
from bot.store import Appeal, StoreUnavailable
from bot.store.service import utc_now
from bot.workdays import local_date

log = logging.getLogger(__name__)


@guarded
class ActionRemindEvaluation(Action):
    """Ask 满意 / 不满意 about the responded appeal(s) of this sender, naming each."""

    def name(self) -> str:
        return "action_remind_evaluation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        channel, sender = sender_of(tracker)
        number = named_number(tracker)
        try:
            service = get_service()
            mine: list[Appeal] = list(service.list_by_sender(channel, sender))
            if number and all(a.number != number for a in mine):
                # The scheduler's trigger may reach a conversation whose list above missed the
                # appeal (e.g. more than the list holds): accept it only if this sender on this
                # channel filed it, as the status answer does.
                named = appeal_chat.appeal_of_sender(service, number, channel, sender)
                if named is not None:
                    mine.append(named)
        except StoreUnavailable:
            send(dispatcher, appeal_chat.lookup_unavailable())
            return []
        send(dispatcher, chat.evaluation_request(chat.awaiting(mine, number)))
        return []


@guarded
class ActionSubscribe(Action):
    """订阅通知: opt this chat user in to the scheme notices and say what will be sent."""

    def name(self) -> str:
        return "action_subscribe"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        channel, sender = sender_of(tracker)
        now = utc_now()
        try:
            store = ReminderStore(get_service().engine)
            was = store.set_subscribed(channel, sender, True, now)
        except StoreUnavailable:
            send(dispatcher, appeal_chat.lookup_unavailable())
            return []
        send(dispatcher, chat.subscribed(was, local_date(now)))
        return []


@guarded
class ActionUnsubscribe(Action):
    """退订: opt out; pending notices to this user are cancelled before delivery."""

    def name(self) -> str:
        return "action_unsubscribe"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        channel, sender = sender_of(tracker)
        try:
            store = ReminderStore(get_service().engine)
            was = store.set_subscribed(channel, sender, False, utc_now())
        except StoreUnavailable:
            send(dispatcher, appeal_chat.lookup_unavailable())
            return []
        send(dispatcher, chat.unsubscribed(was))
        return []
