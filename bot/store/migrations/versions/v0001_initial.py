"""Initial appeal store: units, per-year number counters, appeals, append-only event log.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Frozen copy of the status list at this revision (migrations never import live code).
_STATUSES = (
    "submitted",
    "dispatched",
    "in_progress",
    "responded",
    "satisfied",
    "unsatisfied",
    "follow_up",
    "closed",
    "revisited",
)


def _status_check() -> str:
    return "status IN (" + ", ".join(f"'{s}'" for s in _STATUSES) + ")"


def upgrade() -> None:
    op.create_table(
        "units",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_units"),
    )
    op.create_table(
        "appeal_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name="pk_appeal_counters"),
    )
    op.create_table(
        "appeals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("dispatching_unit", sa.String(200), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("enterprise", sa.String(200), nullable=False),
        sa.Column("contact", sa.String(100), nullable=False),
        sa.Column("phone", sa.String(40), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("sender_id", sa.String(200), nullable=True),
        sa.Column("idempotency_key", sa.String(200), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("category", sa.String(20), nullable=True),
        sa.Column("time_limit_days", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.String(64), nullable=True),
        sa.Column("dispatched_at", sa.DateTime(), nullable=True),
        sa.Column("first_dispatched_at", sa.DateTime(), nullable=True),
        sa.Column("dispatch_due", sa.DateTime(), nullable=True),
        sa.Column("handling_due", sa.DateTime(), nullable=True),
        sa.Column("handling_notes", sa.Text(), nullable=True),
        sa.Column("responded_at", sa.DateTime(), nullable=True),
        sa.Column("promised_date", sa.Date(), nullable=True),
        sa.Column("opinion", sa.String(20), nullable=True),
        sa.Column("opinion_reason", sa.Text(), nullable=True),
        sa.Column("closing", sa.String(20), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(_status_check(), name="ck_appeals_status"),
        sa.CheckConstraint("opinion IN ('satisfied', 'unsatisfied')", name="ck_appeals_opinion"),
        sa.CheckConstraint("closing IN ('close', 'follow_up')", name="ck_appeals_closing"),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name="fk_appeals_unit_id_units"),
        sa.PrimaryKeyConstraint("id", name="pk_appeals"),
        sa.UniqueConstraint("number", name="uq_appeals_number"),
        sa.UniqueConstraint("idempotency_key", name="uq_appeals_idempotency_key"),
    )
    op.create_index("ix_appeals_channel_sender_id", "appeals", ["channel", "sender_id"])
    op.create_index("ix_appeals_unit_id_status", "appeals", ["unit_id", "status"])
    op.create_index("ix_appeals_status_dispatch_due", "appeals", ["status", "dispatch_due"])
    op.create_index("ix_appeals_status_handling_due", "appeals", ["status", "handling_due"])
    op.create_index("ix_appeals_first_dispatched_at", "appeals", ["first_dispatched_at"])
    op.create_table(
        "appeal_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appeal_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("from_status", sa.String(20), nullable=True),
        sa.Column("to_status", sa.String(20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(
            ["appeal_id"], ["appeals.id"], name="fk_appeal_events_appeal_id_appeals"
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name="fk_appeal_events_unit_id_units"),
        sa.PrimaryKeyConstraint("id", name="pk_appeal_events"),
    )
    op.create_index("ix_appeal_events_appeal_id_id", "appeal_events", ["appeal_id", "id"])
    op.create_index("ix_appeal_events_to_status_at", "appeal_events", ["to_status", "at"])
    _forbid_event_changes()


def _forbid_event_changes() -> None:
    """The event log is append-only: the database itself refuses UPDATE and DELETE."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION appeal_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'appeal_events is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER appeal_events_append_only BEFORE UPDATE OR DELETE ON appeal_events "
            "FOR EACH ROW EXECUTE FUNCTION appeal_events_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER appeal_events_no_{verb.lower()} BEFORE {verb} ON appeal_events "
                "BEGIN SELECT RAISE(ABORT, 'appeal_events is append-only'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS appeal_events_append_only ON appeal_events")
        op.execute("DROP FUNCTION IF EXISTS appeal_events_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS appeal_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS appeal_events_no_delete")
    op.drop_table("appeal_events")
    op.drop_table("appeals")
    op.drop_table("appeal_counters")
    op.drop_table("units")
