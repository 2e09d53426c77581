"""Suggest a responsible unit and a category for an appeal from its content.

Why data, not code: which words point to which unit follows the documents' scheme owners, and
the coordinator must be able to see (and staff to adjust) the mapping without touching Python.
The rules live in ``routing.yaml`` beside this module and are checked against the knowledge
base when loaded. The suggestion says why it was made (the matched words and the scheme).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.knowledge import KnowledgeBase, get_knowledge

ROUTING_FILE = Path(__file__).with_name("routing.yaml")


class RoutingError(ValueError):
    """routing.yaml does not fit the knowledge base."""


@dataclass(frozen=True)
class Rule:
    scheme_id: str
    scheme_name: str
    unit_id: str
    owners: tuple[str, ...]
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class Suggestion:
    """What the console proposes, and why."""

    unit_id: str | None
    category: str
    reasons: tuple[str, ...]
    matched: tuple[str, ...]  # keywords found in the content
    alternatives: tuple[str, ...]  # other owners of the same scheme


@dataclass(frozen=True)
class Router:
    rules: tuple[Rule, ...]
    category_keywords: tuple[tuple[str, tuple[str, ...]], ...]
    default_category: str
    unit_names: dict[str, str]
    category_labels: dict[str, str]

    def suggest(self, content: str) -> Suggestion:
        """The best rule by number of distinct keywords found (ties: earlier rule)."""
        text = content or ""
        best: Rule | None = None
        best_hits: tuple[str, ...] = ()
        category_hits: tuple[str, ...] = ()
        for rule in self.rules:
            hits = tuple(k for k in rule.keywords if k in text)
            if len(hits) > len(best_hits):
                best, best_hits = rule, hits
        category = self.default_category
        for cat, cat_words in self.category_keywords:
            found = tuple(w for w in cat_words if w in text)
            if found:
                category, category_hits = cat, found
                break
        reasons: list[str] = []
        if best is None:
            reasons.append("内容中未找到可识别的关键词，请人工选择承办单位")
        else:
            owners = "、".join(self.unit_names.get(o, o) for o in best.owners)
            found_words = "、".join(f"“{w}”" for w in best_hits)
            reasons.append(f"内容含{found_words}，属于{best.scheme_name}（牵头单位：{owners}）")
        label = self.category_labels.get(category, category)
        if category_hits:
            hit_words = "、".join(f"“{w}”" for w in category_hits)
            reasons.append(f"内容含{hit_words}，建议按{label}办理")
        else:
            reasons.append(f"未见特殊情形，默认按{label}办理")
        return Suggestion(
            unit_id=best.unit_id if best else None,
            category=category,
            reasons=tuple(reasons),
            matched=best_hits,
            alternatives=tuple(o for o in best.owners if o != best.unit_id) if best else (),
        )


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise RoutingError(f"{ROUTING_FILE.name}: {where} must be a non-empty list of words")
    return tuple(value)


def build_router(data: dict[str, Any], kb: KnowledgeBase) -> Router:
    """Validate ``data`` (routing.yaml's content) against ``kb`` and build the router."""
    categories = kb.appeal_process.time_limits.categories
    rules: list[Rule] = []
    for i, raw in enumerate(data.get("rules") or []):
        scheme = kb.schemes.get(raw.get("scheme", ""))
        if scheme is None:
            raise RoutingError(f"{ROUTING_FILE.name}: rules[{i}]: unknown scheme {raw!r}")
        unit_id = raw.get("unit") or scheme.owners[0]
        if unit_id not in scheme.owners or unit_id not in kb.units:
            raise RoutingError(
                f"{ROUTING_FILE.name}: rules[{i}]: unit {unit_id!r} is not an owner of {scheme.id}"
            )
        extra = set(raw) - {"scheme", "unit", "keywords"}
        if extra:
            raise RoutingError(f"{ROUTING_FILE.name}: rules[{i}]: unknown keys {sorted(extra)}")
        rules.append(
            Rule(
                scheme.id,
                scheme.name,
                unit_id,
                tuple(o for o in scheme.owners if o in kb.units),
                _strings(raw.get("keywords"), f"rules[{i}].keywords"),
            )
        )
    if not rules:
        raise RoutingError(f"{ROUTING_FILE.name}: no rules")
    cats = data.get("categories") or {}
    for cat in [*cats, data.get("default_category")]:
        if cat not in categories:
            raise RoutingError(f"{ROUTING_FILE.name}: unknown category {cat!r}")
    return Router(
        rules=tuple(rules),
        category_keywords=tuple((c, _strings(w, f"categories.{c}")) for c, w in cats.items()),
        default_category=str(data["default_category"]),
        unit_names={u.id: u.name for u in kb.units.values()},
        category_labels={cid: c.label for cid, c in categories.items()},
    )


@lru_cache(maxsize=1)
def get_router() -> Router:
    """The router of the live knowledge base and routing.yaml (loaded once)."""
    with ROUTING_FILE.open(encoding="utf-8") as f:
        return build_router(yaml.safe_load(f), get_knowledge())
