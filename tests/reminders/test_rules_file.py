"""The rules file is validated at load; the delivery window holds messages to working hours."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.knowledge import get_knowledge
from bot.reminders.milestones import parse_period
from bot.reminders.rules import RULES_FILE, Audience, RulesError, Trigger, load_rules
from bot.reminders.window import Window
from tests.reminders.conftest import sh


def _shipped() -> dict:
    return yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))


def _load(tmp_path: Path, data: dict) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    load_rules(path, set(get_knowledge().schemes))


def test_shipped_rules_cover_the_issue() -> None:
    rules = load_rules()
    pairs = {(r.trigger, r.audience) for r in rules.rules}
    assert pairs == {
        (Trigger.DISPATCHED, Audience.UNIT_HANDLERS),  # the dispatch notice (issue 16)
        (Trigger.NOT_DISPATCHED, Audience.COORDINATORS),
        (Trigger.HANDLING_DUE_NEXT_WORKING_DAY, Audience.UNIT_HANDLERS),
        (Trigger.HANDLING_OVERDUE, Audience.UNIT_HANDLERS),
        (Trigger.RESPONDED, Audience.ENTERPRISE),
        (Trigger.PROMISED_DATE, Audience.ENTERPRISE),
        (Trigger.CLOSED, Audience.ENTERPRISE),
        (Trigger.SCHEME_MILESTONES, Audience.SUBSCRIBERS),
    }
    assert rules.rule("evaluation_request").intent == "remind_evaluation"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["rules"][0].update(trigger="when_it_rains"), "trigger"),
        (lambda d: d["rules"][0].update(text="{number} {colour}"), "colour"),
        (lambda d: d["rules"][0].update(audience="enterprise"), "does not fit"),
        (lambda d: d["rules"][3].update(text="hi"), "exactly one of text"),
        (lambda d: d["rules"][6].update(scheme="no_such_scheme"), "no_such_scheme"),
        (lambda d: d["rules"][6].pop("scheme"), "scheme is required"),
        (lambda d: d["rules"].append(dict(d["rules"][0])), "duplicate rule ids"),
        (lambda d: d["delivery_window"].update(start="18:30"), "before end"),
        (lambda d: d["delivery_window"].update(start="half past eight"), "HH:MM"),
        (lambda d: d["retry"].update(backoff_seconds=[60, 0]), "> 0"),
        (lambda d: d["rules"][0].update(colour="red"), "extra fields not permitted"),
        (lambda d: d["rules"][0].update(text="{number"), "bad template"),
    ],
)
def test_malformed_rules_stop_loading_with_the_field_named(
    tmp_path: Path, change, message: str
) -> None:
    data = _shipped()
    change(data)
    with pytest.raises(RulesError, match=message) as info:
        _load(tmp_path, data)
    assert "rules.yaml" in str(info.value)


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match=r"missing\.yaml"):
        load_rules(tmp_path / "missing.yaml", set())


def test_window_opens_and_holds() -> None:
    window = Window(load_rules().delivery_window)
    assert not window.is_open(sh("2025-03-03 08:29"))
    assert window.is_open(sh("2025-03-03 08:30"))
    assert window.is_open(sh("2025-03-03 17:59"))
    assert not window.is_open(sh("2025-03-03 18:00"))
    assert window.next_open(sh("2025-03-03 07:00")) == sh("2025-03-03 08:30")
    assert window.next_open(sh("2025-03-03 12:00")) == sh("2025-03-03 12:00")
    assert window.next_open(sh("2025-03-07 18:00")) == sh("2025-03-10 08:30")  # Fri -> Mon
    assert window.next_open(sh("2025-09-30 18:30")) == sh("2025-10-09 08:30")  # 国庆 2025
    assert window.next_open(sh("2025-09-27 10:00")) == sh("2025-09-28 08:30")  # Sunday 调休
    assert window.is_open(sh("2025-10-11 09:00"))  # Saturday 调休


def test_window_every_day_when_configured(tmp_path: Path) -> None:
    data = _shipped()
    data["delivery_window"] = {"start": "09:00", "end": "17:00", "working_days_only": False}
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    window = Window(load_rules(path, set(get_knowledge().schemes)).delivery_window)
    assert window.is_open(sh("2025-10-01 09:00"))
    assert window.next_open(sh("2025-10-01 17:30")) == sh("2025-10-02 09:00")


def test_milestone_periods() -> None:
    assert parse_period("2024年11月")[0] == "2024-11"
    key, first, last = parse_period("2025年一季度")
    assert (key, first.isoformat(), last.isoformat()) == ("2025-Q1", "2025-01-01", "2025-03-31")
    with pytest.raises(ValueError, match="cannot read"):
        parse_period("2024年底")
    with pytest.raises(ValueError, match="bad month"):
        parse_period("2024年13月")
