"""The Rasa entry point's reply validator accepts and rejects exactly what Rasa's does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot import rasa_server

ROOT = Path(__file__).resolve().parents[1]

GOOD: list[dict[str, Any]] = [
    {"events": [], "responses": []},
    {
        "events": [{"event": "slot", "name": "stage", "value": "规划许可", "timestamp": None}],
        "responses": [{"text": "请问是哪个环节？", "buttons": [{"title": "1", "payload": "/x"}]}],
    },
    {},
]
BAD: list[dict[str, Any]] = [
    {"events": "not a list"},
    {"events": [{"name": "stage"}]},  # an event without its type
    {"responses": ["不是对象"]},
    {"events": [{"event": "slot", "name": "stage", "value": 1, "timestamp": "now"}]},
]


@pytest.fixture()
def action() -> RemoteAction:
    return RemoteAction("action_x", None)  # type: ignore[arg-type]


@pytest.mark.parametrize("reply", GOOD)
def test_valid_replies_pass_both(action: RemoteAction, reply: dict[str, Any]) -> None:
    assert rasa_server.RASA_VALIDATE_ACTION_RESULT(action, reply) is True
    assert rasa_server.validate_action_result(action, reply) is True


@pytest.mark.parametrize("reply", BAD)
def test_invalid_replies_raise_rasas_error(action: RemoteAction, reply: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as rasas:
        rasa_server.RASA_VALIDATE_ACTION_RESULT(action, reply)
    with pytest.raises(ValidationError) as ours:
        rasa_server.validate_action_result(action, reply)
    assert ours.value.message == rasas.value.message
    assert "custom-actions" in ours.value.message


def test_install_swaps_rasas_method_without_per_call_schema_check(
    action: RemoteAction, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks: list[object] = []
    validator_class = type(rasa_server._REPLY_VALIDATOR)
    original_check = validator_class.check_schema
    monkeypatch.setattr(
        validator_class,
        "check_schema",
        classmethod(lambda cls, schema: checks.append(schema) or original_check(schema)),
    )
    monkeypatch.setattr(
        RemoteAction, "_validate_action_result", RemoteAction._validate_action_result
    )
    rasa_server.install()
    assert RemoteAction._validate_action_result is rasa_server.validate_action_result
    for _ in range(3):
        assert action._validate_action_result(GOOD[1]) is True
    assert checks == []
    monkeypatch.setattr(
        RemoteAction, "_validate_action_result", rasa_server.RASA_VALIDATE_ACTION_RESULT
    )
    action._validate_action_result(GOOD[1])
    assert len(checks) == 1  # Rasa's own method checks the schema on every call


def test_entry_point_runs_rasas_cli() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "bot.rasa_server", "--version"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert "Rasa Version      :         3.6.21" in out.stdout
