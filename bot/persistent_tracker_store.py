"""Conversations kept in SQLite, PostgreSQL or Redis, with the event objects cached in memory.

A restart of `make run` must not lose a half-filled appeal form, so every tracker is written
to a durable store (Rasa's own SQLTrackerStore or RedisTrackerStore) before the turn answers.
Reading a tracker back from those stores parses every event of the session from JSON each
turn, the cost FastInMemoryTrackerStore (bot/tracker_store.py) was written to avoid; so the
events just written are also kept as objects in a bounded in-process cache and a turn replays
them from there. The store stays the truth: a cache miss (a restart, an evicted or expired
conversation) reads the store, and nothing is cached that was not written first.

The cache assumes one Rasa process serves a conversation (one process, or sticky routing);
with several processes that may serve the same conversation set `TRACKER_CACHE_SIZE=0`.

Where conversations live comes from `TRACKER_STORE_URL` (else the `url` of the endpoints
section, else `sqlite:///var/trackers.db`): `sqlite:///path`, `postgresql+psycopg2://...`,
or `redis://host:port/db`. They are deleted after `TRACKER_RETENTION_DAYS` idle days
(bot/tracker_retention.py).
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import RedisTrackerStore, SQLTrackerStore, TrackerStore
from rasa.shared.core.constants import ACTION_SESSION_START_NAME
from rasa.shared.core.conversation import Dialogue
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine, make_url

from bot.tracker_retention import prune

DEFAULT_URL = "sqlite:///var/trackers.db"
DEFAULT_RETENTION_DAYS = 30.0
DEFAULT_CACHE_SIZE = 10_000
PRUNE_INTERVAL = 86400.0
logger = logging.getLogger(__name__)


def tracker_store_url(configured: str | None = None) -> str:
    """`TRACKER_STORE_URL`, else the endpoints file's `url`, else SQLite under var/."""
    return os.environ.get("TRACKER_STORE_URL") or configured or DEFAULT_URL


def retention_days() -> float:
    """Idle days after which a conversation is deleted (`TRACKER_RETENTION_DAYS`)."""
    days = float(os.environ.get("TRACKER_RETENTION_DAYS") or DEFAULT_RETENTION_DAYS)
    if days <= 0:
        raise ValueError("TRACKER_RETENTION_DAYS must be positive")
    return days


def is_redis_url(url: str) -> bool:
    return url.startswith(("redis://", "rediss://"))


def backend_store(url: str, domain: Domain | None, retention: float) -> TrackerStore:
    """Rasa's own store for `url`, without an event broker (the caller streams events).

    Redis keys expire after the retention, counted from the last save, so Redis prunes
    itself; SQL stores are pruned daily by the store and by `python -m bot.tracker_store prune`.
    """
    if is_redis_url(url):
        parts = urlsplit(url)
        return RedisTrackerStore(
            domain,
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 6379,
            db=int(parts.path.strip("/") or 0),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            use_ssl=parts.scheme == "rediss",
            record_exp=int(retention * 86400),
        )
    parsed = make_url(url)
    sqlite = parsed.get_backend_name() == "sqlite"
    if sqlite and parsed.database:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    # A full URL as `host` is used by Rasa as it is (SQLTrackerStore.get_db_url).
    store = SQLTrackerStore(domain, host=url)
    if sqlite:
        _write_ahead_log(store.engine)
    return store


