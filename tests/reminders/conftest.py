"""Fixtures for the reminder tests: a migrated store on SQLite (and PostgreSQL where it matters),
a settable clock, a recording sender and a scheduler factory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest

from bot.knowledge import get_knowledge
from bot.reminders.delivery import DeliveryFailed
from bot.reminders.rules import RuleSet, default_rules
from bot.reminders.scheduler import Scheduler
from bot.reminders.staff import StaffDirectory
from bot.reminders.store import Reminder, ReminderStore
from bot.store import AppealService
from bot.store.migrate import upgrade
from bot.workdays import SHANGHAI
from tests.store.conftest import TEST_POLICY, FakeClock, _database

COORDINATOR_CHAT = "100"
UNIT_A_CHAT = "200"
STAFF = StaffDirectory(coordinators=(COORDINATOR_CHAT,), handlers={"unit_a": (UNIT_A_CHAT,)})


def sh(text: str) -> datetime:
    """An instant written in Shanghai time: sh('2025-03-03 10:00')."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@dataclass
class RecordingSender:
    """Records what would be delivered; ``fail`` makes the next deliveries fail."""

    sent: list[Reminder] = field(default_factory=list)
    fail: Callable[[Reminder], str | None] = lambda _r: None

    def send(self, reminder: Reminder) -> None:
        error = self.fail(reminder)
        if error:
            raise DeliveryFailed(error)
        self.sent.append(reminder)

    def kinds(self) -> list[tuple[str, str]]:
        return [(r.kind, r.recipient) for r in self.sent]

    def take(self) -> list[tuple[str, str]]:
        out = self.kinds()
        self.sent.clear()
        return out


@dataclass
class World:
    """A store, its clock, a sender and the schedulers made on it."""

    url: str
    service: AppealService
    clock: FakeClock
    sender: RecordingSender
    rules: RuleSet

    @property
    def store(self) -> ReminderStore:
        return ReminderStore(self.service.engine)

    def at(self, text: str) -> None:
        self.clock.set(sh(text))

    def scheduler(self, worker: str = "w1", sender: object = None) -> Scheduler:
        return Scheduler(
            self.service.engine,
            self.rules,
            get_knowledge(),
            sender or self.sender,  # type: ignore[arg-type]
            staff=STAFF,
            clock=self.clock,
            worker=worker,
        )

    def run(self, text: str, worker: str = "w1") -> list[tuple[str, str]]:
        """Set the clock, run one pass, return what was sent in it."""
        self.at(text)
        self.scheduler(worker).run_once()
        return self.sender.take()

    def new_appeal(self, sender_id: str = "u1", channel: str = "rest") -> str:
        return self.service.create(
            "某企业", "张三", "13900000000", "厂区停水", channel, sender_id
        ).number


def _world(url: str) -> Iterator[World]:
    upgrade(url)
    clock = FakeClock(sh("2025-03-03 10:00"))
    service = AppealService(url, policy=TEST_POLICY, clock=clock)
    service.sync_units()
    yield World(url, service, clock, RecordingSender(), default_rules())
    service.dispose()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    """SQLite: most rule tests."""
    yield from _world(f"sqlite:///{tmp_path / 'appeals.db'}")


@pytest.fixture(params=("sqlite", "postgresql"))
def any_world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    """Both backends."""
    with _database(request.param, request, tmp_path) as url:
        yield from _world(url)


@pytest.fixture
def pg_world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    """PostgreSQL only (the race)."""
    with _database("postgresql", request, tmp_path) as url:
        yield from _world(url)
