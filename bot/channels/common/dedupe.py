"""Delivery dedupe and nonce replay protection, on top of a `StateStore`.

Why: WeChat re-sends a callback up to three times when it gets no answer within five
seconds, with the same MsgId (events: the same FromUserName and CreateTime). A retry must
never start a second dialogue turn; it waits for the first delivery's outcome (possibly on
another server instance) and repeats it.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import time
from dataclasses import asdict, dataclass

from bot.channels.common.state import StateStore

PENDING = "pending"
PASSIVE = "passive"  # answered in the HTTP reply; `text` is that reply
PUSHED = "pushed"  # answered with "success"; the answer goes out as pushed messages


@dataclass(frozen=True)
class Outcome:
    state: str
    text: str = ""


class Deliveries:
    """First-delivery ownership and outcome sharing for one channel."""

    def __init__(self, store: StateStore, ttl: float, poll_interval: float = 0.02) -> None:
        self.store = store
        self.ttl = ttl
        self.poll_interval = poll_interval

    @staticmethod
    def _key(key: str) -> str:
        return f"delivery:{key}"

    async def claim(self, key: str) -> bool:
        """True for the first delivery of `key`: that caller runs the turn."""
        return await self.store.claim(
            self._key(key), json.dumps(asdict(Outcome(PENDING))), self.ttl
        )

    async def finish(self, key: str, outcome: Outcome) -> None:
        await self.store.set(self._key(key), json.dumps(asdict(outcome)), self.ttl)

    async def outcome(self, key: str) -> Outcome | None:
        raw = await self.store.get(self._key(key))
        if raw is None:
            return None
        data = json.loads(raw)
        return Outcome(str(data.get("state", PENDING)), str(data.get("text", "")))

    async def wait(self, key: str, timeout: float) -> Outcome | None:
        """The first delivery's outcome once decided, or None if still pending at `timeout`.

        Polling works the same for memory and Redis (other instances cannot notify us);
        the interval only delays retries, which are rare.
        """
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            outcome = await self.outcome(key)
            if outcome is not None and outcome.state != PENDING:
                return outcome
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            await asyncio.sleep(min(self.poll_interval, remaining))


class NonceGuard:
    """Rejects a signed query string used again for a different request body.

    The callback signature covers only token, timestamp and nonce, not the body, so a
    captured URL could carry any body until the timestamp goes stale. The first body seen
    with a (timestamp, nonce) pair is remembered; the same pair with another body is a
    replay. The identical request again is let through: it is a retry, and the delivery
    dedupe answers it without a second turn.
    """

    def __init__(self, store: StateStore, ttl: float) -> None:
        self.store = store
        self.ttl = ttl

    async def accept(self, timestamp: str, nonce: str, body_digest: str) -> bool:
        key = f"nonce:{timestamp}:{nonce}"
        if await self.store.claim(key, body_digest, self.ttl):
            return True
        seen = await self.store.get(key)
        return seen is not None and hmac.compare_digest(seen.encode(), body_digest.encode())
