"""Every custom action is guarded: an unexpected error gives a short apology with the hotline,
keeps the form's answers (no event at all) and never reaches rasa-sdk as an exception (a 500)."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import logging
import pkgutil
from typing import Any

import pytest
from rasa_sdk import Action
from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import ActionExecutionRejection

import actions
from actions import appeal_actions
from actions.appeal_actions import ActionSubmitAppeal, ValidateAppealForm
from actions.guard import APOLOGY, HOTLINE, guarded, is_guarded
from bot.knowledge import get_knowledge
from tests.actions.helpers import run, texts, tracker

DRAFT = {
    "enterprise_name": "南川区青山机械有限公司",
    "contact_name": "张三",
    "contact_phone": "13812345678",
    "appeal_content": "园区门口的路灯坏了两个月，晚上很危险",
    "appeal_draft_id": "draft-1",
    "appeal_pending": True,
}


def _action_classes() -> list[type[Action]]:
    found: list[type[Action]] = []
    for module in pkgutil.iter_modules(actions.__path__):
        mod = importlib.import_module(f"actions.{module.name}")
        for _, cls in inspect.getmembers(mod, inspect.isclass):
            mine = issubclass(cls, Action) and cls.__module__ == mod.__name__
            if mine and not inspect.isabstract(cls):
                found.append(cls)
    return found


def test_every_action_is_guarded() -> None:
    classes = _action_classes()
    assert len(classes) >= 20
    assert [c.__name__ for c in classes if not is_guarded(c)] == []


def test_the_apology_names_the_appeal_hotline() -> None:
    assert get_knowledge().primary_hotline.display == HOTLINE
    assert "023-71992345" in APOLOGY and len(APOLOGY) < 60


def _boom(*_args: Any, **_kwargs: Any) -> Any:
    raise RuntimeError("unexpected")


def test_an_unexpected_error_is_an_apology_and_keeps_the_draft(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(appeal_actions, "get_service", _boom)
    with caplog.at_level(logging.ERROR):
        messages, events = run(ActionSubmitAppeal(), tracker("确认", "affirm", slots=DRAFT))
    assert texts(messages) == APOLOGY
    assert events == []  # no slot reset: the read-back and every answer stay
    assert "action_submit_appeal failed" in caplog.text and "ref " in caplog.text


def test_a_form_validation_error_keeps_the_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(*_args: Any) -> list[str]:
        raise RuntimeError("unexpected")

    monkeypatch.setattr(ValidateAppealForm, "required_slots", broken)
    slots = {**DRAFT, "contact_phone": "13812345678", "requested_slot": "contact_phone"}
    t = tracker("13812345678", "inform", slots=slots, active_loop="appeal_form")
    messages, events = run(ValidateAppealForm(), t, {"forms": {"appeal_form": {}}})
    assert texts(messages) == APOLOGY
    assert events == []


def test_rejection_still_reaches_rasa() -> None:
    @guarded
    class Rejecting(Action):
        def name(self) -> str:
            return "action_rejecting"

        async def run(self, dispatcher: Any, tracker: Any, domain: Any) -> list[Any]:
            raise ActionExecutionRejection("action_rejecting")

    with pytest.raises(ActionExecutionRejection):
        run(Rejecting(), tracker("x"))


def test_the_action_server_answers_without_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """Through rasa-sdk's executor, as the action server runs it: a reply, not an exception."""
    monkeypatch.setattr(appeal_actions, "get_service", _boom)
    executor = ActionExecutor()
    executor.register_package("actions")
    call = {
        "next_action": "action_appeal_status",
        "sender_id": "tester",
        "tracker": {
            "sender_id": "tester",
            "slots": DRAFT,
            "latest_message": {"text": "我的诉求办到哪了", "intent": {"name": "x"}, "entities": []},
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
        "domain": {},
        "version": "3.6.2",
    }
    response = asyncio.run(executor.run(call))
    assert response is not None
    assert [m["text"] for m in response["responses"]] == [APOLOGY]
    assert response["events"] == []
