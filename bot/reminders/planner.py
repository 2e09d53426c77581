"""Turn the appeals, the subscriptions and the rules into reminder rows, at a given instant.

Why recompute instead of scheduling at write time: the appeal service, the console and the chat
all change appeals; deriving reminders from the appeals' current state on each pass needs no hook
in any of them, and a scheduler that was down simply finds, on its next pass, what is still
relevant (each row says until when: ``expires_at``). Rows already planned are skipped in SQL.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine, Row

from bot.answers import primary_contact
from bot.knowledge import KnowledgeBase
from bot.reminders.delivery import STAFF_TELEGRAM, UNROUTED
from bot.reminders.milestones import scheme_periods
from bot.reminders.rules import Audience, Rule, RuleSet, Trigger
from bot.reminders.staff import StaffDirectory, load_directory
from bot.reminders.store import Planned, ReminderStore, not_planned
from bot.reminders.window import Window
from bot.store.errors import StoreError, unavailable_as_store_error
from bot.store.lifecycle import Status
from bot.store.models import appeals, reminders, subscriptions
from bot.store.policy import AppealPolicy, policy_from_knowledge
from bot.workdays import (
    add_working_days,
    counts_as_workday,
    deadline_date,
    end_of_day,
    local_date,
)

log = logging.getLogger(__name__)

RuleError = Callable[[str, Exception], object]  # (rule id, error): log and count it

# After this many new rows, the database's statistics are refreshed at once: a planner that
# believes ``reminders`` is still small picks nested-loop scans for the NOT EXISTS checks, which
# makes the next passes quadratic until autovacuum catches up.
REFRESH_STATISTICS_AFTER = 1000
DEFAULT_CONSOLE_URL = "http://127.0.0.1:8080"  # the console's default address (CONSOLE_PORT)
CONTENT_CHARS = 200  # of an appeal's text in a staff message; the link shows it all
HANDLING = (Status.DISPATCHED.value, Status.IN_PROGRESS.value)
FINISHED = (Status.CLOSED.value, Status.REVISITED.value)
_COLUMNS = [
    appeals.c.id,
    appeals.c.number,
    appeals.c.enterprise,
    appeals.c.content,
    appeals.c.channel,
    appeals.c.sender_id,
    appeals.c.status,
    appeals.c.unit_id,
    appeals.c.category,
    appeals.c.time_limit_days,
    appeals.c.round,
    appeals.c.dispatched_at,
    appeals.c.received_at,
    appeals.c.dispatch_due,
    appeals.c.handling_due,
    appeals.c.dispatch_due_provisional_year,
    appeals.c.handling_due_provisional_year,
    appeals.c.responded_at,
    appeals.c.promised_date,
    appeals.c.closed_at,
]


def _day(value: date | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


def previous_workday(day: date) -> date:
    """The last working day strictly before ``day``."""
    current = day - timedelta(days=1)
    while not counts_as_workday(current):
        current -= timedelta(days=1)
    return current


def workday_on_or_before(day: date) -> date:
    return day if counts_as_workday(day) else previous_workday(day)


@dataclass
class Planner:
    """One planning pass per call of :meth:`plan`."""

    rules: RuleSet
    kb: KnowledgeBase
    window: Window
    staff: StaffDirectory
    console_url: str = DEFAULT_CONSOLE_URL
    policy: AppealPolicy | None = None  # category labels; default: the knowledge base's

    def __post_init__(self) -> None:
        """Read every scheme's milestone dates now: an unreadable date stops start-up."""
        if self.policy is None:
            self.policy = policy_from_knowledge(self.kb)
        self.console_url = self.console_url.rstrip("/")
        for rule in self.rules.rules:
            if rule.scheme is not None:
                scheme_periods(self.kb, rule.scheme)

    def plan(self, engine: Engine, now: datetime, on_error: RuleError | None = None) -> int:
        """Insert every reminder due by ``now`` that is not planned yet; returns how many.

        A rule that raises (anything but the store being down) is handed to ``on_error`` and
        the other rules are still planned; without ``on_error`` it propagates."""
        store = ReminderStore(engine)
        created = 0
        with unavailable_as_store_error(), engine.connect() as conn:
            directory = load_directory(conn, self.staff)
        for rule in self.rules.rules:
            try:
                # One connection per rule: a failed statement cannot poison the next rule's.
                with unavailable_as_store_error(), engine.connect() as conn:
                    batch = list(self._rule(conn, rule, now, directory))
                created += store.add(batch, now)
            except StoreError:
                raise
            except Exception as exc:
                if on_error is None:
                    raise
                on_error(rule.id, exc)
        if created >= REFRESH_STATISTICS_AFTER:
            store.refresh_statistics()
        return created

    # ------------------------------------------------------------------ per rule

    def _rule(
        self, conn: Connection, rule: Rule, now: datetime, directory: StaffDirectory
    ) -> Iterator[Planned]:
        planners: dict[Trigger, Callable[..., Iterator[Planned]]] = {
            Trigger.DISPATCHED: self._dispatched,
            Trigger.NOT_DISPATCHED: self._not_dispatched,
            Trigger.HANDLING_DUE_NEXT_WORKING_DAY: self._due_next_working_day,
            Trigger.HANDLING_OVERDUE: self._overdue,
            Trigger.RESPONDED: self._responded,
            Trigger.PROMISED_DATE: self._promised,
            Trigger.CLOSED: self._closed,
            Trigger.SCHEME_MILESTONES: self._milestones,
        }
        return planners[rule.trigger](conn, rule, now, directory)

    def _select(self, conn: Connection, rule: Rule, occurrence: Any, *conditions: Any) -> list[Row]:
        stmt = select(*_COLUMNS).where(
            *conditions, not_planned(rule.id, occurrence, appeal_id=appeals.c.id)
        )
        return list(conn.execute(stmt))

    def _dispatched(
        self, conn: Connection, rule: Rule, now: datetime, directory: StaffDirectory
    ) -> Iterator[Planned]:
        a = appeals.c
        occurrence = "r" + a.round.cast(reminders.c.occurrence.type)
        for row in self._select(conn, rule, occurrence, a.status == Status.DISPATCHED.value):
            due_at = row.dispatched_at
            expires_at = self._valid_until(due_at, rule)
            if due_at <= now and (expires_at is None or now < expires_at):
                occ = f"r{row.round}"
                yield from self._to_staff(rule, row, occ, due_at, expires_at, directory)

    def _not_dispatched(
        self, conn: Connection, rule: Rule, now: datetime, directory: StaffDirectory
    ) -> Iterator[Planned]:
        a = appeals.c
        for row in self._select(
            conn, rule, "-", a.status == Status.SUBMITTED.value, a.dispatch_due <= now
        ):
            yield from self._to_staff(rule, row, "-", row.dispatch_due, None, directory)

    def _due_next_working_day(
        self, conn: Connection, rule: Rule, now: datetime, directory: StaffDirectory
    ) -> Iterator[Planned]:
        a = appeals.c
        horizon = end_of_day(add_working_days(local_date(now), 1))
        occurrence = "r" + a.round.cast(reminders.c.occurrence.type)
        rows = self._select(
            conn,
            rule,
            occurrence,
            a.status.in_(HANDLING),
            a.handling_due > now,
            a.handling_due <= horizon,
        )
        for row in rows:
            remind_day = previous_workday(deadline_date(row.handling_due))
            due_at, expires_at = self.window.opens(remind_day), end_of_day(remind_day)
            if due_at <= now < expires_at:
                occ = f"r{row.round}"
                yield from self._to_staff(rule, row, occ, due_at, expires_at, directory)

    def _overdue(
        self, conn: Connection, rule: Rule, now: datetime, directory: StaffDirectory
    ) -> Iterator[Planned]:
        today = local_date(now)
        if not counts_as_workday(today):
            return
        due_at = self.window.opens(today)
        if now < due_at:
            return
        a = appeals.c
        rows = self._select(
            conn, rule, today.isoformat(), a.status.in_(HANDLING), a.handling_due <= now
        )
        for row in rows:
            yield from self._to_staff(
                rule, row, today.isoformat(), due_at, end_of_day(today), directory
            )

    def _responded(
        self, conn: Connection, rule: Rule, now: datetime, directory: StaffDirectory
    ) -> Iterator[Planned]:
        a = appeals.c
        occurrence = "r" + a.round.cast(reminders.c.occurrence.type)
        for row in self._select(
            conn, rule, occurrence, a.status == Status.RESPONDED.value, *self._chat(a)
        ):
            due_at = self._after(row.responded_at, rule)
            expires_at = self._valid_until(due_at, rule)
            if due_at <= now and (expires_at is None or now < expires_at):
                yield self._to_enterprise(rule, row, f"r{row.round}", due_at, expires_at)

    def _promised(
        self, conn: Connection, rule: Rule, now: datetime, directory: StaffDirectory
    ) -> Iterator[Planned]:
        today = local_date(now)
        a = appeals.c
        rows = self._select(
            conn,
            rule,
            a.promised_date.cast(reminders.c.occurrence.type),
            a.promised_date >= today,
            a.promised_date <= today + timedelta(days=31),
            a.status.not_in(FINISHED),
            *self._chat(a),
        )
        for row in rows:
            remind_day = workday_on_or_before(row.promised_date)
            due_at, expires_at = self.window.opens(remind_day), end_of_day(row.promised_date)
            if remind_day <= today and due_at <= now < expires_at:
                occ = row.promised_date.isoformat()
                yield self._to_enterprise(rule, row, occ, due_at, expires_at)

    def _closed(
        self, conn: Connection, rule: Rule, now: datetime, directory: StaffDirectory
    ) -> Iterator[Planned]:
        a = appeals.c
        for row in self._select(conn, rule, "-", a.status == Status.CLOSED.value, *self._chat(a)):
            due_at = self._after(row.closed_at, rule)
            expires_at = self._valid_until(due_at, rule)
            if due_at <= now and (expires_at is None or now < expires_at):
                yield self._to_enterprise(rule, row, "-", due_at, expires_at)

    def _milestones(
        self, conn: Connection, rule: Rule, now: datetime, directory: StaffDirectory
    ) -> Iterator[Planned]:
        assert rule.scheme is not None and rule.text is not None  # checked at load
        today = local_date(now)
        scheme = self.kb.schemes[rule.scheme]
        for period in scheme_periods(self.kb, rule.scheme):
            if not period.first <= today <= period.last:
                continue
            first_day = period.first
            if self.rules.delivery_window.working_days_only:
                first_day = add_working_days(period.first, 0)
            due_at = self.window.opens(first_day)
            if now < due_at:
                continue
            subject = f"milestones:{rule.scheme}:{period.key}"
            text = rule.text.format(
                scheme=scheme.name,
                period=period.label,
                milestones="\n".join(f"{i}. {m}" for i, m in enumerate(period.milestones, 1)),
                hotline=primary_contact(self.kb),
            )
            s = subscriptions.c
            rows = conn.execute(
                select(s.id, s.channel, s.sender_id).where(
                    s.subscribed.is_(True),
                    s.channel.in_(self.rules.chat_channels),
                    # matches the unique key (kind, subject, occurrence, recipient) in full
                    not_planned(
                        rule.id,
                        period.key,
                        reminders.c.recipient == s.channel + ":" + s.sender_id,
                        subject=subject,
                    ),
                )
            )
            for sub in rows:
                yield Planned(
                    kind=rule.id,
                    subject=subject,
                    occurrence=period.key,
                    channel=sub.channel,
                    sender_id=sub.sender_id,
                    payload={"text": text},
                    due_at=due_at,
                    next_attempt_at=self.window.next_open(max(due_at, now)),
                    expires_at=end_of_day(period.last),
                    subscription_id=sub.id,
                )

    # ------------------------------------------------------------------ helpers

    def _chat(self, a: Any) -> list[Any]:
        """Conditions: the appeal was filed in a chat channel by a known sender."""
        return [a.channel.in_(self.rules.chat_channels), a.sender_id.is_not(None)]

    def _after(self, moment: datetime, rule: Rule) -> datetime:
        if not rule.after_working_days:
            return moment
        return self.window.opens(add_working_days(local_date(moment), rule.after_working_days))

    @staticmethod
    def _valid_until(due_at: datetime, rule: Rule) -> datetime | None:
        if rule.valid_working_days is None:
            return None
        return end_of_day(add_working_days(local_date(due_at), rule.valid_working_days))

    def _fields(self, row: Row) -> dict[str, str]:
        unit = self.kb.units.get(row.unit_id) if row.unit_id else None
        due = row.handling_due if row.status in HANDLING else row.dispatch_due
        provisional = (
            row.handling_due_provisional_year
            if row.status in HANDLING
            else row.dispatch_due_provisional_year
        )
        due_text = _day(deadline_date(due)) if due else ""
        if due and provisional:  # never state a reckoned date as certain
            due_text += f"（暂按周末推算，待录入{provisional}年节假日安排）"
        assert self.policy is not None  # set in __post_init__
        content = row.content if len(row.content) <= CONTENT_CHARS else row.content[:CONTENT_CHARS]
        return {
            "number": row.number,
            "enterprise": row.enterprise,
            "content": content,
            "category": self.policy.label_for(row.category) if row.category else "",
            "days": str(row.time_limit_days or ""),
            "link": f"{self.console_url}/appeals/{row.number}",
            "unit": unit.name if unit else (row.unit_id or ""),
            "received": _day(local_date(row.received_at)),
            "due": due_text,
            "promised": _day(row.promised_date),
            "hotline": primary_contact(self.kb),
        }

    def _to_staff(
        self,
        rule: Rule,
        row: Row,
        occurrence: str,
        due_at: datetime,
        expires_at: datetime | None,
        directory: StaffDirectory,
    ) -> Iterator[Planned]:
        assert rule.text is not None
        text = rule.text.format(**self._fields(row))
        if rule.audience is Audience.COORDINATORS:
            chats, group = directory.coordinators, "coordinators"
        else:
            chats, group = directory.for_unit(row.unit_id), f"unit:{row.unit_id}"
        targets = [(STAFF_TELEGRAM, chat) for chat in chats] or [(UNROUTED, group)]
        if not chats:
            log.warning("reminder %s for %s: no Telegram chat configured", rule.id, group)
        for channel, chat in targets:
            yield Planned(
                kind=rule.id,
                subject=f"appeal:{row.id}",
                occurrence=occurrence,
                channel=channel,
                sender_id=chat,
                payload={"text": text},
                due_at=due_at,
                next_attempt_at=self.window.next_open(due_at),
                expires_at=expires_at,
                appeal_id=row.id,
                round=row.round,
            )

    def _to_enterprise(
        self,
        rule: Rule,
        row: Row,
        occurrence: str,
        due_at: datetime,
        expires_at: datetime | None,
    ) -> Planned:
        payload: dict[str, Any]
        if rule.intent is not None:
            payload = {"intent": rule.intent, "entities": {"appeal_number": row.number}}
        else:
            assert rule.text is not None
            payload = {"text": rule.text.format(**self._fields(row))}
        return Planned(
            kind=rule.id,
            subject=f"appeal:{row.id}",
            occurrence=occurrence,
            channel=row.channel,
            sender_id=row.sender_id,
            payload=payload,
            due_at=due_at,
            next_attempt_at=self.window.next_open(due_at),
            expires_at=expires_at,
            appeal_id=row.id,
            round=row.round,
        )
