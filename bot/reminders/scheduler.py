"""One scheduler pass: plan, expire, claim, check, deliver, record.

Why passes: a pass is idempotent and needs no memory, so a scheduler can be stopped and started
at any time (or run twice); everything it knows is in the database.

One failure stays one failure: an unexpected error in one reminder, one rule or one whole pass
is logged with a short reference (``ref 1a2b3c4d``), kept in ``reminder_incidents`` (counted on
the console's 提醒 page) and the scheduler goes on. Before *each* send the delivery window is
checked again (a pass starting at 17:55 stops at 18:00 and gives the rest back) and the claim is
re-checked and renewed, so a slow channel can never let a second scheduler send it too.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy.engine import Engine

from bot.knowledge import KnowledgeBase
from bot.reminders.delivery import DeliveryFailed, Sender
from bot.reminders.planner import DEFAULT_CONSOLE_URL, Planner
from bot.reminders.relevance import why_not
from bot.reminders.rules import RuleSet
from bot.reminders.staff import StaffDirectory
from bot.reminders.store import Reminder, ReminderStore
from bot.reminders.window import Window
from bot.store.errors import StoreError, unavailable_as_store_error

log = logging.getLogger(__name__)

STOP_CHECK_SECONDS = 0.5

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def worker_name() -> str:
    """Unique per process: host, pid and a random suffix (a restarted pid is a new worker)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class PassResult:
    """What one pass did (logged, printed by ``--once``, used by tests and the benchmark)."""

    planned: int = 0
    expired: int = 0
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    lost: int = 0  # claims taken over by another scheduler before we settled them
    held: int = 0  # claimed, then given back because the window closed mid-batch
    incidents: int = 0  # unexpected errors survived (one reminder, one rule, one pass)
    errors: list[str] = field(default_factory=list)


