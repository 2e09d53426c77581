"""Checks on the NLU training data in data/nlu (intents, counts, duplicates, entities)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
NLU_DIR = ROOT / "data" / "nlu"

EXPECTED_INTENTS = {
    "greet",
    "goodbye",
    "thank",
    "affirm",
    "deny",
    "help",
    "out_of_scope",
    "bot_challenge",
    "ask_materials",
    "ask_hotline",
    "ask_one_thing",
    "ask_scheme_one_window",
    "ask_scheme_business_startup",
    "ask_scheme_land_approval",
    "ask_scheme_inspection",
    "ask_scheme_energy_diagnosis",
    "ask_scheme_power",
    "ask_scheme_gas",
    "ask_scheme_water",
    "ask_scheme_bidding",
    "ask_scheme_appeal_process",
    "ask_scheme_fulfilment",
    "ask_scheme_mediation",
    "ask_scheme_best_case",
    "report_appeal",
    "correct_appeal",
    "ask_appeal_status",
    "evaluate_satisfied",
    "evaluate_unsatisfied",
    "cancel",
    "remind_evaluation",
    "subscribe",
    "unsubscribe",
}

ALLOWED_ENTITIES = {"stage", "hotline_topic", "package", "appeal_number"}

MIN_EXAMPLES = 35
MIN_EXAMPLES_SPECIAL = {"ask_materials": 60, "ask_hotline": 50, "out_of_scope": 50}

TOPIC_FILES = [
    "smalltalk.yml",
    "materials.yml",
    "hotlines.yml",
    "one_thing.yml",
    "schemes.yml",
    "appeals.yml",
    "appeal_correction.yml",
    "reminders.yml",
    "subscriptions.yml",
]

APPEAL_NUMBER_REGEX = r"ncqhww\d{4}-\d{2,}"


@pytest.fixture(scope="module")
def training_data():
    from rasa.shared.nlu.training_data.loading import load_data

    return load_data(str(NLU_DIR))


@pytest.fixture(scope="module")
def examples_by_intent(training_data):
    grouped: dict[str, list] = defaultdict(list)
    for message in training_data.intent_examples:
        grouped[message.get("intent")].append(message)
    return grouped


def _raw_examples() -> list[tuple[str, str, str]]:
    """(file, intent, raw example line) for every example in the topic files."""
    rows = []
    for name in TOPIC_FILES:
        doc = yaml.safe_load((NLU_DIR / name).read_text(encoding="utf-8"))
        for block in doc.get("nlu", []):
            if "intent" not in block:
                continue
            for line in block["examples"].splitlines():
                line = line.strip()
                if line.startswith("- "):
                    rows.append((name, block["intent"], line[2:].strip()))
    return rows


def test_topic_files_exist_and_declare_version():
    for name in TOPIC_FILES:
        path = NLU_DIR / name
        assert path.is_file(), f"missing {path}"
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert str(doc.get("version")) == "3.1", f"{name}: version must be '3.1'"
        assert isinstance(doc.get("nlu"), list) and doc["nlu"], f"{name}: empty nlu section"


def test_intent_set(training_data):
    assert set(training_data.intents) == EXPECTED_INTENTS


def test_min_examples_per_intent(examples_by_intent):
    too_few = {}
    for intent in EXPECTED_INTENTS:
        minimum = MIN_EXAMPLES_SPECIAL.get(intent, MIN_EXAMPLES)
        count = len(examples_by_intent.get(intent, []))
        if count < minimum:
            too_few[intent] = (count, minimum)
    assert not too_few, f"intents with too few examples (count, minimum): {too_few}"


def test_no_duplicate_text_across_intents(training_data):
    intents_by_text: dict[str, set[str]] = defaultdict(set)
    for message in training_data.intent_examples:
        text = re.sub(r"\s+", " ", message.get("text").strip().lower())
        intents_by_text[text].add(message.get("intent"))
    clashes = {t: sorted(i) for t, i in intents_by_text.items() if len(i) > 1}
    assert not clashes, f"same text under several intents: {clashes}"


def test_no_duplicate_lines_in_files():
    counts = Counter((intent, text) for _, intent, text in _raw_examples())
    dups = [key for key, n in counts.items() if n > 1]
    assert not dups, f"duplicate examples: {dups}"


def test_entities_are_known(training_data):
    used = {e["entity"] for m in training_data.intent_examples for e in m.get("entities") or []}
    assert used <= ALLOWED_ENTITIES, f"unknown entities: {used - ALLOWED_ENTITIES}"


def test_entity_spans_match_text(training_data):
    for message in training_data.intent_examples:
        text = message.get("text")
        for ent in message.get("entities") or []:
            span = text[ent["start"] : ent["end"]]
            assert span.strip() == span and span, f"bad span {span!r} in {text!r}"


def test_entities_belong_to_their_intents(training_data):
    expected = {
        "stage": {"ask_materials"},
        "hotline_topic": {"ask_hotline"},
        "package": {"ask_one_thing"},
        "appeal_number": {"ask_appeal_status", "remind_evaluation"},
    }
    for message in training_data.intent_examples:
        for ent in message.get("entities") or []:
            assert message.get("intent") in expected[ent["entity"]], (
                f"{ent['entity']} annotated under {message.get('intent')}: {message.get('text')!r}"
            )


def test_appeal_number_regex(training_data):
    patterns = {r["name"]: r["pattern"] for r in training_data.regex_features}
    assert patterns.get("appeal_number") == APPEAL_NUMBER_REGEX
    rx = re.compile(APPEAL_NUMBER_REGEX, re.IGNORECASE)
    for message in training_data.intent_examples:
        for ent in message.get("entities") or []:
            if ent["entity"] == "appeal_number":
                assert rx.fullmatch(ent["value"]), ent["value"]


def test_entity_share(examples_by_intent):
    """Some, but not all, examples of the slot-bearing intents carry their entity."""
    for intent, entity, low, high in [
        ("ask_materials", "stage", 0.5, 0.8),
        ("ask_hotline", "hotline_topic", 0.5, 0.9),
        ("ask_one_thing", "package", 0.5, 0.95),
        ("ask_appeal_status", "appeal_number", 0.2, 0.7),
    ]:
        msgs = examples_by_intent[intent]
        with_entity = sum(
            any(e["entity"] == entity for e in (m.get("entities") or [])) for m in msgs
        )
        share = with_entity / len(msgs)
        assert low <= share <= high, f"{intent}: {share:.0%} of examples carry {entity}"


EVAL_DIR = ROOT.parent / "shared" / "eval"
MIN_LEAK_CHARS = 9
_ANNOTATION = re.compile(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\{[^}]*\}")
_NOT_TEXT = re.compile(r"[\s，。？！,.?!、~～…“”\"']+")


def _plain(text: str) -> str:
    """An example without entity annotations, spaces and punctuation, for comparison."""
    text = _ANNOTATION.sub(lambda m: m.group(1) or m.group(2) or "", text)
    return _NOT_TEXT.sub("", text).lower()


def _eval_messages() -> list[str]:
    """Every user message of the public evaluation sets (single cases and dialog steps)."""
    messages: list[str] = []
    for path in sorted(EVAL_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for item in data if isinstance(data, list) else data.get("cases", []):
            if not isinstance(item, dict):
                continue
            for key in ("message", "text"):
                if isinstance(item.get(key), str):
                    messages.append(item[key])
            for step in item.get("steps") or []:
                if isinstance(step, dict) and isinstance(step.get("say"), str):
                    messages.append(step["say"])
    return messages


@pytest.mark.skipif(not EVAL_DIR.is_dir(), reason="the shared evaluation sets are not present")
def test_no_evaluation_message_is_training_data():
    """The eval sets measure understanding of unseen words; a copied message would hide that.

    Stock replies shorter than MIN_LEAK_CHARS ("好的", "确认", "我要反映问题", "我的诉求办到哪了")
    are the commands every user types and must stay in the training data.
    """
    training = {_plain(example) for _, _, example in _raw_examples()}
    messages = _eval_messages()
    leaked = [m for m in messages if len(_plain(m)) >= MIN_LEAK_CHARS and _plain(m) in training]
    assert messages, "no evaluation messages found"
    assert not leaked, f"evaluation messages in data/nlu: {leaked[:5]}"
