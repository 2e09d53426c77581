"""Every legal and every illegal step, generated from the one transition table, on both backends."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import pytest

from bot.store import AppealService, IllegalTransition
from bot.store.lifecycle import INITIAL_STATUS, TRANSITIONS, Action, Status, allowed_actions
from bot.store.records import Appeal

Step = Callable[[AppealService, str], Appeal]

PERFORM: dict[Action, Step] = {
    Action.DISPATCH: lambda s, n: s.dispatch(n, "unit_a", "simple", "coordinator"),
    Action.START: lambda s, n: s.start(n, "unit_a"),
    Action.RESPOND: lambda s, n: s.respond(n, "已联系企业并办理", "unit_a"),
    Action.EVALUATE_SATISFIED: lambda s, n: s.evaluate(n, True, None, "coordinator"),
    Action.EVALUATE_UNSATISFIED: lambda s, n: s.evaluate(n, False, "未解决", "coordinator"),
    Action.CLOSE: lambda s, n: s.close(n, "coordinator"),
    Action.FOLLOW_UP: lambda s, n: s.follow_up(n, "承诺月底办结", "coordinator"),
    Action.REVISIT: lambda s, n: s.revisit(n, "企业确认已解决", "coordinator"),
}


def shortest_paths() -> dict[Status, list[Action]]:
    """How to reach each status from the initial one, following the table."""
    paths: dict[Status, list[Action]] = {INITIAL_STATUS: []}
    queue = deque([INITIAL_STATUS])
    while queue:
        current = queue.popleft()
        for (action, source), target in TRANSITIONS.items():
            if source is current and target not in paths:
                paths[target] = [*paths[current], action]
                queue.append(target)
    return paths


PATHS = shortest_paths()
CASES = [(status, action) for status in Status for action in Action]


def test_every_action_has_a_service_call() -> None:
    assert set(PERFORM) == set(Action)


def test_every_status_is_reachable() -> None:
    assert set(PATHS) == set(Status)


def test_close_only_after_satisfied() -> None:
    sources = {source for (action, source) in TRANSITIONS if action is Action.CLOSE}
    assert sources == {Status.SATISFIED}


def test_unsatisfied_goes_back_to_dispatch() -> None:
    assert TRANSITIONS[(Action.DISPATCH, Status.UNSATISFIED)] is Status.DISPATCHED


def test_revisited_is_final() -> None:
    assert allowed_actions(Status.REVISITED) == ()


def _appeal_in(service: AppealService, status: Status) -> Appeal:
    appeal = service.create(
        "重庆某机械有限公司", "王经理", "13800000000", "厂区道路破损", "test", "sender"
    )
    for action in PATHS[status]:
        appeal = PERFORM[action](service, appeal.number)
    assert appeal.status is status
    return appeal


@pytest.mark.parametrize(
    ("status", "action"), CASES, ids=[f"{s.value}-{a.value}" for s, a in CASES]
)
def test_transition(
    shared_service: tuple[AppealService, object], status: Status, action: Action
) -> None:
    service, _ = shared_service
    before = _appeal_in(service, status)
    events_before = service.history(before.number)
    target = TRANSITIONS.get((action, status))
    if target is None:
        with pytest.raises(IllegalTransition) as caught:
            PERFORM[action](service, before.number)
        assert caught.value.status == status.value
        assert caught.value.action == action.value
        assert before.number in str(caught.value) and action.value in str(caught.value)
        assert service.get(before.number) == before  # nothing changed ...
        assert service.history(before.number) == events_before  # ... and nothing logged
        return
    after = PERFORM[action](service, before.number)
    assert after.status is target
    assert after.version == before.version + 1
    events = service.history(before.number)
    assert len(events) == len(events_before) + 1
    last = events[-1]
    assert (last.action, last.from_status, last.to_status) == (action.value, status, target)
    assert last.round == after.round