class Scheduler:
    """Plans reminders from the store and delivers the due ones through ``sender``."""

    def __init__(
        self,
        engine: Engine,
        rules: RuleSet,
        kb: KnowledgeBase,
        sender: Sender,
        staff: StaffDirectory | None = None,
        clock: Clock | None = None,
        worker: str | None = None,
        batch: int = 200,
        console_url: str = DEFAULT_CONSOLE_URL,
    ) -> None:
        self.engine = engine
        self.rules = rules
        self.sender = sender
        self.clock = clock or utc_now
        self.worker = worker or worker_name()
        self.batch = batch
        self.window = Window(rules.delivery_window)
        self.store = ReminderStore(engine)
        self.planner = Planner(rules, kb, self.window, staff or StaffDirectory(), console_url)
        self._rules = {rule.id: rule for rule in rules.rules}

    def _now(self) -> datetime:
        return self.clock().astimezone(timezone.utc)

    def run_once(self, limit: int | None = None) -> PassResult:
        """Plan what is due now, then deliver what is due (in batches, at most ``limit``) if the
        window is open."""
        result = PassResult()
        now = self._now()
        result.planned = self.planner.plan(
            self.engine, now, lambda rule, exc: self.incident("rule", rule, exc, result)
        )
        result.expired = self.store.expire(now)
        lease = timedelta(seconds=self.rules.retry.claim_lease_seconds)
        while limit is None or result.claimed < limit:
            if not self.window.is_open(self._now()):
                break
            size = self.batch if limit is None else min(self.batch, limit - result.claimed)
            claimed = self.store.claim(self.worker, self._now(), lease, size)
            result.claimed += len(claimed)
            for i, reminder in enumerate(claimed):
                if not self.window.is_open(self._now()):  # e.g. 18:00 came during the batch
                    rest = [r.id for r in claimed[i:]]
                    result.held += self.store.release(rest, self.worker, self._now())
                    return result
                self._deliver_guarded(reminder, result)
            if len(claimed) < size:
                break
        return result

    def incident(self, scope: str, subject: str, exc: BaseException, result: PassResult) -> str:
        """Log an unexpected error with a reference, keep it for the console, count it."""
        reference = uuid.uuid4().hex[:8]
        log.error(
            "reminder scheduler: %s %s failed (ref %s): %s: %s",
            scope,
            subject,
            reference,
            type(exc).__name__,
            exc,
            exc_info=exc,
        )
        result.incidents += 1
        result.errors.append(f"{scope} {subject}: {type(exc).__name__}: {exc} (ref {reference})")
        try:
            error = f"{type(exc).__name__}: {exc}"
            self.store.record_incident(self._now(), reference, scope, subject, error)
        except Exception:  # the database may be the cause; the log line is enough then
            log.warning("incident %s not recorded in the store", reference, exc_info=True)
        return reference

    def _deliver_guarded(self, reminder: Reminder, result: PassResult) -> None:
        """One reminder; a bug in it is an incident and an attempt, not the end of the pass."""
        try:
            self._deliver(reminder, result)
        except StoreError:
            raise  # the store is down: the pass ends, run_forever tries again
        except Exception as exc:
            reference = self.incident("reminder", str(reminder.id), exc, result)
            try:
                self._failed(reminder, f"internal error (ref {reference}): {exc}", result)
            except Exception:
                log.exception("reminder %s: failure not recorded (ref %s)", reminder.id, reference)

    def _deliver(self, reminder: Reminder, result: PassResult) -> None:
        now = self._now()
        rule = self._rules.get(reminder.kind)
        if rule is None:  # a rule removed from rules.yaml: its reminders are not sent
            self.store.cancel(reminder.id, self.worker, now, "rule no longer exists")
            result.cancelled += 1
            return
        if reminder.expires_at is not None and reminder.expires_at <= now:
            self.store.expire_one(reminder.id, self.worker, now)
            result.expired += 1
            return
        with unavailable_as_store_error(), self.engine.connect() as conn:
            reason = why_not(conn, rule, reminder)
        if reason is not None:
            self.store.cancel(reminder.id, self.worker, now, reason)
            result.cancelled += 1
            return
        if not self.store.renew(reminder.id, self.worker, self._now()):
            result.lost += 1  # taken over by another scheduler: it sends it, not us
            log.warning(
                "reminder %s: claim lost before sending; left to its new holder", reminder.id
            )
            return
        try:
            self.sender.send(reminder)
        except DeliveryFailed as exc:
            self._failed(reminder, str(exc), result)
            return
        except Exception as exc:  # a bug in a sender must not lose the reminder either
            reference = self.incident("reminder", str(reminder.id), exc, result)
            self._failed(reminder, f"{type(exc).__name__}: {exc} (ref {reference})", result)
            return
        if self.store.mark_sent(reminder.id, self.worker, self._now()):
            result.sent += 1
        else:
            result.lost += 1
            log.error("reminder %s sent but its claim was lost (lease too short?)", reminder.id)

    def _failed(self, reminder: Reminder, error: str, result: PassResult) -> None:
        now = self._now()
        attempts = reminder.attempts + 1
        retry = self.rules.retry
        retry_at = None
        if attempts < retry.max_attempts:
            retry_at = self.window.next_open(now + timedelta(seconds=retry.wait_after(attempts)))
        log.warning("reminder %s attempt %d failed: %s", reminder.id, attempts, error)
        result.errors.append(f"{reminder.id}: {error}")
        self.store.mark_failed(reminder, self.worker, now, error, retry_at)
        if retry_at is None:
            result.failed += 1
        else:
            result.retried += 1

    def run_forever(self, interval: float, stop: Callable[[], bool] = lambda: False) -> None:
        """Passes every ``interval`` seconds; a database outage is logged and the next pass
        tries again."""
        while not stop():
            try:
                result = self.run_once()
                if result.planned or result.claimed or result.incidents:
                    log.info("reminder pass: %s", result)
            except StoreError as exc:
                log.error("reminder pass failed, will retry: %s", exc)
            except Exception as exc:  # a bug in one pass must not stop the scheduler
                self.incident("pass", self._now().isoformat(timespec="seconds"), exc, PassResult())
            # Short naps: a stop request (SIGTERM from `make run`) is honoured within a second,
            # not after the whole interval (a signal handler does not cut time.sleep short).
            wake = time.monotonic() + interval
            while not stop() and time.monotonic() < wake:
                time.sleep(min(STOP_CHECK_SECONDS, max(0.0, wake - time.monotonic())))
