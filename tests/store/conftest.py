"""Fixtures for the appeal store tests: both backends, for real.

PostgreSQL: one throw-away database per test session (``qihu_t_<random>``, created from the
``test`` database and dropped at the end), and one schema per test inside it, so parallel runs and
tests never see each other's rows. SQLite: one file per test in ``tmp_path``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text

from bot.store import AppealPolicy, AppealService, Unit
from bot.store.migrate import upgrade

BACKENDS = ("sqlite", "postgresql")

# Test policy: the plan's figures, written out here on purpose (tests may use literals).
TEST_POLICY = AppealPolicy(
    dispatch_working_days=1,
    category_days={"simple": 2, "general": 5, "complex": 10},
    category_labels={"simple": "简单问题", "general": "一般问题", "complex": "复杂问题"},
    dispatching_unit="区营商办（区发展改革委代章）",
    units=(Unit("unit_a", "甲局"), Unit("unit_b", "乙局")),
)


class FakeClock:
    """A settable, timezone-aware clock."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def set(self, moment: datetime) -> None:
        self.now = moment

    def advance(self, **delta: float) -> None:
        self.now = self.now + timedelta(**delta)


@contextmanager
def _database(backend: str, request: pytest.FixtureRequest, tmp_dir: Path) -> Iterator[str]:
    """An empty database URL: a SQLite file, or a fresh schema in the session's PG database."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_dir / 'appeals.db'}"
        return
    database_url = request.getfixturevalue("pg_database_url")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(database_url, future=True, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{database_url}?options={quote(f'-csearch_path={schema}')}"
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on each backend, for one test."""
    with _database(request.param, request, tmp_path) as url:
        yield url


@pytest.fixture
def migrated_url(db_url: str) -> str:
    """``db_url`` brought to the current schema."""
    upgrade(db_url)
    return db_url


@pytest.fixture
def clock() -> FakeClock:
    """Monday 2025-03-03 10:00 in Shanghai."""
    return FakeClock(datetime(2025, 3, 3, 2, 0, tzinfo=timezone.utc))


@pytest.fixture
def service(migrated_url: str, clock: FakeClock) -> Iterator[AppealService]:
    """A service over a migrated database with the test units."""
    svc = AppealService(migrated_url, policy=TEST_POLICY, clock=clock)
    svc.sync_units()
    yield svc
    svc.dispose()


@pytest.fixture(scope="module", params=BACKENDS)
def shared_service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[AppealService, FakeClock]]:
    """One migrated database per backend for a whole module (for many small independent tests)."""
    clock = FakeClock(datetime(2025, 3, 3, 2, 0, tzinfo=timezone.utc))
    with _database(request.param, request, tmp_path_factory.mktemp("shared")) as url:
        upgrade(url)
        svc = AppealService(url, policy=TEST_POLICY, clock=clock)
        svc.sync_units()
        yield svc, clock
        svc.dispose()
