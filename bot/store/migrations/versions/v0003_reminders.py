"""Proactive reminders: the durable schedule (one row per reminder and recipient) and the chat
subscriptions to scheme notices.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Frozen copy of the reminder statuses at this revision (migrations never import live code).
_STATUSES = ("pending", "sent", "failed", "cancelled", "expired")


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("sender_id", sa.String(200), nullable=False),
        sa.Column("subscribed", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_subscriptions"),
        sa.UniqueConstraint("channel", "sender_id", name="uq_subscriptions_channel_sender_id"),
    )
    op.create_index("ix_subscriptions_subscribed", "subscriptions", ["subscribed"])
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(100), nullable=False),
        sa.Column("occurrence", sa.String(32), nullable=False),
        sa.Column("recipient", sa.String(240), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("sender_id", sa.String(200), nullable=False),
        sa.Column("appeal_id", sa.Integer(), nullable=True),
        sa.Column("subscription_id", sa.Integer(), nullable=True),
        sa.Column("round", sa.Integer(), nullable=True),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_by", sa.String(100), nullable=True),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in _STATUSES) + ")",
            name="ck_reminders_status",
        ),
        sa.ForeignKeyConstraint(
            ["appeal_id"], ["appeals.id"], name="fk_reminders_appeal_id_appeals"
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name="fk_reminders_subscription_id_subscriptions",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_reminders"),
        sa.UniqueConstraint(
            "kind",
            "subject",
            "occurrence",
            "recipient",
            name="uq_reminders_kind_subject_occurrence_recipient",
        ),
    )
    op.create_index(
        "ix_reminders_status_next_attempt_at", "reminders", ["status", "next_attempt_at"]
    )
    op.create_index("ix_reminders_appeal_id", "reminders", ["appeal_id"])


def downgrade() -> None:
    op.drop_table("reminders")
    op.drop_table("subscriptions")
