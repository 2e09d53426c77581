"""Provisional deadlines and the reminder scheduler's incident log.

* ``appeals.*_due_provisional_year``: the year whose holiday arrangement was missing when a
  deadline was computed (weekdays only), so the console and chat can say the date may still move
  and ``python -m bot.store recompute-deadlines`` can find them once the year is entered.
* ``reminder_incidents``: one row per unexpected error the scheduler survived (one reminder, one
  rule or one pass), with the reference logged beside the traceback; the console counts them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("appeals") as batch:
        batch.add_column(sa.Column("dispatch_due_provisional_year", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("handling_due_provisional_year", sa.Integer(), nullable=True))
    op.create_table(
        "reminder_incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("reference", sa.String(32), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("subject", sa.String(100), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reminder_incidents"),
    )
    op.create_index("ix_reminder_incidents_at", "reminder_incidents", ["at"])


def downgrade() -> None:
    op.drop_index("ix_reminder_incidents_at", table_name="reminder_incidents")
    op.drop_table("reminder_incidents")
    with op.batch_alter_table("appeals") as batch:
        batch.drop_column("handling_due_provisional_year")
        batch.drop_column("dispatch_due_provisional_year")
