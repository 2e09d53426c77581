"""Alembic environment for the appeal store; the database URL comes from the caller.

``bot.store.migrate`` passes the URL through ``config.attributes["url"]``; the ``alembic`` command
line can use ``-x url=...`` or ``$APPEALS_DB_URL``. The version table is private to the store so
other components may keep their own migrations in the same database.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from bot.store.engine import default_url, make_engine
from bot.store.migrate import VERSION_TABLE
from bot.store.models import metadata

PG_LOCK_KEY = 0x71C8_0001  # advisory lock: concurrent start-ups migrate one at a time


def _url() -> str:
    config = context.config
    url = config.attributes.get("url") or context.get_x_argument(as_dictionary=True).get("url")
    return str(url or config.get_main_option("sqlalchemy.url") or default_url())


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        transactional_ddl=True,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_LOCK_KEY})")
        context.run_migrations()


def run_offline() -> None:
    context.configure(
        url=_url(), target_metadata=metadata, version_table=VERSION_TABLE, literal_binds=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    try:
        with engine.connect() as conn:
            _run(conn)
            conn.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
