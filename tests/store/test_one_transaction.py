"""One behaviour for chat and console, each step one store transaction (issue 16, item 2).

A 不满意 from the chat or from the console puts the appeal back in the 区营商办's inbox with its
reason; the console's "mark responded" takes a dispatched appeal up and responds at once. An
injected failure inside the transaction leaves nothing half-done.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot import appeal_chat
from bot.console.accounts import Role, StaffUser
from bot.console.operations import perform
from bot.console.queries import Queries
from bot.store import AppealService, Status

COORDINATOR = StaffUser(1, "coord", "区营商办", Role.COORDINATOR, None, True, None)
HANDLER = StaffUser(2, "ha", "甲局经办", Role.HANDLER, "unit_a", True, None)


class Injected(RuntimeError):
    """The failure injected into a transaction."""


def _responded(service: AppealService) -> str:
    appeal = service.create("青山机械厂", "王经理", "13800000000", "路灯不亮", "rest", "s1")
    service.dispatch(appeal.number, "unit_a", "general", "console:coord")
    service.start(appeal.number, "console:ha")
    service.respond(appeal.number, "已联系供电所", "console:ha")
    return appeal.number


def _fail_on(monkeypatch: pytest.MonkeyPatch, service: AppealService, action: str) -> None:
    """Make the event log of ``action`` raise, after the row itself was updated."""
    log = service._log

    def failing(conn: Any, appeal_id: int, **values: Any) -> None:
        log(conn, appeal_id, **values)
        if values.get("action") == action:
            raise Injected(action)

    monkeypatch.setattr(service, "_log", failing)


def _evaluate_in_chat(service: AppealService, number: str, reason: str) -> None:
    appeal = service.get(number)
    appeal_chat.record_evaluation(service, appeal, False, reason, "rest:s1")


def _evaluate_in_console(service: AppealService, number: str, reason: str) -> None:
    perform(service, COORDINATOR, number, "evaluate", {"satisfied": "不满意", "reason": reason})


SIDES = {"chat": _evaluate_in_chat, "console": _evaluate_in_console}


@pytest.mark.parametrize("side", sorted(SIDES))
def test_unsatisfied_goes_back_to_the_coordinators_inbox(service: AppealService, side: str) -> None:
    number = _responded(service)
    SIDES[side](service, number, "路灯还是不亮")
    appeal = service.get(number)
    assert appeal.status is Status.UNSATISFIED and appeal.round == 1
    assert appeal.opinion_reason == "路灯还是不亮"
    assert appeal.unit_id == "unit_a"  # the coordinator sees who handled it last
    assert number in [a.number for a in Queries(service.engine).inbox().items]
    actions = [e.action for e in service.history(number)]
    assert actions[-1] == "evaluate_unsatisfied" and actions.count("dispatch") == 1
    again = service.dispatch(number, "unit_b", "simple", "console:coord")  # 再次交办
    assert again.status is Status.DISPATCHED and again.round == 2


@pytest.mark.parametrize("side", sorted(SIDES))
def test_failed_unsatisfied_leaves_nothing_half_done(
    service: AppealService, monkeypatch: pytest.MonkeyPatch, side: str
) -> None:
    number = _responded(service)
    before = service.history(number)
    _fail_on(monkeypatch, service, "evaluate_unsatisfied")
    with pytest.raises(Injected):
        SIDES[side](service, number, "路灯还是不亮")
    appeal = service.get(number)
    assert appeal.status is Status.RESPONDED and appeal.opinion_reason is None
    assert service.history(number) == before


def test_console_respond_takes_up_and_responds_in_one_step(service: AppealService) -> None:
    number = service.create("青山机械厂", "王经理", "13800000000", "路灯不亮", "rest", "s1").number
    service.dispatch(number, "unit_a", "general", "console:coord")
    done = perform(service, HANDLER, number, "respond", {"notes": "已更换线路"})
    assert done.status is Status.RESPONDED and done.handling_notes == "已更换线路"
    assert [e.action for e in service.history(number)][-2:] == ["start", "respond"]


def test_console_respond_after_start_is_one_step(service: AppealService) -> None:
    number = service.create("青山机械厂", "王经理", "13800000000", "路灯不亮", "rest", "s1").number
    service.dispatch(number, "unit_a", "general", "console:coord")
    service.start(number, "console:ha")
    done = perform(service, HANDLER, number, "respond", {"notes": "已更换线路"})
    assert done.status is Status.RESPONDED
    assert [e.action for e in service.history(number)][-2:] == ["start", "respond"]


def test_failed_console_respond_is_not_left_taken_up(
    service: AppealService, monkeypatch: pytest.MonkeyPatch
) -> None:
    number = service.create("青山机械厂", "王经理", "13800000000", "路灯不亮", "rest", "s1").number
    service.dispatch(number, "unit_a", "general", "console:coord")
    before = service.history(number)
    _fail_on(monkeypatch, service, "respond")
    with pytest.raises(Injected):
        perform(service, HANDLER, number, "respond", {"notes": "已更换线路"})
    appeal = service.get(number)
    assert appeal.status is Status.DISPATCHED and appeal.handling_notes is None
    assert service.history(number) == before
