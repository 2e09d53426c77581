"""Scheme milestones as calendar periods, for the subscribers' notices.

The documents give milestone dates as months or quarters ("2024年11月", "2025年一季度"); this
module turns them into (first day, last day) so the planner can tell which are current. A date it
cannot read is an error at load, never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.knowledge import KnowledgeBase

_MONTH = re.compile(r"^(\d{4})年(\d{1,2})月$")
_QUARTER = re.compile(r"^(\d{4})年([一二三四])季度$")
_QUARTERS = {"一": 1, "二": 2, "三": 3, "四": 4}


@dataclass(frozen=True)
class Period:
    """A calendar period named in a document, with the milestones that fall in it."""

    key: str  # "2024-11" or "2025-Q1"
    label: str  # as written in the document
    first: date
    last: date
    milestones: tuple[str, ...]  # "申报阶段：参赛单位将……"


def _month_end(year: int, month: int) -> date:
    following = date(year + month // 12, month % 12 + 1, 1)
    return following - timedelta(days=1)


def parse_period(text: str) -> tuple[str, date, date]:
    """(key, first, last) of "YYYY年M月" or "YYYY年一季度"; ValueError for anything else."""
    if match := _MONTH.match(text.strip()):
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12:
            raise ValueError(f"bad month in {text!r}")
        return f"{year}-{month:02d}", date(year, month, 1), _month_end(year, month)
    if match := _QUARTER.match(text.strip()):
        year, quarter = int(match[1]), _QUARTERS[match[2]]
        first_month = 3 * quarter - 2
        return f"{year}-Q{quarter}", date(year, first_month, 1), _month_end(year, first_month + 2)
    raise ValueError(
        f"cannot read the milestone date {text!r} (expected YYYY年M月 or YYYY年一季度)"
    )


def scheme_periods(kb: KnowledgeBase, scheme_id: str) -> tuple[Period, ...]:
    """The scheme's milestones grouped by period, in document order."""
    scheme = kb.schemes[scheme_id]
    grouped: dict[str, tuple[str, date, date, list[str]]] = {}
    for milestone in scheme.milestones:
        key, first, last = parse_period(milestone.deadline)
        line = f"{milestone.name}：{milestone.detail}" if milestone.detail else milestone.name
        grouped.setdefault(key, (milestone.deadline, first, last, []))[3].append(line)
    return tuple(
        Period(key, label, first, last, tuple(lines))
        for key, (label, first, last, lines) in grouped.items()
    )
