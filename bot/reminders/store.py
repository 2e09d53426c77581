"""The durable schedule: reminder rows and chat subscriptions in the appeal store's database.

Why in the database: Rasa's own reminders live in one server's memory and vanish on restart.
Here a reminder is a row, created once (a unique key on rule, subject, occurrence and recipient),
claimed by one scheduler (``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL; the store's
``BEGIN IMMEDIATE`` on SQLite), and marked sent, retried or failed in the same database, so a
restart loses nothing and two schedulers never send the same reminder twice.

A claim is a lease: a scheduler that dies mid-delivery leaves a claim that another takes over
after ``claim_lease_seconds``. The one case that can repeat a message is a crash between the
channel accepting it and the row being marked sent.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from bot.store.errors import unavailable_as_store_error
from bot.store.models import reminder_incidents, reminders, subscriptions

PENDING, SENT, FAILED, CANCELLED, EXPIRED = "pending", "sent", "failed", "cancelled", "expired"


@dataclass(frozen=True)
class Planned:
    """A reminder the planner wants to exist (inserted once; repeats are ignored)."""

    kind: str
    subject: str
    occurrence: str
    channel: str
    sender_id: str
    payload: dict[str, Any]
    due_at: datetime
    next_attempt_at: datetime
    expires_at: datetime | None = None
    appeal_id: int | None = None
    round: int | None = None
    subscription_id: int | None = None

    @property
    def recipient(self) -> str:
        return f"{self.channel}:{self.sender_id}"


@dataclass(frozen=True)
class Reminder:
    """One row of the schedule, as callers see it."""

    id: int
    kind: str
    subject: str
    occurrence: str
    recipient: str
    channel: str
    sender_id: str
    appeal_id: int | None
    subscription_id: int | None
    round: int | None
    payload: dict[str, Any]
    status: str
    due_at: datetime
    expires_at: datetime | None
    next_attempt_at: datetime
    claimed_by: str | None
    claimed_at: datetime | None
    sent_at: datetime | None
    attempts: int
    last_error: str | None


def _reminder(row: Any) -> Reminder:
    values = dict(row._mapping)
    values["payload"] = json.loads(values["payload"] or "{}")
    for name in ("created_at", "updated_at"):
        values.pop(name, None)
    return Reminder(**values)


def _insert_ignoring_duplicates(conn: Connection) -> Any:
    """INSERT that skips rows whose unique key exists (a racing planner inserted them first)."""
    name = conn.dialect.name
    if name == "postgresql":
        return postgresql.insert(reminders).on_conflict_do_nothing()
    if name == "sqlite":
        return sqlite.insert(reminders).on_conflict_do_nothing()
    return insert(reminders).prefix_with("IGNORE")  # pragma: no cover - other backends


class ReminderStore:
    """Rows of ``reminders`` and ``subscriptions``; every method is one short transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # ------------------------------------------------------------------ planning

    def add(self, planned: Iterable[Planned], now: datetime) -> int:
        """Create the reminders not created yet; returns how many rows were new."""
        rows = [
            {
                "kind": p.kind,
                "subject": p.subject,
                "occurrence": p.occurrence,
                "recipient": p.recipient,
                "channel": p.channel,
                "sender_id": p.sender_id,
                "appeal_id": p.appeal_id,
                "subscription_id": p.subscription_id,
                "round": p.round,
                "payload": json.dumps(p.payload, ensure_ascii=False, sort_keys=True),
                "status": PENDING,
                "due_at": p.due_at,
                "expires_at": p.expires_at,
                "next_attempt_at": p.next_attempt_at,
                "claimed_by": None,
                "claimed_at": None,
                "sent_at": None,
                "attempts": 0,
                "last_error": None,
                "created_at": now,
                "updated_at": now,
            }
            for p in planned
        ]
        if not rows:
            return 0
        with unavailable_as_store_error(), self.engine.begin() as conn:
            before = conn.execute(select(func.count()).select_from(reminders)).scalar_one()
            conn.execute(_insert_ignoring_duplicates(conn), rows)
            after = conn.execute(select(func.count()).select_from(reminders)).scalar_one()
        return int(after - before)

    def refresh_statistics(self) -> None:
        """ANALYZE the schedule after a bulk insert (see planner.REFRESH_STATISTICS_AFTER)."""
        with unavailable_as_store_error(), self.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE reminders")

    # ------------------------------------------------------------------ claiming

    def expire(self, now: datetime) -> int:
        """Pending reminders past their relevance (e.g. a day's overdue notice) are expired."""
        with unavailable_as_store_error(), self.engine.begin() as conn:
            result = conn.execute(
                update(reminders)
                .where(
                    reminders.c.status == PENDING,
                    reminders.c.expires_at.is_not(None),
                    reminders.c.expires_at <= now,
                )
                .values(status=EXPIRED, claimed_by=None, claimed_at=None, updated_at=now)
            )
            return int(result.rowcount or 0)

    def claim(self, worker: str, now: datetime, lease: timedelta, limit: int) -> list[Reminder]:
        """Take up to ``limit`` due reminders for ``worker``; no other worker gets them until
        they are settled or the lease runs out."""
        r = reminders.c
        due = (
            select(r.id)
            .where(
                r.status == PENDING,
                r.next_attempt_at <= now,
                or_(r.claimed_at.is_(None), r.claimed_at <= now - lease),
            )
            .order_by(r.next_attempt_at, r.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        with unavailable_as_store_error(), self.engine.begin() as conn:
            ids = list(conn.execute(due).scalars())
            if not ids:
                return []
            conn.execute(
                update(reminders)
                .where(r.id.in_(ids))
                .values(claimed_by=worker, claimed_at=now, updated_at=now)
            )
            rows = conn.execute(select(reminders).where(r.id.in_(ids)).order_by(r.id))
            return [_reminder(row) for row in rows]

    def renew(self, reminder_id: int, worker: str, now: datetime) -> bool:
        """Re-check and extend this worker's claim just before sending: False if another
        scheduler took it over (the lease ran out during a slow batch) or it was settled."""
        r = reminders.c
        with unavailable_as_store_error(), self.engine.begin() as conn:
            result = conn.execute(
                update(reminders)
                .where(r.id == reminder_id, r.claimed_by == worker, r.status == PENDING)
                .values(claimed_at=now, updated_at=now)
            )
            return bool(result.rowcount)

    def release(self, reminder_ids: Sequence[int], worker: str, now: datetime) -> int:
        """Give back claims not used (the window closed mid-batch): due again next window."""
        if not reminder_ids:
            return 0
        r = reminders.c
        with unavailable_as_store_error(), self.engine.begin() as conn:
            result = conn.execute(
                update(reminders)
                .where(r.id.in_(list(reminder_ids)), r.claimed_by == worker, r.status == PENDING)
                .values(claimed_by=None, claimed_at=None, updated_at=now)
            )
            return int(result.rowcount or 0)

    def _settle(self, reminder_id: int, worker: str, **values: Any) -> bool:
        """Update a reminder this worker still holds; False if the claim was lost."""
        r = reminders.c
        with unavailable_as_store_error(), self.engine.begin() as conn:
            result = conn.execute(
                update(reminders)
                .where(r.id == reminder_id, r.claimed_by == worker, r.status == PENDING)
                .values(claimed_by=None, claimed_at=None, **values)
            )
            return bool(result.rowcount)

    def mark_sent(self, reminder_id: int, worker: str, now: datetime) -> bool:
        return self._settle(
            reminder_id,
            worker,
            status=SENT,
            sent_at=now,
            attempts=reminders.c.attempts + 1,
            updated_at=now,
        )

    def mark_failed(
        self,
        reminder: Reminder,
        worker: str,
        now: datetime,
        error: str,
        retry_at: datetime | None,
    ) -> bool:
        """Record a failed attempt: retried at ``retry_at``, or failed for good if None."""
        values: dict[str, Any] = {
            "attempts": reminders.c.attempts + 1,
            "last_error": error[:2000],
            "updated_at": now,
        }
        if retry_at is None:
            values["status"] = FAILED
        else:
            values["next_attempt_at"] = retry_at
        return self._settle(reminder.id, worker, **values)

    def cancel(self, reminder_id: int, worker: str, now: datetime, why: str) -> bool:
        """No longer relevant (the appeal moved on, the user unsubscribed)."""
        return self._settle(reminder_id, worker, status=CANCELLED, last_error=why, updated_at=now)

    def expire_one(self, reminder_id: int, worker: str, now: datetime) -> bool:
        return self._settle(reminder_id, worker, status=EXPIRED, updated_at=now)

    def retry(self, reminder_id: int, now: datetime) -> bool:
        """Put a failed reminder back in the queue (an operator fixed the cause)."""
        with unavailable_as_store_error(), self.engine.begin() as conn:
            result = conn.execute(
                update(reminders)
                .where(reminders.c.id == reminder_id, reminders.c.status == FAILED)
                .values(status=PENDING, attempts=0, next_attempt_at=now, updated_at=now)
            )
            return bool(result.rowcount)

    # ------------------------------------------------------------------ reading

    def list(
        self, statuses: Sequence[str] | None = None, limit: int | None = 100
    ) -> list[Reminder]:
        """Reminders, next due first (the CLI's and the console's view)."""
        stmt = select(reminders)
        if statuses:
            stmt = stmt.where(reminders.c.status.in_(list(statuses)))
        stmt = stmt.order_by(reminders.c.next_attempt_at, reminders.c.id).limit(limit)
        with unavailable_as_store_error(), self.engine.connect() as conn:
            return [_reminder(row) for row in conn.execute(stmt)]

    def counts(self) -> dict[str, int]:
        """How many reminders are in each status."""
        stmt = select(reminders.c.status, func.count()).group_by(reminders.c.status)
        with unavailable_as_store_error(), self.engine.connect() as conn:
            return {status: int(n) for status, n in conn.execute(stmt)}

    # ------------------------------------------------------------------ incidents

    def record_incident(
        self, at: datetime, reference: str, scope: str, subject: str, error: str
    ) -> None:
        """Keep one survived failure of the scheduler (the console counts them)."""
        row = {
            "at": at,
            "reference": reference,
            "scope": scope,
            "subject": subject[:100],
            "error": error[:2000],
        }
        with unavailable_as_store_error(), self.engine.begin() as conn:
            conn.execute(insert(reminder_incidents).values(**row))

    def incidents(self, since: datetime, limit: int = 20) -> tuple[int, Sequence[Any]]:
        """How many incidents since ``since``, and the newest ``limit`` of them."""
        i = reminder_incidents.c
        with unavailable_as_store_error(), self.engine.connect() as conn:
            count = conn.execute(
                select(func.count()).select_from(reminder_incidents).where(i.at >= since)
            ).scalar_one()
            rows = conn.execute(select(reminder_incidents).order_by(i.id.desc()).limit(limit)).all()
        return int(count), tuple(rows)

    # ------------------------------------------------------------------ subscriptions

    def set_subscribed(self, channel: str, sender_id: str, subscribed: bool, now: datetime) -> bool:
        """Opt a chat user in or out; returns the previous state (False if never subscribed)."""
        s = subscriptions.c
        with unavailable_as_store_error(), self.engine.begin() as conn:
            row = conn.execute(
                select(subscriptions)
                .where(s.channel == channel, s.sender_id == sender_id)
                .with_for_update()
            ).first()
            if row is None:
                stmt = (
                    postgresql.insert(subscriptions)
                    if conn.dialect.name == "postgresql"
                    else sqlite.insert(subscriptions)
                )
                conn.execute(
                    stmt.on_conflict_do_update(
                        index_elements=["channel", "sender_id"],
                        set_={"subscribed": subscribed, "updated_at": now},
                    ),
                    {
                        "channel": channel,
                        "sender_id": sender_id,
                        "subscribed": subscribed,
                        "created_at": now,
                        "updated_at": now,
                    },
                )
                return False
            conn.execute(
                update(subscriptions)
                .where(s.id == row.id)
                .values(subscribed=subscribed, updated_at=now)
            )
            return bool(row.subscribed)

    def is_subscribed(self, channel: str, sender_id: str) -> bool:
        s = subscriptions.c
        stmt = select(s.subscribed).where(s.channel == channel, s.sender_id == sender_id)
        with unavailable_as_store_error(), self.engine.connect() as conn:
            return bool(conn.execute(stmt).scalar())


def not_planned(
    kind: str, occurrence: Any, *extra: Any, appeal_id: Any = None, subject: Any = None
) -> Any:
    """SQL condition: no reminder of ``kind`` for this appeal (or subject) and occurrence yet."""
    r = reminders.c
    conditions = [r.kind == kind, r.occurrence == occurrence, *extra]
    if appeal_id is not None:
        conditions.append(r.appeal_id == appeal_id)
    if subject is not None:
        conditions.append(r.subject == subject)
    return ~select(r.id).where(and_(*conditions)).exists()
