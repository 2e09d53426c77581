"""Is a claimed reminder still worth sending? Checked just before delivery.

Why again at send time: between planning and delivery (held to the next window, retried after a
failure, or caught up after downtime) the appeal may have moved on — dispatched, responded,
evaluated — or the user may have unsubscribed. Sending then would be wrong, so it is cancelled
with the reason recorded.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from bot.reminders.rules import Rule, Trigger
from bot.reminders.store import Reminder
from bot.store.lifecycle import Status
from bot.store.models import appeals, subscriptions

_HANDLING = {Status.DISPATCHED.value, Status.IN_PROGRESS.value}
_FINISHED = {Status.CLOSED.value, Status.REVISITED.value}


def _appeal_reason(trigger: Trigger, reminder: Reminder, row: Mapping[str, Any]) -> str | None:
    status, same_round = row["status"], row["round"] == reminder.round
    if trigger is Trigger.DISPATCHED:  # taken up or moved on meanwhile: the notice is moot
        return None if status == Status.DISPATCHED.value and same_round else f"appeal is {status}"
    if trigger is Trigger.NOT_DISPATCHED:
        return None if status == Status.SUBMITTED.value else f"appeal is {status}"
    if trigger in (Trigger.HANDLING_DUE_NEXT_WORKING_DAY, Trigger.HANDLING_OVERDUE):
        return None if status in _HANDLING and same_round else f"appeal is {status}"
    if trigger is Trigger.RESPONDED:
        return None if status == Status.RESPONDED.value and same_round else f"appeal is {status}"
    if trigger is Trigger.PROMISED_DATE:
        promised = row["promised_date"]
        if status in _FINISHED or promised is None or promised.isoformat() != reminder.occurrence:
            return f"appeal is {status}, promise {promised}"
        return None
    if trigger is Trigger.CLOSED:
        return None if status == Status.CLOSED.value else f"appeal is {status}"
    return None


def why_not(conn: Connection, rule: Rule, reminder: Reminder) -> str | None:
    """None if ``reminder`` should still be sent, else the reason to cancel it."""
    if reminder.subscription_id is not None:
        subscribed = conn.execute(
            select(subscriptions.c.subscribed).where(subscriptions.c.id == reminder.subscription_id)
        ).scalar()
        return None if subscribed else "unsubscribed"
    if reminder.appeal_id is None:
        return None
    row = conn.execute(select(appeals).where(appeals.c.id == reminder.appeal_id)).mappings().first()
    if row is None:
        return "appeal no longer exists"
    return _appeal_reason(rule.trigger, reminder, row)
