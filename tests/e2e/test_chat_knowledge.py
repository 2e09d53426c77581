"""The newcomer's questions, asked in their own words through the REST channel.

Expected facts are literal strings checked against the seed documents first, so a test can
only pass when the assistant states what the documents say.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.stack import Stack
from tests.seeds import seed_text

CASES = [
    # (user message, facts the reply must contain)
    (
        "办建设工程规划许可要交啥材料",
        ["建设工程设计方案", "建设项目规划管理报建申请表", "10项减为3项"],
    ),
    ("燃气报装打哪个电话", ["71420888"]),
    ("低压居民接电要几天", ["低压居民3个工作日内接电"]),
    ("企业有诉求打啥电话", ["71992345"]),
    ("一码办咨询电话多少", ["71422479"]),
    ("招投标监管热线", ["71423026"]),
    ("开办企业营业执照多久能拿到", ["0.5天"]),
    ("限下招标是多少钱的项目", ["5万以上400万以下"]),
    ("企业开办一件事包括哪些", ["刻制印章", "申领发票"]),
]


@pytest.mark.parametrize(("message", "facts"), CASES)
def test_answers_state_the_documents_facts(stack: Stack, message: str, facts: list[str]) -> None:
    seeds = seed_text()
    for fact in facts:
        assert fact in seeds, f"test expectation {fact!r} is not in the documents"
    reply = stack.text(f"newcomer-{abs(hash(message))}", message)
    for fact in facts:
        assert fact in reply, f"{message!r} → {reply!r} lacks {fact!r}"


def test_ambiguous_stage_asks_which_one_with_buttons(stack: Stack) -> None:
    messages = stack.say("ambiguous-stage", "规划许可证要准备啥材料")
    buttons = [b for m in messages for b in m.get("buttons", [])]
    payloads = {b["payload"] for b in buttons}
    assert '/ask_materials{"stage":"stage_3"}' in payloads
    assert '/ask_materials{"stage":"stage_5"}' in payloads
    # Clicking a button answers that stage.
    reply = stack.text("ambiguous-stage", '/ask_materials{"stage":"stage_5"}')
    assert "建设工程设计方案" in reply


def test_out_of_scope_gets_plain_fallback_with_the_hotline(stack: Stack) -> None:
    reply = stack.text("oos", "明天重庆天气怎么样")
    assert "71992345" in reply
    # No other number is offered: the fallback never states a fact it was not asked for.
    assert set(re.findall(r"\d{5,}", reply)) == {"71992345"}, reply


def test_greeting_lists_capabilities(stack: Stack) -> None:
    reply = stack.text("greeter", "你好")
    assert "材料" in reply and "诉求" in reply
