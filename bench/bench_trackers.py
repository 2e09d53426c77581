"""Tracker store cost per turn, side by side in one run: retrieve + save of a 10- and a 40-turn
conversation.

Rasa retrieves the conversation's tracker at the start of every turn and saves it at the end,
on the server's one event loop, so this is per-turn CPU (and I/O) that no other turn can use.
Stores measured: FastInMemoryTrackerStore (objects in memory, nothing durable), Rasa's
SQLTrackerStore on SQLite and PostgreSQL, Rasa's RedisTrackerStore, and PersistentTrackerStore
(bot/persistent_tracker_store.py: one of those three plus a write-through object cache) on each
backend. Each conversation is first saved with N turns (untimed); then, for each of
`--senders` conversations and `--rounds` rounds, one turn is timed: retrieve, add a turn's
events, save. Writes bench/results/trackers.json.

    python bench/bench_trackers.py [--senders 20] [--rounds 3] [--turns 10 40]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import redis
from rasa.core.tracker_store import RedisTrackerStore, SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bench.bench_store import database
from bench.common import percentile, write_result
from bot.persistent_tracker_store import PersistentTrackerStore
from bot.tracker_store import FastInMemoryTrackerStore

ROOT = Path(__file__).resolve().parents[1]
REDIS_URL = os.environ.get("QIHU_BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
INTENTS = ["ask_hotline", "ask_materials", "ask_time_limit", "appeal", "greet", "affirm"]


def turn_events(number: int, slot: str) -> list[Event]:
    """One turn as Rasa records it: the user's message with its parse data, a slot, the
    action, the bot's reply with buttons, back to listening."""
    text = f"燃气报装打哪个电话{number}"
    ranking = [{"name": name, "confidence": 0.9 / (i + 1)} for i, name in enumerate(INTENTS)]
    parse_data = {
        "text": text,
        "intent": ranking[0],
        "intent_ranking": ranking,
        "entities": [{"entity": "topic", "value": "燃气", "start": 0, "end": 2}],
    }
    return [
        UserUttered(text, ranking[0], parse_data["entities"], parse_data),
        SlotSet(slot, f"v{number}"),
        ActionExecuted("action_answer", policy="RulePolicy", confidence=1.0),
        BotUttered(
            "南川区燃气报装电话：023-71420888。还想了解什么？",
            {"buttons": [{"title": f"问题{i}", "payload": f"/ask{i}"} for i in range(4)]},
        ),
        ActionExecuted("action_listen", policy="RulePolicy", confidence=1.0),
    ]


def conversation(sender: str, domain: Domain, turns: int) -> DialogueStateTracker:
    slot = domain.slots[0].name
    tracker = DialogueStateTracker(sender, domain.slots)
    for event in [ActionExecuted("action_session_start"), SessionStarted()]:
        tracker.update(event)
    tracker.update(ActionExecuted("action_listen"))
    for number in range(turns):
        for event in turn_events(number, slot):
            tracker.update(event)
    return tracker


async def measure(
    store: TrackerStore, domain: Domain, turns: int, senders: int, rounds: int
) -> dict[str, Any]:
    slot = domain.slots[0].name
    names = [f"bench-{uuid.uuid4().hex[:10]}" for _ in range(senders)]
    for name in names:
        await store.save(conversation(name, domain, turns))
    retrieves: list[float] = []
    saves: list[float] = []
    for round_number in range(rounds):
        for name in names:
            start = time.perf_counter()
            tracker = await store.retrieve(name)
            middle = time.perf_counter()
            assert tracker is not None
            for event in turn_events(turns + round_number, slot):
                tracker.update(event)
            before_save = time.perf_counter()
            await store.save(tracker)
            end = time.perf_counter()
            retrieves.append((middle - start) * 1000)
            saves.append((end - before_save) * 1000)
    totals = [r + s for r, s in zip(retrieves, saves, strict=True)]
    return {
        "retrieve_ms_p50": round(statistics.median(retrieves), 3),
        "save_ms_p50": round(statistics.median(saves), 3),
        "turn_ms_p50": round(statistics.median(totals), 3),
        "turn_ms_p95": round(percentile(totals, 0.95), 3),
        "turns_timed": len(totals),
    }


@contextmanager
def redis_db() -> Iterator[str]:
    """Redis for the benchmark; the keys it wrote are deleted afterwards."""
    yield REDIS_URL
    client = redis.Redis.from_url(REDIS_URL)
    for pattern in ("tracker:bench-*", "qihubench:tracker:*"):
        for key in client.scan_iter(match=pattern, count=500):
            client.delete(key)


def stores(exits: ExitStack, domain: Domain) -> dict[str, Callable[[], TrackerStore]]:
    """Name → factory; each factory gives a new store (a process start: nothing cached)."""
    sqlite_url = exits.enter_context(database("sqlite"))
    ours_sqlite_url = exits.enter_context(database("sqlite"))
    pg_url = exits.enter_context(database("postgresql"))
    ours_pg_url = exits.enter_context(database("postgresql"))
    redis_url = exits.enter_context(redis_db())
    os.environ.pop("TRACKER_STORE_URL", None)
    return {
        "fast_in_memory": lambda: FastInMemoryTrackerStore(domain),
        "rasa_sql_sqlite": lambda: SQLTrackerStore(domain, host=sqlite_url),
        "rasa_sql_postgresql": lambda: SQLTrackerStore(domain, host=pg_url),
        "rasa_redis": lambda: RedisTrackerStore(
            domain, host="127.0.0.1", port=6379, db=9, key_prefix="qihubench"
        ),
        "persistent_sqlite": lambda: PersistentTrackerStore(domain, host=ours_sqlite_url),
        "persistent_postgresql": lambda: PersistentTrackerStore(domain, host=ours_pg_url),
        "persistent_redis": lambda: PersistentTrackerStore(domain, host=redis_url),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--senders", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--turns", type=int, nargs="+", default=[10, 40])
    args = parser.parse_args(argv)
    domain = Domain.load(str(ROOT / "domain.yml"))
    results: dict[str, dict[str, Any]] = {}
    with ExitStack() as exits:
        for name, factory in stores(exits, domain).items():
            results[name] = {}
            for turns in args.turns:
                figures = asyncio.run(measure(factory(), domain, turns, args.senders, args.rounds))
                results[name][f"{turns}_turns"] = figures
                print(name, turns, figures, flush=True)
    for turns in args.turns:
        key = f"{turns}_turns"
        base = results["fast_in_memory"][key]["turn_ms_p50"]
        for figures in results.values():
            figures[key]["vs_fast_in_memory"] = round(figures[key]["turn_ms_p50"] / base, 2)
    write_result(
        "trackers",
        {
            "what": "one turn's retrieve + save of a tracker already holding N turns (5 events "
            "per turn); p50/p95 over senders × rounds; each store fresh in this process",
            "senders": args.senders,
            "rounds": args.rounds,
            "stores": results,
        },
    )


if __name__ == "__main__":
    main()
