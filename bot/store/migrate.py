"""Apply the store's Alembic migrations programmatically (no alembic.ini needed at runtime).

Start-up code calls :func:`upgrade` before serving, so a fresh or older database is brought to the
current schema automatically.
"""

from __future__ import annotations

import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from bot.store.engine import default_url, make_engine
from bot.store.errors import unavailable_as_store_error

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "appeals_alembic_version"
# Alembic's `context` is process-global: two threads must not run commands at once. Separate
# processes are serialised by the database (advisory lock / BEGIN IMMEDIATE, see env.py).
_COMMAND_LOCK = threading.Lock()


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config pointing at the bundled migrations and ``url``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["url"] = url or default_url()
    return config


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Bring the database at ``url`` up to ``revision`` (default: the newest)."""
    with _COMMAND_LOCK, unavailable_as_store_error():
        command.upgrade(alembic_config(url), revision)


def downgrade(url: str | None = None, revision: str = "base") -> None:
    """Take the database at ``url`` down to ``revision`` (default: empty)."""
    with _COMMAND_LOCK, unavailable_as_store_error():
        command.downgrade(alembic_config(url), revision)


def head_revision() -> str | None:
    """The newest revision shipped with the code."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(url: str | None = None) -> str | None:
    """The revision the database at ``url`` is at (None if never migrated)."""
    engine = make_engine(url)
    try:
        with unavailable_as_store_error(), engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
            return context.get_current_revision()
    finally:
        engine.dispose()


def main() -> None:
    """`python -m bot.store`: bring ``$APPEALS_DB_URL`` (or the SQLite default) up to date.

    ``make run`` calls this before starting the servers, so a database that cannot be migrated
    stops start-up with a clear error instead of failing the first appeal.
    """
    url = default_url()
    upgrade(url)
    print(f"appeal store at revision {current_revision(url)}")
