"""The reminder rules, read from ``rules.yaml`` and validated at load.

Why data: who is reminded of what and when (and the wording) changes more often than the code
that sends it, and must be reviewable by the 区营商办 without reading Python. A typo in a
trigger, an unknown placeholder or an unknown scheme stops the scheduler at start-up.
"""

from __future__ import annotations

import string
from datetime import time
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Extra, Field, ValidationError, root_validator, validator

RULES_FILE = Path(__file__).resolve().parent / "rules.yaml"


class RulesError(ValueError):
    """The rules file is malformed; the message names the file and the field."""


class Trigger(str, Enum):
    DISPATCHED = "dispatched"
    NOT_DISPATCHED = "not_dispatched"
    HANDLING_DUE_NEXT_WORKING_DAY = "handling_due_next_working_day"
    HANDLING_OVERDUE = "handling_overdue"
    RESPONDED = "responded"
    PROMISED_DATE = "promised_date"
    CLOSED = "closed"
    SCHEME_MILESTONES = "scheme_milestones"


class Audience(str, Enum):
    COORDINATORS = "coordinators"  # 区营商办
    UNIT_HANDLERS = "unit_handlers"  # the responsible unit's handlers
    ENTERPRISE = "enterprise"  # the appeal's sender, in its own chat channel
    SUBSCRIBERS = "subscribers"  # chat users who opted in ('订阅通知')


APPEAL_FIELDS = {"number", "enterprise", "content", "unit", "received", "due", "promised"}
# The dispatch notice also names the category (label and working days) and links the console.
DISPATCH_FIELDS = {"category", "days", "link"}
# Which placeholders each trigger can fill, and which audiences make sense for it.
PLACEHOLDERS: dict[Trigger, set[str]] = {
    **{t: APPEAL_FIELDS | {"hotline"} for t in Trigger if t is not Trigger.SCHEME_MILESTONES},
    Trigger.DISPATCHED: APPEAL_FIELDS | DISPATCH_FIELDS | {"hotline"},
    Trigger.SCHEME_MILESTONES: {"scheme", "period", "milestones", "hotline"},
}
AUDIENCES: dict[Trigger, set[Audience]] = {
    Trigger.DISPATCHED: {Audience.UNIT_HANDLERS},
    Trigger.NOT_DISPATCHED: {Audience.COORDINATORS},
    Trigger.HANDLING_DUE_NEXT_WORKING_DAY: {Audience.UNIT_HANDLERS, Audience.COORDINATORS},
    Trigger.HANDLING_OVERDUE: {Audience.UNIT_HANDLERS, Audience.COORDINATORS},
    Trigger.RESPONDED: {Audience.ENTERPRISE},
    Trigger.PROMISED_DATE: {Audience.ENTERPRISE},
    Trigger.CLOSED: {Audience.ENTERPRISE},
    Trigger.SCHEME_MILESTONES: {Audience.SUBSCRIBERS},
}


class _Model(BaseModel):
    class Config:
        extra = Extra.forbid
        allow_mutation = False
        min_anystr_length = 1


def _clock_time(value: Any) -> time:
    try:
        hours, minutes = str(value).split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise ValueError(f"expected HH:MM, got {value!r}") from None


class DeliveryWindow(_Model):
    """Hours (Asia/Shanghai) in which reminders may be delivered."""

    start: time
    end: time
    working_days_only: bool = True

    _parse = validator("start", "end", pre=True, allow_reuse=True)(_clock_time)

    @root_validator(skip_on_failure=True)
    def _ordered(cls, values: dict[str, Any]) -> dict[str, Any]:
        if values["start"] >= values["end"]:
            raise ValueError("delivery_window.start must be before end")
        return values


class Retry(_Model):
    """Backoff after a failed delivery, and how long a claim protects a reminder."""

    backoff_seconds: list[int] = Field(..., min_items=1)
    max_attempts: int = Field(..., ge=1)
    claim_lease_seconds: int = Field(..., ge=10)

    @validator("backoff_seconds", each_item=True)
    def _positive(cls, value: int) -> int:
        if value <= 0:
            raise ValueError("backoff waits must be > 0 seconds")
        return value

    def wait_after(self, attempts: int) -> int:
        """Seconds to wait after the ``attempts``-th failed attempt."""
        return self.backoff_seconds[min(attempts, len(self.backoff_seconds)) - 1]


class Rule(_Model):
    """One reminder rule: a trigger on the appeals (or the schemes), an audience, a message."""

    id: str = Field(..., regex=r"^[a-z][a-z0-9_]*$", max_length=64)
    trigger: Trigger
    audience: Audience
    text: str | None = None
    intent: str | None = Field(None, regex=r"^[a-z_]+$")
    after_working_days: int = Field(0, ge=0)
    # How many working days after it is due a reminder is still worth sending (catch-up after
    # downtime, first start on an old database); None: as long as the appeal is in that state.
    valid_working_days: int | None = Field(None, ge=0)
    scheme: str | None = None

    @root_validator(skip_on_failure=True)
    def _consistent(cls, values: dict[str, Any]) -> dict[str, Any]:
        trigger, audience = values["trigger"], values["audience"]
        if audience not in AUDIENCES[trigger]:
            allowed = ", ".join(sorted(a.value for a in AUDIENCES[trigger]))
            raise ValueError(f"audience {audience.value!r} does not fit {trigger.value}: {allowed}")
        if (values["text"] is None) == (values["intent"] is None):
            raise ValueError("give exactly one of text (a message) or intent (a chat turn)")
        if values["intent"] is not None and audience is not Audience.ENTERPRISE:
            raise ValueError("intent is only for enterprises in chat")
        if (values["scheme"] is not None) != (trigger is Trigger.SCHEME_MILESTONES):
            raise ValueError("scheme is required by, and only by, scheme_milestones")
        if values["text"] is not None:
            unknown = _fields(values["text"]) - PLACEHOLDERS[trigger]
            if unknown:
                allowed = ", ".join(sorted(PLACEHOLDERS[trigger]))
                raise ValueError(f"unknown placeholders {sorted(unknown)}; allowed: {allowed}")
        return values


def _fields(template: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as exc:
        raise ValueError(f"bad template {template!r}: {exc}") from None


class RuleSet(_Model):
    """The whole rules file."""

    delivery_window: DeliveryWindow
    retry: Retry
    chat_channels: list[str] = Field(..., min_items=1)
    rules: list[Rule] = Field(..., min_items=1)

    @validator("rules")
    def _unique_ids(cls, rules: list[Rule]) -> list[Rule]:
        ids = [r.id for r in rules]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate rule ids: {duplicates}")
        return rules

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


def load_rules(path: Path | str = RULES_FILE, scheme_ids: set[str] | None = None) -> RuleSet:
    """Read and validate the rules; ``scheme_ids`` (default: the knowledge base's) checks
    that every scheme named by a rule exists."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        rules = RuleSet.parse_obj(raw)
    except (OSError, yaml.YAMLError) as exc:
        raise RulesError(f"{path}: {exc}") from None
    except ValidationError as exc:
        raise RulesError(f"{path}: {exc}") from None
    if scheme_ids is None:
        from bot.knowledge import get_knowledge

        scheme_ids = set(get_knowledge().schemes)
    for rule in rules.rules:
        if rule.scheme is not None and rule.scheme not in scheme_ids:
            raise RulesError(f"{path}: rules[{rule.id}].scheme: unknown scheme {rule.scheme!r}")
    return rules


@lru_cache(maxsize=1)
def default_rules() -> RuleSet:
    """The shipped rules, loaded once per process."""
    return load_rules()
