"""Conversations as newcomers have them, in our own words, through the REST channel: a typed
number at a picker, a follow-up on the topic, one material, a complaint asked as a question,
another district. The public eval sets measure the same behaviour with other sentences."""

from __future__ import annotations

import uuid

from tests.e2e.stack import Stack


def _sender(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


def test_typed_number_at_the_picker_then_a_follow_up(stack: Stack) -> None:
    sender = _sender("picker")
    assert "土地出让合同" in stack.text(sender, "一码办各环节的材料清单发我看看")
    assert "成交确认书" in stack.text(sender, "2")
    reply = stack.text(sender, "不用我们交的那几样是从哪里来的")
    assert "交易中心移交" in reply


def test_one_material_then_the_topics_phone(stack: Stack) -> None:
    sender = _sender("material")
    reply = stack.text(sender, "办房屋首次登记 房地产调查报告还是我们自己准备吗")
    assert "房地产调查报告" in reply and "申请人提供" in reply
    reply = stack.text(sender, "这个环节的咨询电话呢")
    assert "71422479" in reply and "71420888" not in reply


def test_a_complaint_asked_about_a_scheme_opens_the_form(stack: Stack) -> None:
    sender = _sender("complaint")
    reply = stack.text(sender, "燃气公司来看过现场快十天了 接气方案一直不给 我们要投诉")
    assert "企业名称" in reply


def test_another_district_gets_no_number_of_ours_as_theirs(stack: Stack) -> None:
    reply = stack.text(_sender("place"), "铜梁那边燃气报装电话多少")
    assert "南川区" in reply and "71420888" not in reply
