"""What the chat says about appeals: receipts, progress and evaluation replies.

The actions in ``actions/appeal_actions.py`` only read the tracker and call these functions;
time limits and the hotline come from the knowledge base, appeal data from the store.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from bot.answers import Answer, Button, primary_contact
from bot.intake import Draft
from bot.knowledge import KnowledgeBase, get_knowledge
from bot.store import Appeal, AppealNotFound, AppealService, Status
from bot.store.lifecycle import STAGE_LABELS
from bot.store.numbering import NUMBER_RE, normalize_number

# An appeal number anywhere in a message (users paste it with other words around it).
_NUMBER_IN_TEXT = re.compile(NUMBER_RE.pattern.strip("^$"), re.IGNORECASE)

# Statuses in which the enterprise is asked for its opinion (评价).
AWAITING_EVALUATION = (Status.RESPONDED, Status.FOLLOW_UP)


def _kb(kb: KnowledgeBase | None) -> KnowledgeBase:
    return get_knowledge() if kb is None else kb


def _day(value: date | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


def _provisional(year: int | None) -> str:
    """Said after a date reckoned without its year's holiday arrangement: it may still move."""
    if not year:
        return ""
    return f"（该日期暂按周末推算，{year}年节假日安排录入后可能调整）"


def find_number(text: str | None) -> str | None:
    """The first appeal number in ``text`` (e.g. 'ncqhww2026-07到哪了'), normalised."""
    match = _NUMBER_IN_TEXT.search(text or "")
    return normalize_number(match.group(0)) if match else None


def time_limits_text(kb: KnowledgeBase | None = None) -> str:
    """'简单问题2个工作日、一般问题5个工作日、复杂问题10个工作日' from the knowledge base."""
    limits = _kb(kb).appeal_process.time_limits
    return "、".join(f"{c.label}{c.working_days}个工作日" for c in limits.categories.values())


# --- intake ---------------------------------------------------------------------------------


FIELD_LABELS = {
    "enterprise_name": "企业名称",
    "contact_name": "联系人",
    "contact_phone": "联系电话",
    "appeal_content": "诉求内容",
}

# Words a user types to say which answer is wrong ('电话填错了', '改下公司名'), most specific
# first: '联系人' before '名字', '公司名' before '公司'.
_FIELD_WORDS = (
    ("联系电话", "contact_phone"),
    ("联系人", "contact_name"),
    ("企业名", "enterprise_name"),
    ("公司名", "enterprise_name"),
    ("单位名", "enterprise_name"),
    ("厂名", "enterprise_name"),
    ("电话", "contact_phone"),
    ("手机", "contact_phone"),
    ("号码", "contact_phone"),
    ("座机", "contact_phone"),
    ("姓名", "contact_name"),
    ("名字", "contact_name"),
    ("诉求", "appeal_content"),
    ("内容", "appeal_content"),
    ("问题", "appeal_content"),
    ("事情", "appeal_content"),
    ("企业", "enterprise_name"),
    ("公司", "enterprise_name"),
    ("名称", "enterprise_name"),
)


def field_from_text(text: str | None) -> str | None:
    """The form field a correction message names ('公司名字写错了' → enterprise_name)."""
    return next((field for word, field in _FIELD_WORDS if word in (text or "")), None)


def _field_buttons() -> tuple[Button, ...]:
    return tuple(
        Button(f"改{label}", f'/correct_appeal{{"appeal_field":"{field}"}}')
        for field, label in FIELD_LABELS.items()
    )


def confirmation(draft: Draft) -> Answer:
    """The read-back before anything is written."""
    text = (
        "请核对您的诉求信息：\n"
        + draft.summary()
        + "\n确认无误请点“确认提交”，需要修改请点对应项。"
    )
    return Answer(
        text, (Button("确认提交", "/affirm"), *_field_buttons(), Button("取消", "/cancel"))
    )


def correction_menu() -> Answer:
    return Answer("请问要修改哪一项？", (*_field_buttons(), Button("取消", "/cancel")))


def receipt(appeal: Appeal, kb: KnowledgeBase | None = None) -> Answer:
    """Written: the number, what happens next and the time limits."""
    kb = _kb(kb)
    limits = kb.appeal_process.time_limits
    due = ""
    if appeal.dispatch_due_date:
        due = f"（{_day(appeal.dispatch_due_date)}前）"
        due += _provisional(appeal.dispatch_due_provisional_year)
    lines = [
        f"您的诉求已受理，编号：{appeal.number}。",
        f"接下来：{appeal.dispatching_unit}在{limits.dispatch_working_days}个工作日内{due}"
        "交办给承办单位；承办单位会与您联系，并按问题类型在时限内办结"
        f"（{time_limits_text(kb)}）；办结后会请您评价。",
        "查询进度请发送“我的诉求办到哪了”或编号。",
        f"如有疑问，请拨打{primary_contact(kb)}。",
    ]
    return Answer("\n".join(lines))


def store_unavailable(kb: KnowledgeBase | None = None) -> Answer:
    """The database is down: nothing was written, the answers are kept, try again or call."""
    text = (
        "抱歉，系统暂时无法保存您的诉求，您填写的内容已为您保留。"
        f"请稍后点“重新提交”再试，或直接拨打{primary_contact(_kb(kb))}反映。"
    )
    return Answer(text, (Button("重新提交", "/affirm"), Button("取消", "/cancel")))


