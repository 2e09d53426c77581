"""An enterprise's side of the intake conversation, shared by the end-to-end tests."""

from __future__ import annotations

import re
import uuid

from tests.e2e.stack import Stack

NUMBER = re.compile(r"ncqhww\d{4}-\d{2,}")
CONTENT = "园区门口的路灯坏了两个月，晚上员工下班很危险，希望尽快修好"


def new_sender(label: str) -> str:
    return f"e2e-{label}-{uuid.uuid4().hex[:8]}"


def fill_form(stack: Stack, sender: str, phone: str = "13812345678") -> str:
    """Opening message to read-back; returns the read-back text."""
    opening = stack.text(sender, "我要反映问题")
    assert "描述" in opening
    assert "不对" not in opening and "没有填写" not in opening  # nothing judged before asked
    assert "企业名称" in stack.text(sender, CONTENT)
    assert "联系人" in stack.text(sender, "南川区青山机械有限公司")
    assert "联系电话" in stack.text(sender, "张三")
    return stack.text(sender, phone)


def submit(stack: Stack, sender: str) -> str:
    """A complete intake; returns the new appeal's number."""
    fill_form(stack, sender)
    reply = stack.text(sender, "确认")
    match = NUMBER.search(reply)
    assert match, reply
    return match.group(0)
