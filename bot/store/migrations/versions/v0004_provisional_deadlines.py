"""Provisional deadlines: the year whose holiday arrangement was missing when a deadline was
computed (weekdays only), so the console and chat can say the date may still move and
``python -m bot.store recompute-deadlines`` can find them once the year is entered.

Revision ID: 0004h
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004h"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("appeals") as batch:
        batch.add_column(sa.Column("dispatch_due_provisional_year", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("handling_due_provisional_year", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("appeals") as batch:
        batch.drop_column("handling_due_provisional_year")
        batch.drop_column("dispatch_due_provisional_year")
