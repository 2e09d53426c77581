"""The in-memory tracker store that skips Rasa's JSON round trip behaves like Rasa's own.

`make run` uses the durable store (tests/test_persistent_tracker_store.py); this one stays for
the benchmarks and as the baseline the durable store's cache is measured against."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import InMemoryTrackerStore, TrackerStore
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

from bot.tracker_store import FastInMemoryTrackerStore

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


def session(text: str, intent: str, slot: str, value: Any) -> list[Event]:
    return [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
        UserUttered(text, {"name": intent, "confidence": 0.9}, parse_data={"text": text}),
        SlotSet(slot, value),
        ActionExecuted("action_answer"),
        BotUttered("好的", {"buttons": [{"title": "1", "payload": "/affirm"}]}),
        ActionExecuted("action_listen"),
    ]


def conversation(domain: Domain, sender: str, sessions: int) -> DialogueStateTracker:
    slot = domain.slots[0].name
    tracker = DialogueStateTracker(sender, domain.slots)
    for number in range(sessions):
        for event in session(f"燃气报装打哪个电话{number}", "ask_hotline", slot, f"v{number}"):
            tracker.update(event)
    return tracker


def dump(tracker: DialogueStateTracker | None) -> dict[str, Any]:
    assert tracker is not None
    state = tracker.current_state()
    state.pop("latest_event_time", None)
    return {"state": state, "events": [event.as_dict() for event in tracker.events]}


@pytest.mark.parametrize("sessions", [1, 3])
def test_retrieves_what_rasas_store_retrieves(domain: Domain, sessions: int) -> None:
    saved = conversation(domain, "u1", sessions)

    async def both(store: TrackerStore) -> tuple[dict[str, Any], dict[str, Any]]:
        await store.save(saved)
        last = dump(await store.retrieve("u1"))
        full = dump(await store.retrieve_full_tracker("u1"))
        return last, full

    ours = asyncio.run(both(FastInMemoryTrackerStore(domain)))
    rasas = asyncio.run(both(InMemoryTrackerStore(domain)))
    assert ours == rasas
    last, full = ours
    assert len(full["events"]) == 8 * sessions
    assert len(last["events"]) == 8  # only the last session, as Rasa's store returns it


def test_retrieved_tracker_is_a_copy_until_saved(domain: Domain) -> None:
    async def run() -> None:
        store = FastInMemoryTrackerStore(domain)
        assert await store.retrieve("nobody") is None
        await store.save(conversation(domain, "u1", 1))
        tracker = await store.retrieve("u1")
        assert tracker is not None
        tracker.update(UserUttered("还有别的吗", {"name": "help", "confidence": 0.8}))
        again = await store.retrieve("u1")
        assert again is not None and len(again.events) == 8
        assert again.latest_message is not None
        assert again.latest_message.text == "燃气报装打哪个电话0"
        await store.save(tracker)
        saved = await store.retrieve("u1")
        assert saved is not None and saved.latest_message is not None
        assert saved.latest_message.text == "还有别的吗"
        assert list(await store.keys()) == ["u1"]

    asyncio.run(run())


class RecordingBroker(EventBroker):
    def __init__(self) -> None:
        self.published: list[dict[str, Any]] = []

    def publish(self, event: dict[str, Any]) -> None:
        self.published.append(event)


def test_only_new_events_go_to_an_event_broker(domain: Domain) -> None:
    async def run() -> list[dict[str, Any]]:
        broker = RecordingBroker()
        store = FastInMemoryTrackerStore(domain, broker)
        tracker = conversation(domain, "u1", 1)
        await store.save(tracker)
        first = len(broker.published)
        tracker.update(UserUttered("谢谢", {"name": "thank", "confidence": 0.9}))
        await store.save(tracker)
        assert first == 8
        return broker.published[first:]

    new = asyncio.run(run())
    assert [(e["event"], e.get("text")) for e in new] == [("user", "谢谢")]
