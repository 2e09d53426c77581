"""Appeal intake, progress and evaluation through the REST channel, with the real store.

Staff steps (交办, 办理, 反馈) are taken with the store's own service on the same database, as the
staff console will; everything the enterprise does goes through the chat.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.knowledge import get_knowledge
from bot.store import AppealService, Status, open_service
from tests.e2e.appeal_flow import CONTENT, NUMBER, fill_form, new_sender, submit
from tests.e2e.stack import Stack


@pytest.fixture(scope="module")
def store(stack: Stack) -> Iterator[AppealService]:
    """The stack's own database, as the staff console sees it."""
    service = open_service(stack.env["APPEALS_DB_URL"])
    yield service
    service.dispose()


def test_intake_with_bad_phone_then_correction(stack: Stack, store: AppealService) -> None:
    sender = new_sender("intake")
    assert "联系电话" in fill_form(stack, sender, phone="12345")  # no read-back yet
    reply = stack.text(sender, "12345")
    assert "电话号码格式不对" in reply and "023" in reply
    assert store.list_by_sender("rest", sender) == ()

    readback = stack.say(sender, "13812345678")
    text = "\n".join(m.get("text", "") for m in readback)
    for value in ("南川区青山机械有限公司", "张三", "13812345678", CONTENT):
        assert value in text
    payloads = [b["payload"] for m in readback for b in m.get("buttons") or []]
    assert "/affirm" in payloads and "/cancel" in payloads
    assert store.list_by_sender("rest", sender) == ()  # nothing written before confirming

    # Correct the phone with the read-back's button, then a typed correction of the name.
    assert "联系电话" in stack.text(sender, '/correct_appeal{"appeal_field":"contact_phone"}')
    assert "023-71234567" in stack.text(sender, "023 7123 4567")
    assert "企业名称" in stack.text(sender, "公司名字写错了")
    assert "南川区青山机械制造有限公司" in stack.text(sender, "南川区青山机械制造有限公司")

    receipt = stack.text(sender, "确认")
    number = NUMBER.search(receipt)
    assert number, receipt
    kb = get_knowledge()
    limits = kb.appeal_process.time_limits
    assert kb.primary_hotline.value.replace("-", "") in receipt.replace("-", "")
    assert f"{limits.dispatch_working_days}个工作日" in receipt
    for category in limits.categories.values():
        assert f"{category.label}{category.working_days}个工作日" in receipt

    (appeal,) = store.list_by_sender("rest", sender)
    assert appeal.number == number.group(0)
    assert appeal.phone == "023-71234567"
    assert appeal.enterprise == "南川区青山机械制造有限公司"
    assert appeal.content == CONTENT
    assert appeal.status is Status.SUBMITTED and appeal.dispatch_due is not None

    # A second 确认 (a retried delivery, a double tap) writes nothing more.
    stack.text(sender, "确认")
    assert len(store.list_by_sender("rest", sender)) == 1


def test_content_in_the_opening_message_is_kept(stack: Stack, store: AppealService) -> None:
    sender = new_sender("opening")
    reply = stack.text(sender, "公司停水三天了没人管，影响生产")
    assert "企业名称" in reply and "描述" not in reply
    stack.text(sender, "南川区青山机械有限公司")
    stack.text(sender, "李四")
    assert "公司停水三天了没人管" in stack.text(sender, "15923456789")


@pytest.mark.parametrize("stop_word", ["算了", "取消"])
def test_cancel_writes_nothing(stack: Stack, store: AppealService, stop_word: str) -> None:
    sender = new_sender("cancel")
    stack.text(sender, "我要反映问题")
    stack.text(sender, CONTENT)
    reply = stack.text(sender, stop_word)
    assert "已取消" in reply
    assert "确认" not in stack.text(sender, "确认")  # no read-back pending any more
    assert store.list_by_sender("rest", sender) == ()


def test_cancel_after_the_readback_writes_nothing(stack: Stack, store: AppealService) -> None:
    sender = new_sender("cancel-readback")
    fill_form(stack, sender)
    assert "已取消" in stack.text(sender, "/cancel")
    stack.text(sender, "确认")
    assert store.list_by_sender("rest", sender) == ()


def test_status_lists_own_appeals_and_reveals_nothing_else(
    stack: Stack, store: AppealService
) -> None:
    owner, other = new_sender("owner"), new_sender("other")
    number = submit(stack, owner)

    mine = stack.text(owner, "我的诉求办到哪了")
    assert number in mine and "收集" in mine
    by_number = stack.text(owner, f"{number}到哪一步了")
    assert number in by_number and "收集" in by_number

    nobody = stack.text(other, "我的诉求办到哪了")
    assert number not in nobody and "没有查到" in nobody
    foreign = stack.text(other, f"查一下{number}的进度")
    missing = stack.text(other, "查一下ncqhww2026-9999的进度")
    assert "没有查到" in foreign and "青山" not in foreign and "路灯" not in foreign
    assert foreign.replace(number, "X") == missing.replace("ncqhww2026-9999", "X")


def _respond(store: AppealService, number: str, notes: str) -> None:
    unit = next(iter(get_knowledge().units))
    appeal = store.get(number)
    if appeal.status is Status.SUBMITTED:
        store.dispatch(number, unit, "general", "staff:test")
    elif appeal.status is Status.UNSATISFIED:
        store.dispatch(number, appeal.unit_id or unit, "general", "staff:test")
    store.start(number, "staff:test")
    store.respond(number, notes, "staff:test")


def test_evaluation_unsatisfied_then_satisfied(stack: Stack, store: AppealService) -> None:
    sender = new_sender("evaluate")
    assert "没有待评价" in stack.text(sender, "满意")

    number = submit(stack, sender)
    assert "没有待评价" in stack.text(sender, "不满意")  # not responded yet: nothing changes
    assert store.get(number).status is Status.SUBMITTED

    _respond(store, number, "已联系供电所更换路灯")
    assert "评价" in stack.text(sender, "我的诉求办到哪了")
    assert "原因" in stack.text(sender, "不满意")
    reply = stack.text(sender, "路灯换了还是不亮")
    assert "区营商办" in reply and "重新交办" in reply

    back = store.get(number)  # back in the coordinator's inbox, with its reason
    assert back.status is Status.UNSATISFIED and back.round == 1
    assert back.opinion_reason == "路灯换了还是不亮"
    unsatisfied = [e for e in store.history(number) if e.action == "evaluate_unsatisfied"]
    assert [e.note for e in unsatisfied] == ["路灯换了还是不亮"]

    _respond(store, number, "已更换线路，路灯正常")
    assert "满意" in stack.text(sender, "满意")
    done = store.get(number)
    assert done.status is Status.SATISFIED
    events = [e.action for e in store.history(number)]
    assert events.count("evaluate_unsatisfied") == 1 and events[-1] == "evaluate_satisfied"


def test_evaluation_can_be_cancelled(stack: Stack, store: AppealService) -> None:
    sender = new_sender("evaluate-cancel")
    number = submit(stack, sender)
    _respond(store, number, "已处理")
    assert "原因" in stack.text(sender, "不满意")
    stack.text(sender, "取消")
    assert store.get(number).status is Status.RESPONDED
