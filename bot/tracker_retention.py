"""Delete conversations idle longer than the retention (contact phones live in trackers).

A tracker holds everything the user typed, including the contact name and phone number of
an appeal; the appeal store keeps what the district needs, so a conversation is kept only
while it may still continue: `TRACKER_RETENTION_DAYS` (default 30) after its last event.
The Rasa process prunes once a day (bot/persistent_tracker_store.py); the command prunes on
demand: `python -m bot.tracker_store prune [--days N] [--url URL]`.

SQL stores (Rasa's `events` table): every event of a conversation whose latest event is older
than the cut-off. Redis: keys expire by themselves after the retention (set on each save);
the command also deletes keys whose latest event is older, e.g. written before a shorter
retention was set.
"""

from __future__ import annotations

import argparse
import json
import time
from urllib.parse import unquote, urlsplit

from sqlalchemy import create_engine, delete, func, select
from sqlalchemy.engine import make_url

REDIS_KEY_PREFIX = "tracker:"  # rasa.core.constants.DEFAULT_REDIS_TRACKER_STORE_KEY_PREFIX


def prune(url: str, days: float, now: float | None = None) -> int:
    """Delete conversations whose last event is more than `days` before `now`; return how many."""
    cutoff = (time.time() if now is None else now) - days * 86400
    if url.startswith(("redis://", "rediss://")):
        return _prune_redis(url, cutoff)
    return _prune_sql(url, cutoff)


def _prune_sql(url: str, cutoff: float) -> int:
    from rasa.core.tracker_store import SQLTrackerStore

    events = SQLTrackerStore.SQLEvent.__table__
    idle = (
        select(events.c.sender_id)
        .group_by(events.c.sender_id)
        .having(func.max(events.c.timestamp) < cutoff)
    )
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        from pathlib import Path

        if not Path(parsed.database).exists():
            return 0
    engine = create_engine(url, future=True)
    try:
        with engine.begin() as conn:
            events.create(conn, checkfirst=True)
            senders = conn.execute(select(func.count()).select_from(idle.subquery())).scalar_one()
            if senders:
                conn.execute(delete(events).where(events.c.sender_id.in_(idle)))
        return int(senders)
    finally:
        engine.dispose()


def _prune_redis(url: str, cutoff: float) -> int:
    import redis

    parts = urlsplit(url)
    client = redis.Redis(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 6379,
        db=int(parts.path.strip("/") or 0),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        ssl=parts.scheme == "rediss",
    )
    pruned = 0
    try:
        for key in client.scan_iter(match=REDIS_KEY_PREFIX + "*", count=500):
            stored = client.get(key)
            if stored is None:
                continue
            events = json.loads(stored).get("events") or []
            if not events or float(events[-1].get("timestamp") or 0) < cutoff:
                pruned += int(client.delete(key))
    finally:
        client.close()
    return pruned


def main(argv: list[str] | None = None) -> int:
    from bot.persistent_tracker_store import retention_days, tracker_store_url

    parser = argparse.ArgumentParser(
        prog="python -m bot.tracker_store", description="Conversation tracker maintenance."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("prune", help="delete conversations idle past the retention")
    command.add_argument("--days", type=float, default=None, help="default TRACKER_RETENTION_DAYS")
    command.add_argument("--url", default=None, help="default TRACKER_STORE_URL")
    args = parser.parse_args(argv)
    days = args.days if args.days is not None else retention_days()
    url = args.url or tracker_store_url()
    count = prune(url, days)
    print(f"pruned {count} conversation(s) idle more than {days:g} days from {_safe(url)}")
    return 0


def _safe(url: str) -> str:
    """The URL without its password, for the log."""
    if url.startswith(("redis://", "rediss://")):
        parts = urlsplit(url)
        return parts._replace(
            netloc=(parts.hostname or "") + (f":{parts.port}" if parts.port else "")
        ).geturl()
    return make_url(url).render_as_string(hide_password=True)
