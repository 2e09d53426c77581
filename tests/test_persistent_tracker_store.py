"""The durable tracker store: what it returns from its cache is what the store returns after a
restart, on SQLite, PostgreSQL and Redis; no event is lost or written twice; idle
conversations are pruned after the retention."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from rasa.core.tracker_store import SQLTrackerStore, create_tracker_store
from rasa.core.utils import read_endpoints_from_path
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, update

from bot import tracker_retention
from bot.persistent_tracker_store import PersistentTrackerStore, backend_store
from bot.tracker_retention import prune
from tests.test_tracker_store import RecordingBroker, dump, session

ROOT = Path(__file__).resolve().parents[1]
REDIS_URL = os.environ.get("TEST_TRACKER_REDIS_URL", "redis://127.0.0.1:6379/9")


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture(params=["sqlite", "postgresql", "redis"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'trackers.db'}"
    elif request.param == "postgresql":
        yield request.getfixturevalue("pg_database_url")
    else:
        yield REDIS_URL


@pytest.fixture
def sender() -> Iterator[str]:
    name = f"t-{uuid.uuid4().hex[:10]}"
    yield name
    redis.Redis.from_url(REDIS_URL).delete(f"tracker:{name}")


def store_at(url: str, domain: Domain, **kwargs: Any) -> PersistentTrackerStore:
    os.environ.pop("TRACKER_STORE_URL", None)
    return PersistentTrackerStore(domain, host=url, **kwargs)


async def talk(store: PersistentTrackerStore, domain: Domain, sender: str, sessions: int) -> None:
    """As Rasa does: retrieve the last session, add a turn's events, save; a new session each
    time, so the store has to tell sessions apart."""
    slot = domain.slots[0].name
    for number in range(sessions):
        tracker = await store.retrieve(sender) or DialogueStateTracker(sender, domain.slots)
        for event in session(f"燃气报装打哪个电话{number}", "ask_hotline", slot, f"v{number}")[:4]:
            tracker.update(event)
        await store.save(tracker)
        tracker = await store.retrieve(sender)
        assert tracker is not None
        for event in session("", "", slot, f"v{number}")[4:]:
            tracker.update(event)
        await store.save(tracker)


@pytest.mark.parametrize("sessions", [1, 3])
def test_cache_returns_what_the_store_returns_after_a_restart(
    domain: Domain, store_url: str, sender: str, sessions: int
) -> None:
    async def run() -> None:
        store = store_at(store_url, domain)
        await talk(store, domain, sender, sessions)
        cached = dump(await store.retrieve(sender))
        restarted = store_at(store_url, domain)  # a new process: nothing cached
        assert not restarted._cache
        assert dump(await restarted.retrieve(sender)) == cached
        rasas = backend_store(store_url, domain, 30)
        assert dump(await rasas.retrieve(sender)) == cached
        full = await restarted.retrieve_full_tracker(sender)
        assert full is not None and len(full.events) == 8 * sessions  # none lost or repeated
        # A turn after the restart continues the same conversation in the store.
        tracker = await restarted.retrieve(sender)
        assert tracker is not None
        tracker.update(UserUttered("谢谢", {"name": "thank", "confidence": 0.9}))
        await restarted.save(tracker)
        again = await store_at(store_url, domain).retrieve_full_tracker(sender)
        assert again is not None and len(again.events) == 8 * sessions + 1
        assert again.latest_message is not None and again.latest_message.text == "谢谢"

    asyncio.run(run())


def test_retrieved_tracker_is_a_copy_until_saved(domain: Domain, tmp_path: Path) -> None:
    async def run() -> None:
        store = store_at(f"sqlite:///{tmp_path / 't.db'}", domain)
        assert await store.retrieve("nobody") is None
        await talk(store, domain, "u1", 1)
        tracker = await store.retrieve("u1")
        assert tracker is not None
        saved = dump(tracker)
        tracker.update(UserUttered("还有别的吗", {"name": "help", "confidence": 0.8}))
        assert dump(await store.retrieve("u1")) == saved
        assert list(await store.keys()) == ["u1"]

    asyncio.run(run())


def test_no_cache_and_a_bounded_cache_read_the_store(domain: Domain, tmp_path: Path) -> None:
    async def run() -> None:
        url = f"sqlite:///{tmp_path / 't.db'}"
        uncached = store_at(url, domain, cache_size=0)
        await talk(uncached, domain, "u1", 2)
        assert not uncached._cache
        bounded = store_at(url, domain, cache_size=1)
        await talk(bounded, domain, "u2", 1)
        await talk(bounded, domain, "u3", 1)
        assert list(bounded._cache) == ["u3"]
        assert dump(await bounded.retrieve("u1")) == dump(await uncached.retrieve("u1"))

    asyncio.run(run())


def test_only_new_events_go_to_an_event_broker(domain: Domain, tmp_path: Path) -> None:
    async def run() -> list[dict[str, Any]]:
        broker = RecordingBroker()
        store = PersistentTrackerStore(domain, broker, host=f"sqlite:///{tmp_path / 't.db'}")
        await talk(store, domain, "u1", 1)
        first = len(broker.published)
        tracker = await store.retrieve("u1")
        assert tracker is not None
        tracker.update(UserUttered("谢谢", {"name": "thank", "confidence": 0.9}))
        await store.save(tracker)
        assert first == 8
        return broker.published[first:]

    new = asyncio.run(run())
    assert [(e["event"], e.get("text")) for e in new] == [("user", "谢谢")]


def test_endpoints_yml_selects_the_durable_store(
    domain: Domain, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rasa falls back to its in-memory store (with only a warning) when a custom type does
    not import: the configured store must really be this one, at TRACKER_STORE_URL."""
    url = f"sqlite:///{tmp_path / 'env.db'}"
    monkeypatch.setenv("TRACKER_STORE_URL", url)
    config = read_endpoints_from_path(str(ROOT / "endpoints.yml")).tracker_store
    store = create_tracker_store(config, domain)
    assert type(store) is PersistentTrackerStore
    assert store.url == url


