"""The dispatch sheet (企业诉求交办单) of one appeal, laid out like the seed document's form.

Why from the knowledge base: the sheet's title, field labels, options and notes are the
document's; only the values come from the store. Options are shown as ☑ / □ like the paper form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.console.views import chinese_date
from bot.knowledge import KnowledgeBase
from bot.store import Appeal
from bot.workdays import local_date

CHECKED, UNCHECKED = "☑", "□"


@dataclass(frozen=True)
class SheetView:
    """Everything the sheet template prints."""

    title: str
    labels: dict[str, str]
    options: dict[str, list[tuple[str, bool]]]
    values: dict[str, str]
    notes: list[str]


def _digits(text: str) -> int | None:
    found = re.search(r"\d+", text)
    return int(found.group()) if found else None


def build_sheet(kb: KnowledgeBase, appeal: Appeal, unit_name: str) -> SheetView:
    """Fill the sheet's fields from ``appeal``."""
    scheme = kb.appeal_process
    categories = scheme.time_limits.categories
    category_label = categories[appeal.category].label if appeal.category in categories else None
    chosen = {
        "category": category_label,
        "deadline": appeal.time_limit_days,
        "company_opinion": {"satisfied": "满意", "unsatisfied": "不满意"}.get(appeal.opinion or ""),
        "closure": {"close": "同意销号", "follow_up": "持续跟踪"}.get(appeal.closing or ""),
    }
    labels: dict[str, str] = {}
    options: dict[str, list[tuple[str, bool]]] = {}
    for f in scheme.sheet_fields:
        labels[f.key] = f.label
        if f.options:
            want = chosen.get(f.key)
            options[f.key] = [
                (o, (_digits(o) == want) if isinstance(want, int) else o.strip() == want)
                for o in f.options
            ]
    handling = appeal.handling_notes or ""
    if appeal.promised_date:
        handling += f"\n（承诺办结时间：{chinese_date(appeal.promised_date)}）"
    values = {
        "number": appeal.number,
        "issuer": appeal.dispatching_unit,
        "issued_on": chinese_date(local_date(appeal.dispatched_at)) if appeal.dispatched_at else "",
        "company_name": appeal.enterprise,
        "contact": f"{appeal.contact} {appeal.phone}".strip(),
        "content": appeal.content,
        "handler_unit": unit_name,
        "handling": handling,
        "responded_on": chinese_date(local_date(appeal.responded_at))
        if appeal.responded_at
        else "",
        "closed_on": chinese_date(local_date(appeal.closed_at)) if appeal.closed_at else "",
        "round": str(appeal.round),
    }
    return SheetView(scheme.sheet.title, labels, options, values, list(scheme.sheet.notes))
