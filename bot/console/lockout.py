"""Login lock-out, per user name and per client address, counted in the database.

Why this shape: the earlier throttle checked the lock, verified the password and only then
counted the failure, in one process's memory. Forty guesses sent at once all passed the check
before any failure was counted, so a burst of 39 wrong passwords and the right one logged in,
and a restart (or a second console process) forgot every lock. Here each attempt is counted
first, by one atomic UPDATE per key (the row lock serialises parallel attempts on PostgreSQL,
the write lock on SQLite), and only an attempt the counters still allow goes on to the
password check. A successful login clears its user name's counter and takes its own attempt
back from the address, so staff behind one address are not locked out by their colleagues'
successful logins.

Keys are hashed: the table never holds a typed user name (perhaps a mistyped password) or an
address in clear.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from bot.store.errors import translate_errors
from bot.store.models import console_login_attempts as attempts_table

MAX_FAILURES = 5  # attempts per user name within LOCK_SECONDS
MAX_ADDRESS_ATTEMPTS = 20  # failed attempts per client address within LOCK_SECONDS
LOCK_SECONDS = 300


@dataclass(frozen=True)
class Attempt:
    """One counted login attempt: whether the password may be checked at all."""

    user_key: str
    address_key: str
    allowed: bool


def _key(kind: str, value: str) -> str:
    return f"{kind}:{hashlib.sha256(value.encode('utf-8', 'replace')).hexdigest()}"


class LoginLockout:
    """Counts login attempts in ``console_login_attempts`` (shared by every process)."""

    def __init__(
        self,
        engine: Engine,
        clock: Callable[[], datetime],
        max_failures: int = MAX_FAILURES,
        max_address_attempts: int = MAX_ADDRESS_ATTEMPTS,
        lock_seconds: int = LOCK_SECONDS,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.max_failures = max_failures
        self.max_address_attempts = max_address_attempts
        self.window = timedelta(seconds=lock_seconds)

    @translate_errors
    def attempt(self, username: str, address: str) -> Attempt:
        """Count this attempt for the user name and the address, before any password check."""
        user_key, address_key = _key("user", username.strip()), _key("addr", address)
        now = self.clock()
        users = self._count(user_key, self.max_failures, now)
        addresses = self._count(address_key, self.max_address_attempts, now)
        allowed = users <= self.max_failures and addresses <= self.max_address_attempts
        return Attempt(user_key, address_key, allowed)

    @translate_errors
    def locked(self, attempt: Attempt) -> bool:
        """Whether the next attempt on this user name or from this address will be refused."""
        now = self.clock()
        with self.engine.connect() as conn:
            users = self._current(conn, attempt.user_key, now)
            addresses = self._current(conn, attempt.address_key, now)
        return users >= self.max_failures or addresses >= self.max_address_attempts

    @translate_errors
    def succeeded(self, attempt: Attempt) -> None:
        """The password was right: clear the user name, give the address its attempt back."""
        with self.engine.begin() as conn:
            conn.execute(delete(attempts_table).where(attempts_table.c.key == attempt.user_key))
            conn.execute(
                update(attempts_table)
                .where(attempts_table.c.key == attempt.address_key)
                .where(attempts_table.c.attempts > 0)
                .values(attempts=attempts_table.c.attempts - 1)
            )

    # -- counting -----------------------------------------------------------------------

    def _count(self, key: str, limit: int, now: datetime) -> int:
        """Add one attempt to ``key`` and return its count (a stale count starts again)."""
        stale = now - self.window
        c = attempts_table.c
        for _ in range(3):  # a concurrent first attempt may insert the row under us
            with self.engine.begin() as conn:
                # Right-hand sides read the row as it was: a stale row restarts at 1; the
                # window moves on only with attempts the limit still allowed, so hammering a
                # locked key does not keep its owner locked out for ever.
                changed = conn.execute(
                    update(attempts_table)
                    .where(c.key == key)
                    .values(
                        attempts=case((c.last_at < stale, 1), else_=c.attempts + 1),
                        last_at=case(
                            ((c.last_at < stale) | (c.attempts < limit), now), else_=c.last_at
                        ),
                    )
                ).rowcount
                if changed:
                    count = conn.execute(select(c.attempts).where(c.key == key)).scalar_one()
                    return int(count)
            try:
                with self.engine.begin() as conn:
                    conn.execute(insert(attempts_table).values(key=key, attempts=1, last_at=now))
                return 1
            except IntegrityError:
                continue
        raise RuntimeError(f"could not count a login attempt for {key}")

    def _current(self, conn: Connection, key: str, now: datetime) -> int:
        row = conn.execute(
            select(attempts_table.c.attempts, attempts_table.c.last_at).where(
                attempts_table.c.key == key
            )
        ).first()
        if row is None or row.last_at < now - self.window:
            return 0
        return int(row.attempts)
