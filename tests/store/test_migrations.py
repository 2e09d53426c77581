"""Alembic migrations: up, down, up again; models agree with them; the event log is append-only."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from bot.store import AppealService
from bot.store.engine import DEFAULT_SQLITE_PATH, ENV_VAR, default_url, make_engine
from bot.store.migrate import VERSION_TABLE, current_revision, downgrade, head_revision, upgrade
from bot.store.models import metadata

STORE_TABLES = {"units", "appeal_counters", "appeals", "appeal_events"}


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def test_up_down_up(db_url: str) -> None:
    assert current_revision(db_url) is None
    upgrade(db_url)
    assert current_revision(db_url) == head_revision()
    assert _tables(db_url) >= STORE_TABLES
    upgrade(db_url)  # a second start-up is a no-op
    downgrade(db_url)
    assert current_revision(db_url) is None
    assert not STORE_TABLES & _tables(db_url)
    upgrade(db_url)
    assert STORE_TABLES | {VERSION_TABLE} <= _tables(db_url)


def test_models_match_migrations(migrated_url: str) -> None:
    engine = make_engine(migrated_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = [d for d in compare_metadata(context, metadata) if VERSION_TABLE not in str(d)]
    finally:
        engine.dispose()
    assert diff == []


def test_event_log_is_append_only(service: AppealService) -> None:
    appeal = service.create("某企业", "李四", "13900000000", "用电问题", "test", "s1")
    for statement in ("UPDATE appeal_events SET note = 'x'", "DELETE FROM appeal_events"):
        with pytest.raises(DBAPIError, match="append-only"), service.engine.begin() as conn:
            conn.execute(text(statement))
    assert len(service.history(appeal.number)) == 1


def test_default_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert default_url() == f"sqlite:///{DEFAULT_SQLITE_PATH}"
    assert DEFAULT_SQLITE_PATH.parent.name == "var"
    monkeypatch.setenv(ENV_VAR, "postgresql+psycopg2://u@h/db")
    assert default_url() == "postgresql+psycopg2://u@h/db"


def test_sqlite_directory_is_created(tmp_path: pytest.TempPathFactory) -> None:
    url = f"sqlite:///{tmp_path}/nested/dir/appeals.db"
    upgrade(url)
    assert current_revision(url) == head_revision()