def _write_ahead_log(engine: Engine) -> None:
    """SQLite in WAL mode: a commit is one append (and its fsync, `synchronous` stays FULL, so
    a commit survives a power cut too) instead of a rollback journal's several; readers such
    as the pruning thread do not block the turn's write."""

    def on_connect(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    sa_event.listen(engine, "connect", on_connect)
    engine.dispose()  # connections opened before the listener reconnect with it


def last_session(events: tuple[Event, ...], redis: bool = False) -> tuple[Event, ...]:
    """The events the store returns as the last session, which the cache must hold exactly:
    SQLTrackerStore's save appends the tracker's events past the count it holds for that
    session, so a cached tracker with one event more or less would lose or repeat events.

    SQLTrackerStore: the events from the latest SessionStarted's timestamp on.
    RedisTrackerStore: from the last `action_session_start` on (Rasa's session split).
    """
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if redis and isinstance(event, ActionExecuted):
            if event.action_name == ACTION_SESSION_START_NAME:
                return events[index:]
        elif not redis and isinstance(event, SessionStarted):
            since = event.timestamp
            kept = tuple(e for e in events if e.timestamp >= since)
            return events if len(kept) == len(events) else kept
    return events


class PersistentTrackerStore(TrackerStore):
    """Durable store (SQL or Redis, see the module docstring) with a write-through cache."""

    def __init__(
        self,
        domain: Domain,
        event_broker: EventBroker | None = None,
        host: str | None = None,
        cache_size: int | None = None,
        **kwargs: Any,
    ) -> None:
        # `host` is the endpoints section's `url`; TRACKER_STORE_URL overrides it.
        self.url = tracker_store_url(host)
        self.retention_seconds = retention_days() * 86400
        self.backend = backend_store(self.url, domain, retention_days())
        self.redis = is_redis_url(self.url)
        size = os.environ.get("TRACKER_CACHE_SIZE")
        if size:
            cache_size = int(size)
        self.cache_size = DEFAULT_CACHE_SIZE if cache_size is None else cache_size
        self._next_prune = 0.0
        self._cache: OrderedDict[str, tuple[Event, ...]] = OrderedDict()
        super().__init__(domain, event_broker, **kwargs)

    @property
    def domain(self) -> Domain:
        return self._domain

    @domain.setter
    def domain(self, domain: Domain | None) -> None:
        # Rasa sets the domain after loading a model; the backend builds trackers with it too.
        self._domain = domain or Domain.empty()
        self.backend.domain = self._domain

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Writes the new events to the store (committed before returning), then caches them."""
        await self.stream_events(tracker)
        await self.backend.save(tracker)
        self._prune_daily()
        if self.cache_size <= 0:
            return
        sender = tracker.sender_id
        self._cache[sender] = last_session(tuple(tracker.events), self.redis)
        self._cache.move_to_end(sender)
        self._trim()

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The last session: replayed from the cache, or read from the store on a miss."""
        events = self._cache.get(sender_id)
        if events is not None and self._expired(events):
            del self._cache[sender_id]  # the store prunes it; never serve it from memory
            events = None
        if events is None:
            tracker = await self.backend.retrieve(sender_id)
            if tracker is not None and self.cache_size > 0:
                self._cache[sender_id] = tuple(tracker.events)
                self._trim()
            return tracker
        self._cache.move_to_end(sender_id)
        tracker = self.init_tracker(sender_id)
        tracker.recreate_from_dialogue(Dialogue(sender_id, list(events)))
        return tracker

    async def retrieve_full_tracker(self, conversation_id: str) -> DialogueStateTracker | None:
        """Every session, always from the store (the cache holds the last session only)."""
        return await self.backend.retrieve_full_tracker(conversation_id)

    async def keys(self) -> Any:
        return await self.backend.keys()

    def forget(self, sender_id: str | None = None) -> None:
        """Drop one conversation (or all) from the cache; the store keeps them."""
        if sender_id is None:
            self._cache.clear()
        else:
            self._cache.pop(sender_id, None)

    def _prune_daily(self) -> None:
        """Start pruning idle conversations (bot/tracker_retention.py) on a worker thread once
        a day, the first time at the first save: a long-running `make run` keeps the
        retention without a cron job, and the turn does not wait for it."""
        now = time.monotonic()
        if now < self._next_prune:
            return
        self._next_prune = now + PRUNE_INTERVAL
        future = asyncio.get_running_loop().run_in_executor(
            None, prune, self.url, self.retention_seconds / 86400
        )
        future.add_done_callback(_log_prune)

    def _expired(self, events: tuple[Event, ...]) -> bool:
        return bool(events) and events[-1].timestamp < time.time() - self.retention_seconds

    def _trim(self) -> None:
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)


def _log_prune(future: asyncio.Future[int]) -> None:
    if future.exception() is not None:
        logger.warning("pruning idle conversations failed: %r", future.exception())
    else:
        logger.info("pruned %d idle conversation(s)", future.result())
