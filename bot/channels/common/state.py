"""Short-lived shared state for the channels: deliveries, nonces, last buttons, unsubscribes.

Why: WeChat retries callbacks and a district may run several Rasa instances behind one
URL, so "has this delivery been seen?" must be answered by Redis when REDIS_URL is set
(SET NX with a TTL is atomic across instances). Without Redis (development, one instance)
an in-memory store with the same semantics is used.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from abc import ABC, abstractmethod

import redis.asyncio as aioredis

logger = logging.getLogger(__name__)


class StateStore(ABC):
    """Key/value strings with a time to live; every key is namespaced by the store."""

    @abstractmethod
    async def claim(self, key: str, value: str, ttl: float) -> bool:
        """Set `key` only if it is absent; True when this caller set it (atomic)."""

    @abstractmethod
    async def get(self, key: str) -> str | None:
        """The value, or None when absent or expired."""

    @abstractmethod
    async def set(self, key: str, value: str, ttl: float) -> None:
        """Set `key` unconditionally, with a fresh TTL."""

    @abstractmethod
    async def delete(self, key: str) -> None:
        """Remove `key` if present."""


class MemoryStore(StateStore):
    """Process-local store; expired keys are swept now and then so memory stays bounded.

    Used from one event loop only (Sanic's), so no locking is needed.
    """

    SWEEP_EVERY = 512

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self._data: dict[str, tuple[float, str]] = {}
        self._writes = 0

    def _live(self, key: str) -> str | None:
        item = self._data.get(self.prefix + key)
        if item is None:
            return None
        if item[0] <= time.monotonic():
            del self._data[self.prefix + key]
            return None
        return item[1]

    def _write(self, key: str, value: str, ttl: float) -> None:
        self._data[self.prefix + key] = (time.monotonic() + ttl, value)
        self._writes += 1
        if self._writes % self.SWEEP_EVERY == 0:
            now = time.monotonic()
            for stale in [k for k, (expires, _) in self._data.items() if expires <= now]:
                del self._data[stale]

    async def claim(self, key: str, value: str, ttl: float) -> bool:
        if self._live(key) is not None:
            return False
        self._write(key, value, ttl)
        return True

    async def get(self, key: str) -> str | None:
        return self._live(key)

    async def set(self, key: str, value: str, ttl: float) -> None:
        self._write(key, value, ttl)

    async def delete(self, key: str) -> None:
        self._data.pop(self.prefix + key, None)

    def __len__(self) -> int:
        return len(self._data)


class RedisStore(StateStore):
    """Redis-backed store shared by every server instance.

    An asyncio Redis client belongs to the event loop that first used it, so one client is
    kept per running loop (tests and tools may run several loops in one process).
    """

    def __init__(self, url: str, prefix: str = "qihu:channels:") -> None:
        self.url = url
        self.prefix = prefix
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aioredis.Redis] = (
            weakref.WeakKeyDictionary()
        )

    def _client(self) -> aioredis.Redis:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            client = aioredis.Redis.from_url(self.url, decode_responses=True)
            self._clients[loop] = client
        return client

    async def claim(self, key: str, value: str, ttl: float) -> bool:
        done = await self._client().set(
            self.prefix + key, value, nx=True, px=max(1, int(ttl * 1000))
        )
        return bool(done)

    async def get(self, key: str) -> str | None:
        value = await self._client().get(self.prefix + key)
        return None if value is None else str(value)

    async def set(self, key: str, value: str, ttl: float) -> None:
        await self._client().set(self.prefix + key, value, px=max(1, int(ttl * 1000)))

    async def delete(self, key: str) -> None:
        await self._client().delete(self.prefix + key)


def make_store(redis_url: str | None, prefix: str) -> StateStore:
    """Redis when a URL is configured, memory otherwise (logged, since it is per process)."""
    if redis_url:
        return RedisStore(redis_url, prefix)
    logger.info("Channel state kept in memory: set REDIS_URL when running several instances.")
    return MemoryStore(prefix)
