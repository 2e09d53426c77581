"""Engine construction: where the store lives and how each backend is made safe for concurrency.

SQLite: pysqlite normally issues its own deferred ``BEGIN`` lazily, which lets two writers both
read the number counter before either writes. We switch that off and start every transaction with
``BEGIN IMMEDIATE`` (taking the write lock up front), with WAL and a busy timeout so waiting
writers queue instead of failing. PostgreSQL needs nothing special: row locks do the job.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, create_engine, make_url
from sqlalchemy.pool import QueuePool, StaticPool

ENV_VAR = "APPEALS_DB_URL"
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SQLITE_PATH = REPO_ROOT / "var" / "appeals.db"
SQLITE_BUSY_TIMEOUT_S = 60


def default_url() -> str:
    """``$APPEALS_DB_URL``, else a SQLite file under the repo's ``var/``."""
    return os.environ.get(ENV_VAR) or f"sqlite:///{DEFAULT_SQLITE_PATH}"


def _is_memory(url: URL) -> bool:
    return url.database in (None, "", ":memory:")


def _prepare_sqlite_file(url: URL) -> None:
    database = url.database
    if database and not _is_memory(url) and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _install_sqlite_hooks(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see module docstring)
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_S * 1000}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str | URL | None = None, **kwargs: Any) -> Engine:
    """A 2.0-style engine for ``url`` (default: :func:`default_url`)."""
    parsed = make_url(url if url is not None else default_url())
    backend = parsed.get_backend_name()
    options: dict[str, Any] = {"future": True}
    if backend == "sqlite":
        _prepare_sqlite_file(parsed)
        if _is_memory(parsed):  # one shared connection, else every checkout is a new database
            options.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
        else:
            options.update(
                poolclass=QueuePool,
                pool_size=5,
                max_overflow=20,
                pool_timeout=SQLITE_BUSY_TIMEOUT_S,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False},
            )
    elif backend == "postgresql":  # pre-ping: survive a server restart between chat messages
        options.update(
            pool_pre_ping=True, pool_size=10, max_overflow=20, connect_args={"connect_timeout": 5}
        )
    options.update(kwargs)
    engine = create_engine(parsed, **options)
    if backend == "sqlite":
        _install_sqlite_hooks(engine)
    return engine
