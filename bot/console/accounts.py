"""Staff accounts, browser sessions and API tokens, persisted in the appeal store's database.

Why here and not in the store: accounts are the console's business; the store only knows actors
as strings. Passwords are argon2 hashes; session ids and API tokens are random and only their
SHA-256 is stored, so a copy of the database does not let anyone log in.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import Enum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.store.errors import InvalidInput, translate_errors
from bot.store.models import console_api_tokens, console_sessions, console_users, units

SESSION_LIFETIME = timedelta(hours=12)
MIN_PASSWORD_LENGTH = 10


class Role(str, Enum):
    """What a staff member may do (see bot.console.access)."""

    COORDINATOR = "coordinator"  # 区营商办: every appeal, dispatch, evaluation, closing, report
    HANDLER = "handler"  # 承办单位经办人: own unit's appeals only


ROLE_LABELS = {Role.COORDINATOR: "区营商办（协调员）", Role.HANDLER: "承办单位经办人"}


@dataclass(frozen=True)
class StaffUser:
    """A logged-in staff member."""

    id: int
    username: str
    display_name: str
    role: Role
    unit_id: str | None
    active: bool
    telegram_chat_id: str | None

    @property
    def actor(self) -> str:
        """How the store's event log names this person."""
        return f"console:{self.username}"

    @property
    def is_coordinator(self) -> bool:
        return self.role is Role.COORDINATOR


@dataclass(frozen=True)
class Session:
    """A browser session: the user and the session's CSRF token."""

    user: StaffUser
    csrf_token: str
    expires_at: datetime


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _user(row: object) -> StaffUser:
    r = row._mapping  # type: ignore[attr-defined]
    return StaffUser(
        id=r["id"],
        username=r["username"],
        display_name=r["display_name"],
        role=Role(r["role"]),
        unit_id=r["unit_id"],
        active=bool(r["active"]),
        telegram_chat_id=r["telegram_chat_id"],
    )


def generate_password() -> str:
    """A random password good enough to print once on first run."""
    return secrets.token_urlsafe(12)


