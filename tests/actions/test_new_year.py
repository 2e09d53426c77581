"""The chat across the turn of 2026/2027 with no 2027 holiday arrangement entered: the receipt
gives a date and says when it may still move, 不满意 gets an answer (no 500) with the new
provisional deadline, 满意 is recorded. The store's clock is set per test (the actions open
their service with bot.store.service.utc_now)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest

from actions.appeal_actions import (
    ActionAppealStatus,
    ActionPrepareEvaluation,
    ActionSubmitAppeal,
    ActionSubmitEvaluation,
)
from actions.store_access import get_service, reset_service
from bot.knowledge import get_knowledge
from bot.store import AppealService, Status
from bot.workdays import SHANGHAI
from tests.actions.helpers import run, texts, tracker
from tests.store.conftest import FakeClock

DRAFT = {
    "enterprise_name": "南川区青山机械有限公司",
    "contact_name": "张三",
    "contact_phone": "13812345678",
    "appeal_content": "园区门口的路灯坏了两个月，晚上很危险",
    "appeal_draft_id": "draft-new-year",
    "appeal_pending": True,
}
MAY_MOVE = "该日期暂按周末推算，2027年节假日安排录入后可能调整"


def sh(y: int, m: int, d: int, hh: int = 10) -> datetime:
    return datetime(y, m, d, hh, tzinfo=SHANGHAI)


@pytest.fixture
def clock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeClock]:
    fake = FakeClock(sh(2026, 12, 17))
    monkeypatch.setattr("bot.store.service.utc_now", fake)
    monkeypatch.setenv("APPEALS_DB_URL", f"sqlite:///{tmp_path / 'appeals.db'}")
    reset_service()
    yield fake
    reset_service()


def _slots(events: list) -> dict:  # type: ignore[type-arg]
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def _submit(draft_id: str) -> tuple[str, str]:
    messages, _ = run(
        ActionSubmitAppeal(),
        tracker("确认", "affirm", slots={**DRAFT, "appeal_draft_id": draft_id}),
    )
    receipt = texts(messages)
    number = receipt.split("编号：")[1].split("。")[0]
    return number, receipt


def _respond(service: AppealService, number: str, round_: int) -> None:
    unit = next(iter(get_knowledge().units))
    if round_ == 1:
        service.dispatch(number, unit, "complex", "coordinator")
    service.start(number, "unit")
    service.respond(number, "已处理", "unit")


@pytest.mark.parametrize(
    ("moment", "dispatch_by", "may_move"),
    [
        (sh(2026, 12, 17), "2026年12月18日", False),
        (sh(2026, 12, 31), "2027年1月1日", True),
        (sh(2027, 1, 4), "2027年1月5日", True),
        (sh(2027, 2, 10), "2027年2月11日", True),
    ],
)
def test_receipt(clock: FakeClock, moment: datetime, dispatch_by: str, may_move: bool) -> None:
    clock.set(moment)
    number, receipt = _submit(f"draft-{moment.date()}")
    assert f"（{dispatch_by}前）" in receipt
    assert (MAY_MOVE in receipt) is may_move
    assert "023-71992345" in receipt
    messages, _ = run(ActionAppealStatus(), tracker(f"{number}到哪了", "ask_appeal_status"))
    assert dispatch_by in texts(messages) and (MAY_MOVE in texts(messages)) is may_move


def test_unsatisfied_then_satisfied_into_2027(clock: FakeClock) -> None:
    clock.set(sh(2026, 12, 17))
    number, _ = _submit("draft-eval")
    service = get_service()
    _respond(service, number, 1)  # complex, dispatched 12-17: due 12-31 (certain)
    assert service.get(number).handling_due_provisional_year is None

    clock.set(sh(2026, 12, 31))
    _, events = run(
        ActionPrepareEvaluation(), tracker("不满意，路灯还是不亮", "evaluate_unsatisfied")
    )
    slots = _slots(events)
    assert slots["evaluation_number"] == number and slots["evaluation_satisfied"] is False
    messages, _ = run(ActionSubmitEvaluation(), tracker("不满意", slots=slots))
    reply = texts(messages)
    # 不满意 goes back to the 区营商办's inbox; it dispatches again (new deadline then).
    assert "已转回区营商办" in reply and "1个工作日内重新交办" in reply
    back = service.get(number)
    assert back.status is Status.UNSATISFIED and back.opinion_reason == "不满意，路灯还是不亮"
    again = service.dispatch(number, back.unit_id or "", "complex", "coordinator")
    assert again.handling_due_date == date(2027, 1, 14)  # 10 weekdays
    assert again.handling_due_provisional_year == 2027

    clock.set(sh(2027, 1, 4))
    _respond(service, number, 2)
    clock.set(sh(2027, 2, 10))
    _, events = run(ActionPrepareEvaluation(), tracker("满意", "evaluate_satisfied"))
    messages, _ = run(ActionSubmitEvaluation(), tracker("满意", slots=_slots(events)))
    assert "满意" in texts(messages) and number in texts(messages)
    assert service.get(number).status is Status.SATISFIED
