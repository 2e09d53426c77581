"""The plan's facts the store works by, in one small value: time limits, categories, units.

Why an adapter: the numbers (1 working day to dispatch; 2/5/10 by category) and the labels are
facts of 南川区企呼我为"闭环办"实施方案 and live in the knowledge base, not in code. Only
:func:`policy_from_knowledge` knows the knowledge base's shape; tests build :class:`AppealPolicy`
directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from bot.store.errors import InvalidInput

if TYPE_CHECKING:
    from bot.knowledge import KnowledgeBase

ISSUER_FIELD = "issuer"  # the sheet's 交办单位 line


@dataclass(frozen=True)
class Unit:
    """A responsible unit (承办单位)."""

    id: str
    name: str


@dataclass(frozen=True)
class AppealPolicy:
    """Time limits, category labels, the dispatching unit and the responsible units."""

    dispatch_working_days: int
    category_days: Mapping[str, int]
    category_labels: Mapping[str, str]
    dispatching_unit: str
    units: tuple[Unit, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "category_days", MappingProxyType(dict(self.category_days)))
        object.__setattr__(self, "category_labels", MappingProxyType(dict(self.category_labels)))
        object.__setattr__(self, "units", tuple(self.units))
        if self.dispatch_working_days < 0 or any(d < 0 for d in self.category_days.values()):
            raise ValueError("working-day limits must be >= 0")
        if set(self.category_labels) - set(self.category_days):
            raise ValueError("every labelled category needs a time limit")

    def working_days_for(self, category: str) -> int:
        """The handling limit of ``category``; unknown categories are refused."""
        try:
            return self.category_days[category]
        except KeyError:
            known = ", ".join(self.category_days)
            raise InvalidInput(f"unknown category {category!r}; known: {known}") from None

    def label_for(self, category: str) -> str:
        """The category's label on the sheet (e.g. 简单问题), or the slug if none is known."""
        return self.category_labels.get(category, category)


def policy_from_knowledge(kb: KnowledgeBase) -> AppealPolicy:
    """Read the appeal policy out of the knowledge base (scheme ``appeal_process``).

    Responsible units: the scheme's own ``responsible_units`` list if the knowledge base has one,
    otherwise every district unit the knowledge base knows (``kb.units``).
    """
    scheme = kb.appeal_process
    limits = scheme.time_limits
    issuer = scheme.sheet_field(ISSUER_FIELD).value
    if not issuer:
        raise LookupError(f"sheet field {ISSUER_FIELD!r} (交办单位) has no value")
    candidates: Iterable[Any] = getattr(scheme, "responsible_units", None) or kb.units.values()
    return AppealPolicy(
        dispatch_working_days=limits.dispatch_working_days,
        category_days={cid: c.working_days for cid, c in limits.categories.items()},
        category_labels={cid: c.label for cid, c in limits.categories.items()},
        dispatching_unit=issuer,
        units=tuple(Unit(id=u.id, name=u.name) for u in candidates),
    )


def default_policy() -> AppealPolicy:
    """The policy of the live knowledge base."""
    from bot.knowledge import get_knowledge  # imported late: the store works without it in tests

    return policy_from_knowledge(get_knowledge())
