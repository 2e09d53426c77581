"""Console login attempts: the lock-out counters, per user name and per client address.

Kept in the database (not in one process's memory) so a lock holds across console processes
and restarts, and counted with one UPDATE per attempt before the password is checked, so
parallel guesses cannot all pass the check.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "console_login_attempts",
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_console_login_attempts"),
    )


def downgrade() -> None:
    op.drop_table("console_login_attempts")
