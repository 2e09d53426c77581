"""Table definitions (SQLAlchemy Core). The schema itself is created by the Alembic migrations;
these objects are what queries are written against, and a test checks that both agree.

All instants are stored as naive UTC (portable across SQLite and PostgreSQL) and come back as
aware UTC datetimes through :class:`UTCDateTime`.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from bot.store.lifecycle import Status

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator):
    """Aware datetime in Python, naive UTC in the database."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r} given to the store; use aware datetimes")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


STATUS_VALUES = tuple(s.value for s in Status)

units = Table(
    "units",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("active", Boolean(), nullable=False, default=True),
)

appeal_counters = Table(
    "appeal_counters",
    metadata,
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("value", Integer, nullable=False),
)

appeals = Table(
    "appeals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("number", String(32), nullable=False, unique=True),
    Column("dispatching_unit", String(200), nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
    Column("enterprise", String(200), nullable=False),
    Column("contact", String(100), nullable=False),
    Column("phone", String(40), nullable=False),
    Column("content", Text, nullable=False),
    Column("channel", String(32), nullable=False),
    Column("sender_id", String(200), nullable=True),
    Column("idempotency_key", String(200), nullable=True, unique=True),
    Column("status", String(20), nullable=False),
    Column("category", String(20), nullable=True),
    Column("time_limit_days", Integer, nullable=True),
    Column("unit_id", String(64), ForeignKey("units.id"), nullable=True),
    Column("dispatched_at", UTCDateTime(), nullable=True),
    Column("first_dispatched_at", UTCDateTime(), nullable=True),
    Column("dispatch_due", UTCDateTime(), nullable=True),
    Column("handling_due", UTCDateTime(), nullable=True),
    # The year reckoned weekdays-only (no holiday arrangement entered yet); NULL: certain.
    Column("dispatch_due_provisional_year", Integer, nullable=True),
    Column("handling_due_provisional_year", Integer, nullable=True),
    Column("handling_notes", Text, nullable=True),
    Column("responded_at", UTCDateTime(), nullable=True),
    Column("promised_date", Date, nullable=True),
    Column("opinion", String(20), nullable=True),
    Column("opinion_reason", Text, nullable=True),
    Column("closing", String(20), nullable=True),
    Column("closed_at", UTCDateTime(), nullable=True),
    Column("round", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    CheckConstraint(
        "status IN (" + ", ".join(f"'{s}'" for s in STATUS_VALUES) + ")", name="status"
    ),
    CheckConstraint("opinion IN ('satisfied', 'unsatisfied')", name="opinion"),
    CheckConstraint("closing IN ('close', 'follow_up')", name="closing"),
    Index(None, "channel", "sender_id"),
    Index(None, "unit_id", "status"),
    Index(None, "status", "dispatch_due"),
    Index(None, "status", "handling_due"),
    Index(None, "first_dispatched_at"),
)

appeal_events = Table(
    "appeal_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("appeal_id", Integer, ForeignKey("appeals.id"), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("action", String(32), nullable=False),
    Column("from_status", String(20), nullable=True),
    Column("to_status", String(20), nullable=False),
    Column("note", Text, nullable=True),
    Column("round", Integer, nullable=False),
    Column("unit_id", String(64), ForeignKey("units.id"), nullable=True),
    Index(None, "appeal_id", "id"),
    Index(None, "to_status", "at"),
)

# --- staff console (revision 0002): accounts, browser sessions, API tokens -------------------

STAFF_ROLES = ("coordinator", "handler")

console_users = Table(
    "console_users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(100), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(20), nullable=False),
    Column("unit_id", String(64), ForeignKey("units.id"), nullable=True),
    Column("active", Boolean(), nullable=False),
    Column("telegram_chat_id", String(64), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    CheckConstraint("role IN (" + ", ".join(f"'{r}'" for r in STAFF_ROLES) + ")", name="role"),
    CheckConstraint("role = 'coordinator' OR unit_id IS NOT NULL", name="handler_unit"),
)

console_sessions = Table(
    "console_sessions",
    metadata,
    Column("id", String(64), primary_key=True),  # sha256 of the cookie value, never the value
    Column("user_id", Integer, ForeignKey("console_users.id"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Index(None, "user_id"),
    Index(None, "expires_at"),
)

console_api_tokens = Table(
    "console_api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),  # sha256 of the token
    Column("user_id", Integer, ForeignKey("console_users.id"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime(), nullable=True),
    Index(None, "user_id"),
)

# Login lock-out counters (revision 0005): "user:<sha256>" / "addr:<sha256>" -> attempts.
console_login_attempts = Table(
    "console_login_attempts",
    metadata,
    Column("key", String(80), primary_key=True),
    Column("attempts", Integer, nullable=False),
    Column("last_at", UTCDateTime(), nullable=False),
)

# --- proactive reminders (revision 0003) ------------------------------------------------------

REMINDER_STATUSES = ("pending", "sent", "failed", "cancelled", "expired")

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("channel", String(32), nullable=False),
    Column("sender_id", String(200), nullable=False),
    Column("subscribed", Boolean(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("channel", "sender_id"),
    Index(None, "subscribed"),
)

reminders = Table(
    "reminders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(64), nullable=False),  # the rule's id
    Column("subject", String(100), nullable=False),  # "appeal:12", "milestones:best_case:2024-11"
    Column("occurrence", String(32), nullable=False),  # round, day or "-"
    Column("recipient", String(240), nullable=False),  # "<channel>:<sender id>"
    Column("channel", String(32), nullable=False),
    Column("sender_id", String(200), nullable=False),
    Column("appeal_id", Integer, ForeignKey("appeals.id"), nullable=True),
    Column("subscription_id", Integer, ForeignKey("subscriptions.id"), nullable=True),
    Column("round", Integer, nullable=True),
    Column("payload", Text, nullable=True),  # JSON: what to deliver
    Column("status", String(16), nullable=False),
    Column("due_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=True),
    Column("next_attempt_at", UTCDateTime(), nullable=False),
    Column("claimed_by", String(100), nullable=True),
    Column("claimed_at", UTCDateTime(), nullable=True),
    Column("sent_at", UTCDateTime(), nullable=True),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text, nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    CheckConstraint(
        "status IN (" + ", ".join(f"'{s}'" for s in REMINDER_STATUSES) + ")", name="status"
    ),
    UniqueConstraint("kind", "subject", "occurrence", "recipient"),
    Index(None, "status", "next_attempt_at"),
    Index(None, "appeal_id"),
)

# --- calendar & scheduler robustness (revision 0004) -----------------------------------------

reminder_incidents = Table(
    "reminder_incidents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("reference", String(32), nullable=False),  # also in the log line with the traceback
    Column("scope", String(16), nullable=False),  # reminder / rule / pass
    Column("subject", String(100), nullable=False),  # reminder id, rule id or "-"
    Column("error", Text, nullable=False),
    Index(None, "at"),
)