class Accounts:
    """CRUD for users, login, sessions and API tokens."""

    def __init__(
        self,
        engine: Engine,
        clock: Callable[[], datetime] | None = None,
        hasher: PasswordHasher | None = None,
    ) -> None:
        """``hasher``: argon2id with the library's defaults (RFC 9106) unless given (tests use
        cheaper parameters; stored hashes carry their own parameters either way)."""
        self.engine = engine
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self._hasher = hasher or PasswordHasher()
        # Verified against when the user does not exist, so both paths take the same time.
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))

    # ------------------------------------------------------------------ users

    @translate_errors
    def create_user(
        self,
        username: str,
        password: str,
        role: Role | str,
        unit_id: str | None = None,
        display_name: str | None = None,
    ) -> StaffUser:
        """Add a staff member; handlers need an existing, active unit."""
        name = (username or "").strip()
        if not name or len(name) > 64 or any(c.isspace() for c in name):
            raise InvalidInput("username must be 1-64 characters without blanks")
        if len(password) < MIN_PASSWORD_LENGTH:
            raise InvalidInput(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
        try:
            role = Role(role)
        except ValueError:
            raise InvalidInput(f"unknown role {role!r}; use coordinator or handler") from None
        if role is Role.HANDLER and not unit_id:
            raise InvalidInput("a unit handler needs a unit (--unit)")
        if role is Role.COORDINATOR:
            unit_id = None
        with self.engine.begin() as conn:
            if unit_id is not None:
                unit = conn.execute(select(units).where(units.c.id == unit_id)).first()
                if unit is None or not unit.active:
                    raise InvalidInput(f"unknown unit {unit_id!r}")
            try:
                new_id = conn.execute(
                    insert(console_users).values(
                        username=name,
                        display_name=(display_name or name).strip() or name,
                        password_hash=self._hasher.hash(password),
                        role=role.value,
                        unit_id=unit_id,
                        active=True,
                        created_at=self._clock(),
                    )
                ).inserted_primary_key[0]
            except IntegrityError:
                raise InvalidInput(f"username {name!r} is taken") from None
            row = conn.execute(select(console_users).where(console_users.c.id == new_id)).one()
            return _user(row)

    @translate_errors
    def get_user(self, username: str) -> StaffUser | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(console_users).where(console_users.c.username == username)
            ).first()
            return _user(row) if row is not None else None

    @translate_errors
    def list_users(self) -> tuple[StaffUser, ...]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(console_users).order_by(console_users.c.id))
            return tuple(_user(r) for r in rows)

    @translate_errors
    def count_users(self) -> int:
        with self.engine.connect() as conn:
            return len(conn.execute(select(console_users.c.id)).all())

    @translate_errors
    def set_password(self, username: str, password: str) -> None:
        if len(password) < MIN_PASSWORD_LENGTH:
            raise InvalidInput(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
        with self.engine.begin() as conn:
            done = conn.execute(
                update(console_users)
                .where(console_users.c.username == username)
                .values(password_hash=self._hasher.hash(password))
            )
            if done.rowcount != 1:
                raise InvalidInput(f"no user {username!r}")
            user_id = select(console_users.c.id).where(console_users.c.username == username)
            conn.execute(delete(console_sessions).where(console_sessions.c.user_id.in_(user_id)))

    @translate_errors
    def set_active(self, username: str, active: bool) -> None:
        """Disable (or re-enable) an account; disabling ends its sessions."""
        with self.engine.begin() as conn:
            done = conn.execute(
                update(console_users)
                .where(console_users.c.username == username)
                .values(active=active)
            )
            if done.rowcount != 1:
                raise InvalidInput(f"no user {username!r}")
            if not active:
                user_id = select(console_users.c.id).where(console_users.c.username == username)
                conn.execute(
                    delete(console_sessions).where(console_sessions.c.user_id.in_(user_id))
                )

    @translate_errors
    def set_telegram_chat(self, username: str, chat_id: str | None) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(console_users)
                .where(console_users.c.username == username)
                .values(telegram_chat_id=chat_id)
            )

    @translate_errors
    def authenticate(self, username: str, password: str) -> StaffUser | None:
        """The active user with these credentials, or None (same timing either way)."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(console_users).where(console_users.c.username == (username or "").strip())
            ).first()
        stored = row.password_hash if row is not None else self._dummy_hash
        try:
            self._hasher.verify(stored, password or "")
        except (VerificationError, InvalidHashError):
            return None
        if row is None or not row.active:
            return None
        if self._hasher.check_needs_rehash(stored):
            with self.engine.begin() as conn:
                conn.execute(
                    update(console_users)
                    .where(console_users.c.id == row.id)
                    .values(password_hash=self._hasher.hash(password))
                )
        return _user(row)

    # ------------------------------------------------------------------ sessions

    @translate_errors
    def open_session(self, user: StaffUser) -> tuple[str, Session]:
        """A new session for ``user``: the cookie value (shown once) and the session."""
        secret = secrets.token_urlsafe(32)
        now = self._clock()
        session = Session(user, secrets.token_urlsafe(32), now + SESSION_LIFETIME)
        with self.engine.begin() as conn:
            conn.execute(delete(console_sessions).where(console_sessions.c.expires_at <= now))
            conn.execute(
                insert(console_sessions).values(
                    id=_digest(secret),
                    user_id=user.id,
                    csrf_token=session.csrf_token,
                    created_at=now,
                    expires_at=session.expires_at,
                )
            )
        return secret, session

    @translate_errors
    def session(self, secret: str | None) -> Session | None:
        """The live session behind a cookie value, or None (unknown, expired, user disabled)."""
        if not secret:
            return None
        j = console_sessions.join(console_users, console_users.c.id == console_sessions.c.user_id)
        stmt = select(
            console_users,
            console_sessions.c.csrf_token,
            console_sessions.c.expires_at,
        ).select_from(j)
        with self.engine.connect() as conn:
            row = conn.execute(stmt.where(console_sessions.c.id == _digest(secret))).first()
        if row is None or row.expires_at <= self._clock() or not row.active:
            return None
        return Session(_user(row), row.csrf_token, row.expires_at)

    @translate_errors
    def close_session(self, secret: str | None) -> None:
        if secret:
            with self.engine.begin() as conn:
                conn.execute(
                    delete(console_sessions).where(console_sessions.c.id == _digest(secret))
                )

    # ------------------------------------------------------------------ API tokens

    @translate_errors
    def create_token(self, username: str, name: str = "api") -> str:
        """A new API token for ``username``; only its hash is stored, so it is shown once."""
        user = self.get_user(username)
        if user is None:
            raise InvalidInput(f"no user {username!r}")
        token = "qh_" + secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            conn.execute(
                insert(console_api_tokens).values(
                    token_hash=_digest(token),
                    user_id=user.id,
                    name=name,
                    created_at=self._clock(),
                )
            )
        return token

    @translate_errors
    def revoke_tokens(self, username: str) -> int:
        user_id = select(console_users.c.id).where(console_users.c.username == username)
        with self.engine.begin() as conn:
            done = conn.execute(
                update(console_api_tokens)
                .where(
                    console_api_tokens.c.user_id.in_(user_id),
                    console_api_tokens.c.revoked_at.is_(None),
                )
                .values(revoked_at=self._clock())
            )
            return int(done.rowcount)

    @translate_errors
    def token_user(self, token: str | None) -> StaffUser | None:
        """The active user owning a live API token, or None."""
        if not token:
            return None
        j = console_api_tokens.join(
            console_users, console_users.c.id == console_api_tokens.c.user_id
        )
        stmt = (
            select(console_users)
            .select_from(j)
            .where(
                console_api_tokens.c.token_hash == _digest(token),
                console_api_tokens.c.revoked_at.is_(None),
                console_users.c.active.is_(True),
            )
        )
        with self.engine.connect() as conn:
            row = conn.execute(stmt).first()
        return _user(row) if row is not None else None
