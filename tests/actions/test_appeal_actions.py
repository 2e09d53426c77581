"""The appeal actions with rasa-sdk's own Tracker and dispatcher, over a real SQLite store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.appeal_actions import (
    ActionAppealStatus,
    ActionCancelAppeal,
    ActionConfirmAppeal,
    ActionPrepareEvaluation,
    ActionStartAppeal,
    ActionStartCorrection,
    ActionSubmitAppeal,
    ValidateAppealForm,
)
from actions.store_access import get_service, reset_service
from bot.knowledge import get_knowledge
from bot.store import AppealService, Status
from tests.actions.helpers import entity, payloads, run, texts, tracker

DRAFT = {
    "enterprise_name": "南川区青山机械有限公司",
    "contact_name": "张三",
    "contact_phone": "13812345678",
    "appeal_content": "园区门口的路灯坏了两个月，晚上很危险",
    "appeal_draft_id": "draft-1",
    "appeal_pending": True,
}


@pytest.fixture
def service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppealService]:
    monkeypatch.setenv("APPEALS_DB_URL", f"sqlite:///{tmp_path / 'appeals.db'}")
    reset_service()
    yield get_service()
    reset_service()


def slots_set(events: list) -> dict:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_start_keeps_substantial_opening_message_as_content() -> None:
    _, events = run(ActionStartAppeal(), tracker("公司停水三天了没人管", "report_appeal"))
    slots = slots_set(events)
    assert slots["appeal_content"] == "公司停水三天了没人管"
    assert slots["appeal_draft_id"] and slots["appeal_pending"] is False


def test_start_with_bare_request_asks_for_content() -> None:
    _, events = run(ActionStartAppeal(), tracker("我要反映问题", "report_appeal"))
    assert "appeal_content" not in {k for k, v in slots_set(events).items() if v}


@pytest.mark.parametrize(
    ("slot", "value", "expected"),
    [
        ("contact_phone", "138 1234 5678", "13812345678"),
        ("contact_phone", "+86 13812345678", "13812345678"),
        ("contact_phone", "023-71234567", "023-71234567"),
        ("contact_phone", "12345", None),
        ("contact_phone", "010-12345678", None),
        ("enterprise_name", "。", None),
        ("appeal_content", "我要投诉", None),
        ("contact_phone", None, None),
    ],
)
def test_form_validation(slot: str, value: str | None, expected: str | None) -> None:
    dispatcher = CollectingDispatcher()
    result = getattr(ValidateAppealForm(), f"validate_{slot}")(
        value, dispatcher, tracker(value), {}
    )
    assert result == {slot: expected}
    # A rejection always says why; an emptied slot (value None) is not judged at all.
    assert bool(dispatcher.messages) is (expected is None and value is not None)


def test_confirm_reads_back_without_writing(service: AppealService) -> None:
    messages, events = run(ActionConfirmAppeal(), tracker("13812345678", slots=DRAFT))
    assert all(v in texts(messages) for v in ("青山机械", "张三", "13812345678", "路灯"))
    assert "/affirm" in payloads(messages)
    assert SlotSet("appeal_pending", True) in events
    assert service.list_by_sender("rest", "tester") == ()


def test_submit_twice_with_the_same_draft_writes_one_ticket(service: AppealService) -> None:
    first, events = run(ActionSubmitAppeal(), tracker("确认", "affirm", slots=DRAFT))
    second, _ = run(ActionSubmitAppeal(), tracker("确认", "affirm", slots=DRAFT))
    (appeal,) = service.list_by_sender("rest", "tester")
    assert appeal.number in texts(first) and appeal.number in texts(second)
    assert appeal.idempotency_key == "draft-1"
    assert slots_set(events)["appeal_draft_id"] is None  # the draft is done


def test_submit_when_store_is_down_keeps_the_draft(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A PostgreSQL port where nothing listens: connection refused.
    monkeypatch.setenv("APPEALS_DB_URL", "postgresql+psycopg2://postgres@127.0.0.1:9/none")
    reset_service()
    try:
        messages, events = run(ActionSubmitAppeal(), tracker("确认", "affirm", slots=DRAFT))
    finally:
        reset_service()
    hotline = get_knowledge().primary_hotline.value.replace("-", "")
    assert hotline in texts(messages).replace("-", "") and "重新提交" in texts(messages)
    assert events == []  # every answer, the draft id and the pending flag stay


def test_correction_by_button_and_by_words() -> None:
    _, events = run(
        ActionStartCorrection(),
        tracker("", "correct_appeal", [entity("appeal_field", "contact_phone")], slots=DRAFT),
    )
    assert SlotSet("contact_phone", None) in events
    _, events = run(
        ActionStartCorrection(), tracker("公司名字写错了", "correct_appeal", slots=DRAFT)
    )
    assert SlotSet("enterprise_name", None) in events
    _, events = run(
        ActionStartCorrection(), tracker("联系人名字不对", "correct_appeal", slots=DRAFT)
    )
    assert SlotSet("contact_name", None) in events


def test_cancel_clears_everything() -> None:
    messages, events = run(ActionCancelAppeal(), tracker("算了", "cancel", slots=DRAFT))
    assert "已取消" in texts(messages)
    assert all(slots_set(events)[f] is None for f in ("appeal_draft_id", "contact_phone"))


def test_status_of_someone_elses_number_reveals_nothing(service: AppealService) -> None:
    appeal = service.create(
        "甲公司", "王五", "13900000000", "厂区门口道路破损严重", "rest", "owner"
    )
    messages, _ = run(
        ActionAppealStatus(), tracker(f"{appeal.number}到哪了", "ask_appeal_status", sender_id="x")
    )
    assert "没有查到" in texts(messages) and "甲公司" not in texts(messages)
    messages, _ = run(
        ActionAppealStatus(),
        tracker(f"{appeal.number}到哪了", "ask_appeal_status", sender_id="owner"),
    )
    assert appeal.number in texts(messages) and "收集" in texts(messages)


def test_evaluation_with_several_responded_appeals_asks_which(service: AppealService) -> None:
    unit = next(iter(get_knowledge().units))
    numbers = []
    for content in ("厂区门口道路破损严重", "园区路灯坏了两个月"):
        number = service.create("甲公司", "王五", "13900000000", content, "rest", "tester").number
        service.dispatch(number, unit, "simple", "staff")
        service.start(number, "staff")
        service.respond(number, "已处理", "staff")
        numbers.append(number)
    messages, events = run(ActionPrepareEvaluation(), tracker("满意", "evaluate_satisfied"))
    assert all(f'"appeal_number":"{n}"' in " ".join(payloads(messages)) for n in numbers)
    assert slots_set(events)["evaluation_number"] is None
    _, events = run(
        ActionPrepareEvaluation(),
        tracker("", "evaluate_satisfied", [entity("appeal_number", numbers[1])]),
    )
    assert slots_set(events)["evaluation_number"] == numbers[1]
    assert all(service.get(n).status is Status.RESPONDED for n in numbers)  # nothing yet


def test_a_bare_request_takes_the_problem_described_just_before() -> None:
    from actions.appeal_actions import ActionStartAppeal

    t = tracker("麻烦帮我登记一下", "report_appeal")
    t.events.insert(
        0,
        {
            "event": "user",
            "text": "仓库旁边的排水沟堵了两周，一下雨就漫进来，找谁管嘛",
            "parse_data": {"intent": {"name": "nlu_fallback"}},
        },
    )
    _, events = run(ActionStartAppeal(), t)
    content = [e["value"] for e in events if e.get("name") == "appeal_content"]
    assert content[-1] == "仓库旁边的排水沟堵了两周，一下雨就漫进来"


def test_a_status_query_before_the_request_is_not_the_content() -> None:
    from actions.appeal_actions import ActionStartAppeal

    t = tracker("我要反映问题", "report_appeal")
    t.events.insert(
        0,
        {
            "event": "user",
            "text": "上回提的那个事情办到哪一步了",
            "parse_data": {"intent": {"name": "ask_appeal_status"}},
        },
    )
    _, events = run(ActionStartAppeal(), t)
    assert not [e for e in events if e.get("name") == "appeal_content" and e.get("value")]


def test_a_bare_request_alone_is_not_the_content() -> None:
    from actions.appeal_actions import ActionStartAppeal

    _, events = run(ActionStartAppeal(), tracker("我这边想反映个事情", "report_appeal"))
    assert not [e for e in events if e.get("name") == "appeal_content" and e.get("value")]


def test_a_correction_with_its_value_applies_it() -> None:
    _, events = run(
        ActionStartCorrection(),
        tracker("手机号填错了 应该是13677778888", "correct_appeal", slots=DRAFT),
    )
    assert SlotSet("contact_phone", "13677778888") in events
    _, events = run(
        ActionStartCorrection(),
        tracker("企业名称不对，改成南川区长青建材有限公司", "correct_appeal", slots=DRAFT),
    )
    assert SlotSet("enterprise_name", "南川区长青建材有限公司") in events


def _in_form(text: str, intent: str, requested: str, confidence: float = 0.95):
    slots = {"appeal_draft_id": "d1", "requested_slot": requested, requested: text}
    t = tracker(text, intent, slots=slots, active_loop="appeal_form")
    t.latest_message["intent"]["confidence"] = confidence
    t.events.append({"event": "slot", "name": requested, "value": text})  # as the form extracted
    return t


def test_a_side_question_in_the_form_is_answered_and_the_field_stays_open() -> None:
    t = _in_form("顺便问下 燃气报装电话是好多", "ask_hotline", "enterprise_name")
    messages, events = run(ValidateAppealForm(), t)
    assert "023-71420888" in texts(messages)
    assert SlotSet("enterprise_name", None) in events


def test_goodbye_in_the_form_pauses_without_taking_it_as_a_name() -> None:
    messages, events = run(
        ValidateAppealForm(), _in_form("今天先这样 拜拜", "goodbye", "contact_name")
    )
    assert "还没有提交" in texts(messages)
    assert SlotSet("contact_name", None) in events


def test_a_name_is_still_a_name() -> None:
    t = _in_form("重庆南川禾木科技有限公司", "ask_scheme_one_window", "enterprise_name", 0.5)
    fields = ["appeal_content", "enterprise_name", "contact_name", "contact_phone"]
    domain = {"forms": {"appeal_form": {"required_slots": fields}}}
    _, events = run(ValidateAppealForm(), t, domain)
    assert SlotSet("enterprise_name", "重庆南川禾木科技有限公司") in events


def test_asking_where_to_complain_gets_the_channel_not_a_draft() -> None:
    from actions.appeal_actions import ActionStartAppeal

    messages, events = run(
        ActionStartAppeal(), tracker("限下项目想投诉 监管热线是多少", "report_appeal")
    )
    assert "023-71423026" in texts(messages)
    assert not [e for e in events if e.get("name") == "appeal_draft_id"]


def test_an_appeal_from_another_district_gets_the_coverage_note() -> None:
    from actions.appeal_actions import ActionStartAppeal

    messages, events = run(
        ActionStartAppeal(), tracker("我们公司在大足区 想在这里提个诉求", "report_appeal")
    )
    assert "南川区" in texts(messages)
    assert not [e for e in events if e.get("name") == "appeal_draft_id"]
