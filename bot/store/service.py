"""The appeal service: the one API the chat actions, the staff console and the reminders use.

Each call is one short transaction. Transitions lock the appeal row (``SELECT ... FOR UPDATE`` on
PostgreSQL; ``BEGIN IMMEDIATE`` on SQLite), check the lifecycle table, update the row and append
the event in that same transaction, so two concurrent steps cannot both succeed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.exc import IntegrityError

from bot.store import numbering
from bot.store.engine import make_engine
from bot.store.errors import (
    AppealNotFound,
    InvalidInput,
    StoreError,
    translate_errors,
    unavailable_as_store_error,
)
from bot.store.lifecycle import INITIAL_STATUS, Action, Status, next_status
from bot.store.models import appeal_events, appeals, units
from bot.store.policy import AppealPolicy, Unit, default_policy
from bot.store.records import (
    Appeal,
    AppealEvent,
    OverdueReport,
    UnitMonthlyStats,
    appeal_from_row,
    event_from_row,
)
from bot.store.stats import monthly_stats as _monthly_stats
from bot.workdays import deadline_checked, local_date

log = logging.getLogger(__name__)

# Built once: the hot path (create) then skips statement construction and cache-key work.
_INSERT_APPEAL = insert(appeals)
_INSERT_EVENT = insert(appeal_events)
_EMPTY_APPEAL: dict[str, Any] = {c.name: None for c in appeals.columns if c.name != "id"}

Clock = Callable[[], datetime]
Changes = Callable[[Connection, Row, datetime], dict[str, Any]]


def utc_now() -> datetime:
    """The real clock."""
    return datetime.now(timezone.utc)


def _required(value: str | None, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(f"{what} must not be empty")
    return text


def _statuses(values: Iterable[Status | str] | None) -> list[str] | None:
    if values is None:
        return None
    try:
        return [Status(v).value for v in values]
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


class AppealService:
    """Create, move through the lifecycle, look up and report on appeals."""

    def __init__(
        self,
        engine_or_url: Engine | str | None = None,
        policy: AppealPolicy | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._owns_engine = not isinstance(engine_or_url, Engine)
        self.engine: Engine = (
            engine_or_url if isinstance(engine_or_url, Engine) else make_engine(engine_or_url)
        )
        self.policy = policy if policy is not None else default_policy()
        self._clock = clock or utc_now

    def dispose(self) -> None:
        """Release the connection pool if this service created the engine (``close`` is 销号)."""
        if self._owns_engine:
            self.engine.dispose()

    # ------------------------------------------------------------------ helpers

    def _now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None or now.utcoffset() is None:
            raise InvalidInput("the clock must return timezone-aware datetimes")
        return now.astimezone(timezone.utc)

    @staticmethod
    def _fetch(conn: Connection, number: str, *, lock: bool = False) -> Row:
        stmt = select(appeals).where(appeals.c.number == numbering.normalize_number(number))
        row = conn.execute(stmt.with_for_update() if lock else stmt).first()
        if row is None:
            raise AppealNotFound(number)
        return row

    @staticmethod
    def _reload(conn: Connection, appeal_id: int) -> Appeal:
        row = conn.execute(select(appeals).where(appeals.c.id == appeal_id)).mappings().one()
        return appeal_from_row(row)

    @staticmethod
    def _log(conn: Connection, appeal_id: int, **values: Any) -> None:
        conn.execute(_INSERT_EVENT, {"appeal_id": appeal_id, **values})

    def _transition(
        self, number: str, action: Action, actor: str, note: str | None, changes: Changes
    ) -> Appeal:
        actor = _required(actor, "actor")
        now = self._now()
        with self.engine.begin() as conn:
            row = self._fetch(conn, number, lock=True)
            row = self._step(conn, row, action, actor, note, changes, now)
            return self._reload(conn, row.id)

    def _step(
        self,
        conn: Connection,
        row: Row,
        action: Action,
        actor: str,
        note: str | None,
        changes: Changes,
        now: datetime,
    ) -> Row:
        """One step of the lifecycle table on ``row``, locked in ``conn``'s transaction: the
        row updated and the event logged; returns the row as it is now."""
        source = Status(row.status)
        target = next_status(row.number, action, source)
        values = changes(conn, row, now)
        values.update(status=target.value, version=row.version + 1, updated_at=now)
        result = conn.execute(
            update(appeals)
            .where(appeals.c.id == row.id, appeals.c.version == row.version)
            .values(**values)
        )
        if result.rowcount != 1:  # cannot happen under the row lock; never write blindly
            raise StoreError(f"appeal {row.number} changed concurrently; retry")
        self._log(
            conn,
            row.id,
            at=now,
            actor=actor,
            action=action.value,
            from_status=source.value,
            to_status=target.value,
            note=note,
            round=values.get("round", row.round),
            unit_id=values.get("unit_id", row.unit_id),
        )
        return conn.execute(select(appeals).where(appeals.c.id == row.id)).one()

    # ------------------------------------------------------------------ units

    @translate_errors
    def sync_units(self) -> None:
        """Make the units table match the policy: new units added, names updated, units no
        longer listed deactivated (kept for history). Safe when several processes start at once."""
        for attempt in range(2):
            try:
                self._sync_units_once()
                return
            except IntegrityError:  # another process inserted the same unit first: look again
                if attempt:
                    raise

    def _sync_units_once(self) -> None:
        wanted = {unit.id: unit.name for unit in self.policy.units}
        with self.engine.begin() as conn:
            existing = {r.id: r for r in conn.execute(select(units))}
            for unit_id, name in wanted.items():
                if unit_id not in existing:
                    conn.execute(insert(units).values(id=unit_id, name=name, active=True))
                elif existing[unit_id].name != name or not existing[unit_id].active:
                    conn.execute(
                        update(units).where(units.c.id == unit_id).values(name=name, active=True)
                    )
            stale = [uid for uid, r in existing.items() if uid not in wanted and r.active]
            if stale:
                conn.execute(update(units).where(units.c.id.in_(stale)).values(active=False))

    @translate_errors
    def units(self) -> tuple[Unit, ...]:
        """Active responsible units."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(units).where(units.c.active.is_(True)).order_by(units.c.id))
            return tuple(Unit(id=r.id, name=r.name) for r in rows)

    # ------------------------------------------------------------------ create & read

    @translate_errors
    def create(
        self,
        enterprise: str,
        contact: str,
        phone: str,
        content: str,
        channel: str,
        sender_id: str | None,
        idempotency_key: str | None = None,
    ) -> Appeal:
        """Record a new appeal (收集) and give it the next number of the year.

        A repeated ``idempotency_key`` returns the appeal first created with it, also when the
        calls race: the unique constraint decides, and the loser's transaction (with its number)
        is rolled back, so numbers stay gapless.
        """
        values = {
            "enterprise": _required(enterprise, "enterprise"),
            "contact": (contact or "").strip(),
            "phone": (phone or "").strip(),
            "content": _required(content, "content"),
            "channel": _required(channel, "channel"),
            "sender_id": sender_id,
            "idempotency_key": idempotency_key,
        }
        now = self._now()
        dispatch_due, provisional = deadline_checked(now, self.policy.dispatch_working_days)
        if provisional:
            log.warning(
                "dispatch deadline reckoned weekdays-only: %s arrangement missing", provisional
            )
        row = {
            **_EMPTY_APPEAL,
            **values,
            "dispatching_unit": self.policy.dispatching_unit,
            "received_at": now,
            "status": INITIAL_STATUS.value,
            "dispatch_due": dispatch_due,
            "dispatch_due_provisional_year": provisional,
            "round": 0,
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        actor = f"{values['channel']}:{sender_id}" if sender_id else values["channel"]
        try:
            with self.engine.begin() as conn:
                year = local_date(now).year
                row["number"] = numbering.format_number(year, numbering.allocate(conn, year))
                row["id"] = conn.execute(_INSERT_APPEAL, row).inserted_primary_key[0]
                conn.execute(
                    _INSERT_EVENT,
                    {
                        "appeal_id": row["id"],
                        "at": now,
                        "actor": actor,
                        "action": "create",
                        "from_status": None,
                        "to_status": INITIAL_STATUS.value,
                        "note": None,
                        "round": 0,
                        "unit_id": None,
                    },
                )
            return appeal_from_row(row)
        except IntegrityError:  # only the idempotency key can clash; the number was rolled back
            if idempotency_key is None:
                raise
            with self.engine.connect() as conn:
                found = self._by_key(conn, idempotency_key)
            if found is None:
                raise
            return found

    @staticmethod
    def _by_key(conn: Connection, key: str) -> Appeal | None:
        row = conn.execute(select(appeals).where(appeals.c.idempotency_key == key)).mappings()
        first = row.first()
        return appeal_from_row(first) if first is not None else None

    @translate_errors
    def get(self, number: str) -> Appeal:
        """The appeal numbered ``number`` (case and blanks forgiven); AppealNotFound otherwise."""
        with self.engine.connect() as conn:
            return appeal_from_row(self._fetch(conn, number)._mapping)

    @translate_errors
    def history(self, number: str) -> tuple[AppealEvent, ...]:
        """The appeal's events, oldest first."""
        with self.engine.connect() as conn:
            appeal_id = self._fetch(conn, number).id
            rows = conn.execute(
                select(appeal_events)
                .where(appeal_events.c.appeal_id == appeal_id)
                .order_by(appeal_events.c.id)
            ).mappings()
            return tuple(event_from_row(r) for r in rows)

    def _list(
        self, *conditions: Any, newest_first: bool = False, limit: int | None = None
    ) -> tuple[Appeal, ...]:
        order = appeals.c.id.desc() if newest_first else appeals.c.id
        stmt = select(appeals).where(*conditions).order_by(order).limit(limit)
        with unavailable_as_store_error(), self.engine.connect() as conn:
            return tuple(appeal_from_row(r) for r in conn.execute(stmt).mappings())

    def list_by_sender(
        self, channel: str, sender_id: str, limit: int | None = None
    ) -> tuple[Appeal, ...]:
        """One person's appeals on one channel, newest first (for 'my appeals' in the chat)."""
        return self._list(
            appeals.c.channel == channel,
            appeals.c.sender_id == sender_id,
            newest_first=True,
            limit=limit,
        )

    def list_by_unit(
        self,
        unit_id: str,
        statuses: Iterable[Status | str] | None = None,
        limit: int | None = None,
    ) -> tuple[Appeal, ...]:
        """A unit's appeals, oldest first, optionally only in some statuses."""
        conditions = [appeals.c.unit_id == unit_id]
        wanted = _statuses(statuses)
        if wanted is not None:
            conditions.append(appeals.c.status.in_(wanted))
        return self._list(*conditions, limit=limit)

    def list_by_status(
        self, statuses: Iterable[Status | str], limit: int | None = None
    ) -> tuple[Appeal, ...]:
        """Appeals in any of ``statuses``, oldest first."""
        return self._list(appeals.c.status.in_(_statuses(statuses) or []), limit=limit)

    # ------------------------------------------------------------------ lifecycle

    @translate_errors
    def dispatch(self, number: str, unit_id: str, category: str, actor: str) -> Appeal:
        """交办 (or 再次交办 after 不满意): set unit, category and the handling deadline."""
        days = self.policy.working_days_for(category)

        def changes(conn: Connection, row: Row, now: datetime) -> dict[str, Any]:
            unit = conn.execute(select(units).where(units.c.id == unit_id)).first()
            if unit is None or not unit.active:
                raise InvalidInput(f"unknown responsible unit {unit_id!r}")
            handling_due, provisional = deadline_checked(now, days)
            return {
                "unit_id": unit_id,
                "category": category,
                "time_limit_days": days,
                "dispatched_at": now,
                "first_dispatched_at": row.first_dispatched_at or now,
                "handling_due": handling_due,
                "handling_due_provisional_year": provisional,
                "round": row.round + 1,
                "handling_notes": None,
                "responded_at": None,
                "promised_date": None,
                "opinion": None,
                "opinion_reason": None,
                "closing": None,
            }

        note = f"{self.policy.label_for(category)}，{days}个工作日"
        return self._transition(number, Action.DISPATCH, actor, note, changes)

    @translate_errors
    def start(self, number: str, actor: str) -> Appeal:
        """办理: the unit has taken the appeal up."""
        return self._transition(number, Action.START, actor, None, lambda c, r, n: {})

    @translate_errors
    def respond(
        self,
        number: str,
        notes: str,
        actor: str,
        promised_date: date | None = None,
        *,
        take_up: bool = False,
    ) -> Appeal:
        """反馈: the unit's handling notes (办理情况), optionally a promised completion date.

        ``take_up``: an appeal still only dispatched is first taken up (办理) in the same
        transaction, so the console's "mark responded" is one step that happens whole or not."""
        text = _required(notes, "handling notes")
        values = {"handling_notes": text, "promised_date": promised_date}

        def respond(c: Connection, r: Row, now: datetime) -> dict[str, Any]:
            return {**values, "responded_at": now}

        if not take_up:
            return self._transition(number, Action.RESPOND, actor, text, respond)
        actor = _required(actor, "actor")
        now = self._now()
        with self.engine.begin() as conn:
            row = self._fetch(conn, number, lock=True)
            if row.status == Status.DISPATCHED.value:  # decided under the row lock
                row = self._step(conn, row, Action.START, actor, None, lambda c, r, n: {}, now)
            row = self._step(conn, row, Action.RESPOND, actor, text, respond, now)
            return self._reload(conn, row.id)

    @translate_errors
    def evaluate(self, number: str, satisfied: bool, reason: str | None, actor: str) -> Appeal:
        """评价, the same from the chat and the console, in one transaction.

        不满意 puts the appeal back in the 区营商办's inbox (status ``unsatisfied``) with its
        reason; the coordinator then revisits it and dispatches it again (再次交办)."""
        action = Action.EVALUATE_SATISFIED if satisfied else Action.EVALUATE_UNSATISFIED
        opinion = Status.SATISFIED.value if satisfied else Status.UNSATISFIED.value
        values = {"opinion": opinion, "opinion_reason": (reason or "").strip() or None}
        return self._transition(number, action, actor, reason, lambda c, r, n: values)

    @translate_errors
    def close(self, number: str, actor: str) -> Appeal:
        """销号 (同意销号): only after the enterprise is satisfied."""

        def changes(conn: Connection, row: Row, now: datetime) -> dict[str, Any]:
            return {"closing": "close", "closed_at": now}

        return self._transition(number, Action.CLOSE, actor, None, changes)

    @translate_errors
    def follow_up(self, number: str, note: str, actor: str) -> Appeal:
        """持续跟踪: the coordinator keeps tracking instead of closing."""
        text = _required(note, "note")
        return self._transition(
            number, Action.FOLLOW_UP, actor, text, lambda c, r, n: {"closing": "follow_up"}
        )

    @translate_errors
    def revisit(self, number: str, note: str, actor: str) -> Appeal:
        """回访: call the enterprise back (after closing, or on a promised date while tracking)."""
        text = _required(note, "note")
        return self._transition(number, Action.REVISIT, actor, text, lambda c, r, n: {})

    # ------------------------------------------------------------------ reminders & reports

    def overdue(self, now: datetime | None = None) -> OverdueReport:
        """Appeals past their dispatch or handling deadline, and promises due for 回访."""
        if now is not None and (now.tzinfo is None or now.utcoffset() is None):
            raise InvalidInput("overdue(now): pass a timezone-aware datetime")
        at = now.astimezone(timezone.utc) if now is not None else self._now()
        today = local_date(at)
        a = appeals.c
        return OverdueReport(
            at=at,
            dispatch=self._list(a.status == Status.SUBMITTED.value, a.dispatch_due <= at),
            handling=self._list(
                a.status.in_([Status.DISPATCHED.value, Status.IN_PROGRESS.value]),
                a.handling_due <= at,
            ),
            revisits=self._list(a.status == Status.FOLLOW_UP.value, a.promised_date <= today),
        )

    @translate_errors
    def monthly_stats(self, year: int, month: int) -> tuple[UnitMonthlyStats, ...]:
        """Per-unit 承办量/办结率/及时率/满意率 for a calendar month (Asia/Shanghai)."""
        with self.engine.connect() as conn:
            return _monthly_stats(conn, year, month)
