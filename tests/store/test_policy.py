"""The store's policy comes from the knowledge base (scheme appeal_process), not from code."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.knowledge import get_knowledge
from bot.store import AppealPolicy, AppealService, InvalidInput, open_service
from bot.store.policy import default_policy, policy_from_knowledge

from .conftest import FakeClock


@pytest.fixture(scope="module")
def kb_policy() -> AppealPolicy:
    return policy_from_knowledge(get_knowledge())


def test_time_limits_are_the_plans(kb_policy: AppealPolicy) -> None:
    # 1个工作日送达"交办单"; 交办单: 简单问题 2 / 一般问题 5 / 复杂问题 10 个工作日
    assert kb_policy.dispatch_working_days == 1
    assert dict(kb_policy.category_days) == {"simple": 2, "general": 5, "complex": 10}
    assert dict(kb_policy.category_labels) == {
        "simple": "简单问题",
        "general": "一般问题",
        "complex": "复杂问题",
    }
    assert kb_policy.dispatching_unit == "区营商办（区发展改革委代章）"


def test_units_come_from_the_knowledge_base(kb_policy: AppealPolicy) -> None:
    kb = get_knowledge()
    assert kb_policy.units
    assert {u.id: u.name for u in kb_policy.units}.items() <= {
        u.id: u.name for u in kb.units.values()
    }.items()


def test_policy_is_read_only(kb_policy: AppealPolicy) -> None:
    with pytest.raises(TypeError):
        kb_policy.category_days["simple"] = 3  # type: ignore[index]


def test_unknown_category(kb_policy: AppealPolicy) -> None:
    with pytest.raises(InvalidInput, match="urgent"):
        kb_policy.working_days_for("urgent")
    assert kb_policy.label_for("general") == "一般问题"


def test_default_policy_is_the_knowledge_bases(kb_policy: AppealPolicy) -> None:
    assert default_policy() == kb_policy


@pytest.fixture
def live(db_url: str, clock: FakeClock) -> Iterator[AppealService]:
    svc = open_service(db_url, clock=clock)  # migrates, syncs units from the KB
    yield svc
    svc.dispose()


def test_open_service_with_the_knowledge_base(live: AppealService, clock: FakeClock) -> None:
    unit = live.policy.units[0]
    assert unit in live.units()
    number = live.create("某企业", "", "", "诉求", "web", "s1").number
    appeal = live.dispatch(number, unit.id, "complex", "coordinator")
    assert appeal.time_limit_days == 10
    assert appeal.dispatching_unit == "区营商办（区发展改革委代章）"
