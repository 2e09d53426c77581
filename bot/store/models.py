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
