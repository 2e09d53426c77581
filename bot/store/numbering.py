"""Appeal numbers ``ncqhww{year}-{seq:02d}``: unique and gapless per year.

The sequence lives in one counter row per year, bumped inside the caller's transaction, so a
rolled-back insert also rolls back its number. On PostgreSQL the UPDATE's row lock serialises
writers; on SQLite the store's ``BEGIN IMMEDIATE`` does.
"""

from __future__ import annotations

import re

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from bot.store.models import appeal_counters

# The dispatch sheet's numbering (附件 企业诉求交办单: "编号：ncqhww2024-01").
PREFIX = "ncqhww"
NUMBER_RE = re.compile(rf"^{PREFIX}(\d{{4}})-(\d{{2,}})$")


def format_number(year: int, seq: int) -> str:
    """``ncqhww2024-01``; the sequence widens past 99 (``-100``)."""
    return f"{PREFIX}{year}-{seq:02d}"


def parse_number(number: str) -> tuple[int, int] | None:
    """(year, seq) of a well-formed number, else None."""
    match = NUMBER_RE.match(number)
    return (int(match.group(1)), int(match.group(2))) if match else None


def normalize_number(number: str) -> str:
    """Forgive case and surrounding blanks as typed by a person."""
    return number.strip().lower()


_BUMP = (
    update(appeal_counters)
    .where(appeal_counters.c.year == bindparam("y"))
    .values(value=appeal_counters.c.value + 1)
)
_READ = select(appeal_counters.c.value).where(appeal_counters.c.year == bindparam("y"))


def _create_counter(conn: Connection, year: int) -> None:
    """Insert the year's counter at 0, tolerating a concurrent insert of the same row."""
    row = {"year": year, "value": 0}
    dialect = conn.dialect.name
    if dialect == "postgresql":
        conn.execute(postgresql.insert(appeal_counters).on_conflict_do_nothing(), row)
    elif dialect == "sqlite":
        conn.execute(sqlite.insert(appeal_counters).on_conflict_do_nothing(), row)
    else:  # pragma: no cover - only the two supported backends are tested
        conn.execute(appeal_counters.insert(), row)


def allocate(conn: Connection, year: int) -> int:
    """Take the next sequence number of ``year`` within the open transaction of ``conn``.

    UPDATE first (it takes the row lock), then SELECT the new value; the first appeal of a year
    creates the counter row.
    """
    if conn.execute(_BUMP, {"y": year}).rowcount == 0:
        _create_counter(conn, year)
        conn.execute(_BUMP, {"y": year})
    return int(conn.execute(_READ, {"y": year}).scalar_one())
