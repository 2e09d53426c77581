"""What the chat says for reminders and subscriptions (texts and buttons), from the store and
the knowledge base; ``actions/reminder_actions.py`` only reads the tracker and calls these."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.answers import Answer, Button
from bot.appeal_chat import awaiting_evaluation, nothing_to_evaluate, status_line
from bot.knowledge import KnowledgeBase, get_knowledge
from bot.reminders.milestones import Period, scheme_periods
from bot.reminders.rules import RuleSet, Trigger, default_rules
from bot.store import Appeal


def _kb(kb: KnowledgeBase | None) -> KnowledgeBase:
    return get_knowledge() if kb is None else kb


def evaluation_buttons(number: str) -> tuple[Button, Button]:
    """满意 / 不满意 for one appeal; the payloads are the evaluation intents the chat handles."""
    entity = f'{{"appeal_number":"{number}"}}'
    return (
        Button("满意", f"/evaluate_satisfied{entity}"),
        Button("不满意", f"/evaluate_unsatisfied{entity}"),
    )


def evaluation_request(appeals: Sequence[Appeal], kb: KnowledgeBase | None = None) -> Answer:
    """Ask for the opinion on responded appeals, naming each; buttons answer in place."""
    kb = _kb(kb)
    if not appeals:
        return nothing_to_evaluate(kb)
    if len(appeals) == 1:
        appeal = appeals[0]
        lines = [f"您好！您的诉求{appeal.number}，承办单位已反馈办理情况。"]
        if appeal.handling_notes:
            lines.append(f"办理情况：{appeal.handling_notes}")
        lines.append("请问您对办理结果满意吗？不满意的，我们会重新交办。")
        return Answer("\n".join(lines), evaluation_buttons(appeal.number))
    lines = ["您有多件诉求已反馈办理情况，请逐件评价：", *(status_line(a, kb) for a in appeals)]
    buttons = tuple(
        Button(f"{a.number} {b.title}", b.payload)
        for a in appeals
        for b in evaluation_buttons(a.number)
    )
    return Answer("\n\n".join(lines), buttons)


def awaiting(appeals: Sequence[Appeal], number: str | None) -> list[Appeal]:
    """The appeals to ask about: the named one if it awaits evaluation, else all that do."""
    waiting = awaiting_evaluation(appeals)
    if number:
        named = [a for a in waiting if a.number == number]
        return named or waiting
    return waiting


def _notice_schemes(rules: RuleSet) -> list[str]:
    return [r.scheme for r in rules.rules if r.trigger is Trigger.SCHEME_MILESTONES and r.scheme]


def _upcoming(kb: KnowledgeBase, scheme_id: str, today: date) -> list[Period]:
    return [p for p in scheme_periods(kb, scheme_id) if p.last >= today]


def what_is_sent(today: date, kb: KnowledgeBase | None = None, rules: RuleSet | None = None) -> str:
    """'…“最佳案例大家评”各阶段的时间节点（申报阶段：2024年11月；…）…' from the KB and the rules."""
    kb, rules = _kb(kb), rules or default_rules()
    parts = []
    for scheme_id in _notice_schemes(rules):
        scheme = kb.schemes[scheme_id]
        upcoming = _upcoming(kb, scheme_id, today)
        if upcoming:
            dates = "；".join(
                f"{'、'.join(m.split('：')[0] for m in p.milestones)}：{p.label}" for p in upcoming
            )
            parts.append(f"{scheme.name}各阶段开始时的安排（{dates}）")
        else:
            parts.append(f"{scheme.name}的新一轮时间安排（文件所列时间节点均已过去）")
    return "、".join(parts)


def delivery_hours(rules: RuleSet) -> str:
    """'工作日8:30–18:00', from rules.yaml."""
    window = rules.delivery_window
    days = "工作日" if window.working_days_only else "每天"
    return f"{days}{window.start.hour}:{window.start:%M}–{window.end.hour}:{window.end:%M}"


def subscribed(
    was: bool, today: date, kb: KnowledgeBase | None = None, rules: RuleSet | None = None
) -> Answer:
    kb, rules = _kb(kb), rules or default_rules()
    head = "您已订阅，无需重复订阅。" if was else "订阅成功！"
    text = (
        f"{head}我们会在{delivery_hours(rules)}之间，"
        f"在这里给您发送{what_is_sent(today, kb, rules)}。"
        "想停止接收，随时回复“退订”。"
    )
    return Answer(text, (Button("退订", "/unsubscribe"),))


def unsubscribed(was: bool) -> Answer:
    if not was:
        return Answer("您目前没有订阅通知，不会收到活动推送。需要时回复“订阅通知”即可。")
    return Answer(
        "已退订，之后不再给您推送活动通知。您自己诉求的办理进展和评价提醒不受影响。"
        "需要时回复“订阅通知”可重新订阅。",
        (Button("重新订阅", "/subscribe"),),
    )