def lookup_unavailable(kb: KnowledgeBase | None = None) -> Answer:
    text = f"抱歉，系统暂时无法查询，请稍后再试，或拨打{primary_contact(_kb(kb))}。"
    return Answer(text)


def cancelled(had_draft: bool) -> Answer:
    if had_draft:
        return Answer("好的，已取消，您填写的内容没有提交。需要时可以随时重新提交诉求。")
    return Answer("好的。还有什么可以帮您？")


# --- status -----------------------------------------------------------------------------------


def _unit_name(appeal: Appeal, kb: KnowledgeBase) -> str | None:
    if appeal.unit_id is None:
        return None
    unit = kb.units.get(appeal.unit_id)
    return unit.name if unit else appeal.unit_id


def status_line(appeal: Appeal, kb: KnowledgeBase | None = None) -> str:
    """One appeal's stage, unit and due date, e.g. '编号…：办理中（承办单位：…，…前办结）'."""
    kb = _kb(kb)
    parts = [f"阶段：{STAGE_LABELS[appeal.status]}"]
    unit = _unit_name(appeal, kb)
    if unit:
        parts.append(f"承办单位：{unit}")
    if appeal.status is Status.SUBMITTED and appeal.dispatch_due_date:
        parts.append(
            f"预计{_day(appeal.dispatch_due_date)}前交办"
            + _provisional(appeal.dispatch_due_provisional_year)
        )
    if appeal.status in (Status.DISPATCHED, Status.IN_PROGRESS) and appeal.handling_due_date:
        parts.append(
            f"办结期限：{_day(appeal.handling_due_date)}"
            + _provisional(appeal.handling_due_provisional_year)
        )
    if appeal.status in AWAITING_EVALUATION:
        parts.append("已反馈办理情况，请您评价（满意／不满意）")
    if appeal.status is Status.RESPONDED and appeal.handling_notes:
        parts.append(f"办理情况：{appeal.handling_notes}")
    summary = appeal.content if len(appeal.content) <= 20 else appeal.content[:20] + "…"
    return f"{appeal.number}（{summary}）\n" + "；".join(parts)


def status_of_sender(appeals: Sequence[Appeal], kb: KnowledgeBase | None = None) -> Answer:
    kb = _kb(kb)
    if not appeals:
        return Answer(
            "没有查到您在本渠道提交的诉求。如需反映问题，可以发送“我要反映问题”，"
            f"或拨打{primary_contact(kb)}。",
            (Button("提交诉求", "/report_appeal"),),
        )
    lines = [f"您共有{len(appeals)}件诉求：", *(status_line(a, kb) for a in appeals)]
    return Answer("\n\n".join(lines))


def not_found(number: str, kb: KnowledgeBase | None = None) -> Answer:
    """Same words whether the number does not exist or belongs to someone else."""
    return Answer(
        f"没有查到您名下编号为{number}的诉求。请核对编号，"
        f"或发送“我的诉求办到哪了”查看全部；也可拨打{primary_contact(_kb(kb))}。"
    )


def appeal_of_sender(
    service: AppealService, number: str, channel: str, sender_id: str
) -> Appeal | None:
    """The appeal ``number`` if this sender on this channel submitted it, else None."""
    try:
        appeal = service.get(number)
    except AppealNotFound:
        return None
    return appeal if (appeal.channel, appeal.sender_id) == (channel, sender_id) else None


# --- evaluation -----------------------------------------------------------------------------


def awaiting_evaluation(appeals: Sequence[Appeal]) -> list[Appeal]:
    return [a for a in appeals if a.status in AWAITING_EVALUATION]


def choose_for_evaluation(appeals: Sequence[Appeal], satisfied: bool) -> Answer:
    intent = "evaluate_satisfied" if satisfied else "evaluate_unsatisfied"
    buttons = tuple(Button(a.number, f'/{intent}{{"appeal_number":"{a.number}"}}') for a in appeals)
    lines = ["您有多件诉求待评价，请问是对哪一件？", *(status_line(a) for a in appeals)]
    return Answer("\n\n".join(lines), buttons)


def nothing_to_evaluate(kb: KnowledgeBase | None = None) -> Answer:
    return Answer(
        "您目前没有待评价的诉求：诉求还没有办理反馈，暂不能评价。承办单位反馈后，我们会请您评价。"
        f"如有疑问请拨打{primary_contact(_kb(kb))}。"
    )


def record_evaluation(
    service: AppealService, appeal: Appeal, satisfied: bool, reason: str | None, actor: str
) -> Appeal:
    """评价, one store transaction; 不满意 goes back to the 区营商办, who dispatches it again."""
    return service.evaluate(appeal.number, satisfied, reason, actor)


def evaluation_recorded(appeal: Appeal, satisfied: bool, kb: KnowledgeBase | None = None) -> Answer:
    kb = _kb(kb)
    if satisfied:
        return Answer(f"感谢您的评价！诉求{appeal.number}已记录为“满意”。")
    days = kb.appeal_process.time_limits.dispatch_working_days
    lines = [
        f"已记录您的意见。诉求{appeal.number}已转回区营商办，"
        f"将在{days}个工作日内重新交办给承办单位办理。",
        f"如有疑问请拨打{primary_contact(kb)}。",
    ]
    return Answer("".join(lines))