def test_default_is_sqlite_under_var(monkeypatch: pytest.MonkeyPatch, domain: Domain) -> None:
    monkeypatch.delenv("TRACKER_STORE_URL", raising=False)
    config = read_endpoints_from_path(str(ROOT / "endpoints.yml")).tracker_store
    assert config is not None and config.url == "sqlite:///var/trackers.db"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "redis"])
def test_prune_deletes_only_conversations_idle_past_the_retention(
    domain: Domain, tmp_path: Path, request: pytest.FixtureRequest, backend: str
) -> None:
    url = {
        "sqlite": f"sqlite:///{tmp_path / 'p.db'}",
        "redis": REDIS_URL,
    }.get(backend) or request.getfixturevalue("pg_database_url")
    old, fresh = f"old-{uuid.uuid4().hex[:8]}", f"fresh-{uuid.uuid4().hex[:8]}"

    async def run() -> None:
        store = store_at(url, domain)
        await talk(store, domain, old, 1)
        await talk(store, domain, fresh, 1)

    try:
        asyncio.run(run())
        # 40 days on, with the fresh conversation active yesterday: only `old` is idle 30 days.
        later = time.time() + 40 * 86400
        with_fresh = asyncio.run(store_at(url, domain).retrieve(fresh))
        assert with_fresh is not None
        last = with_fresh.events[-1].timestamp
        assert prune(url, days=30, now=last + 29 * 86400) == 0
        pruned = prune(url, days=30, now=later) if backend != "redis" else None
        if backend == "redis":
            # Redis keys also expire by themselves; prune removes the ones past the cut-off.
            client = redis.Redis.from_url(REDIS_URL)
            assert 0 < client.ttl(f"tracker:{fresh}") <= 30 * 86400
            pruned = prune(url, days=30, now=later)
            assert pruned >= 2  # other stale test keys in this db may go too
        else:  # the PostgreSQL database is shared with the other tests of this session
            assert pruned == 2 if backend == "sqlite" else pruned >= 2
        restarted = store_at(url, domain)
        assert asyncio.run(restarted.retrieve(old)) is None
        assert asyncio.run(restarted.retrieve(fresh)) is None
    finally:
        redis.Redis.from_url(REDIS_URL).delete(f"tracker:{old}", f"tracker:{fresh}")


def age(url: str, sender: str, days: float) -> None:
    """Move a conversation's events `days` into the past."""
    events = SQLTrackerStore.SQLEvent.__table__
    engine = create_engine(url, future=True)
    with engine.begin() as conn:
        conn.execute(
            update(events)
            .where(events.c.sender_id == sender)
            .values(timestamp=events.c.timestamp - days * 86400)
        )
    engine.dispose()


def test_prune_keeps_a_conversation_active_within_the_retention(
    domain: Domain, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"

    async def run() -> None:
        store = store_at(url, domain)
        await talk(store, domain, "old", 1)
        await talk(store, domain, "new", 1)

    asyncio.run(run())
    age(url, "old", 31)
    assert prune(url, days=30) == 1
    restarted = store_at(url, domain)
    assert asyncio.run(restarted.retrieve("old")) is None
    assert asyncio.run(restarted.retrieve("new")) is not None


def test_the_rasa_process_prunes_at_its_first_save_and_then_daily(
    domain: Domain, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    asyncio.run(talk(store_at(url, domain), domain, "old", 1))
    age(url, "old", 31)
    store = store_at(url, domain)
    calls: list[str] = []

    def counted(*args: Any) -> int:
        calls.append("prune")
        return prune(*args)

    monkeypatch.setattr("bot.persistent_tracker_store.prune", counted)
    asyncio.run(talk(store, domain, "new", 2))  # four saves; asyncio.run waits for the thread
    assert len(calls) == 1
    assert asyncio.run(store_at(url, domain).retrieve("old")) is None
    store._next_prune = time.monotonic() - 1  # a day later
    asyncio.run(talk(store, domain, "new", 1))
    assert len(calls) == 2


def test_cache_never_serves_a_conversation_idle_past_the_retention(
    domain: Domain, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    store = store_at(url, domain)
    asyncio.run(talk(store, domain, "old", 1))
    age(url, "old", 31)
    prune(url, days=30)
    assert "old" in store._cache  # this process still holds it...
    for event in store._cache["old"]:
        event.timestamp -= 31 * 86400
    assert asyncio.run(store.retrieve("old")) is None  # ...but never serves it
    assert "old" not in store._cache


def test_prune_command(domain: Domain, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`python -m bot.tracker_store prune --days N --url URL` (bot/tracker_retention.main)."""
    url = f"sqlite:///{tmp_path / 'p.db'}"
    asyncio.run(talk(store_at(url, domain), domain, "old", 1))
    age(url, "old", 8)
    assert tracker_retention.main(["prune", "--url", url, "--days", "10"]) == 0
    assert "pruned 0 conversation(s) idle more than 10 days" in capsys.readouterr().out
    assert tracker_retention.main(["prune", "--url", url, "--days", "7"]) == 0
    assert "pruned 1 conversation(s) idle more than 7 days" in capsys.readouterr().out
