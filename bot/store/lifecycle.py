"""The appeal lifecycle as one state machine: 收集—交办—办理—反馈—评价—销号—回访.

Every allowed step is one row of :data:`TRANSITIONS`; nothing else in the store decides whether a
step is legal. Status and action names are storage identifiers (English slugs); the Chinese stage
names of the plan sit beside them for display.
"""

from __future__ import annotations

from enum import Enum

from bot.store.errors import IllegalTransition


class Status(str, Enum):
    """Where an appeal stands."""

    SUBMITTED = "submitted"  # 收集: received, waiting for the 交办单
    DISPATCHED = "dispatched"  # 交办: sheet delivered to a responsible unit, clock running
    IN_PROGRESS = "in_progress"  # 办理: the unit has taken it up
    RESPONDED = "responded"  # 反馈: the unit reported its handling notes
    SATISFIED = "satisfied"  # 评价: enterprise satisfied
    UNSATISFIED = "unsatisfied"  # 评价: enterprise not satisfied -> dispatched again
    FOLLOW_UP = "follow_up"  # 持续跟踪: coordinator keeps tracking instead of closing
    CLOSED = "closed"  # 销号: coordinator agreed to close (only after satisfied)
    REVISITED = "revisited"  # 回访: enterprise called back after closing


class Action(str, Enum):
    """What someone does to an appeal."""

    DISPATCH = "dispatch"
    START = "start"
    RESPOND = "respond"
    EVALUATE_SATISFIED = "evaluate_satisfied"
    EVALUATE_UNSATISFIED = "evaluate_unsatisfied"
    CLOSE = "close"
    FOLLOW_UP = "follow_up"
    REVISIT = "revisit"


STAGE_LABELS: dict[Status, str] = {
    Status.SUBMITTED: "收集",
    Status.DISPATCHED: "交办",
    Status.IN_PROGRESS: "办理",
    Status.RESPONDED: "反馈",
    Status.SATISFIED: "评价（满意）",
    Status.UNSATISFIED: "评价（不满意）",
    Status.FOLLOW_UP: "持续跟踪",
    Status.CLOSED: "销号",
    Status.REVISITED: "回访",
}

# THE table: (action, from status) -> to status. Anything not listed is illegal.
TRANSITIONS: dict[tuple[Action, Status], Status] = {
    (Action.DISPATCH, Status.SUBMITTED): Status.DISPATCHED,
    (Action.DISPATCH, Status.UNSATISFIED): Status.DISPATCHED,  # 再次交办, new round
    (Action.START, Status.DISPATCHED): Status.IN_PROGRESS,
    (Action.RESPOND, Status.IN_PROGRESS): Status.RESPONDED,
    (Action.EVALUATE_SATISFIED, Status.RESPONDED): Status.SATISFIED,
    (Action.EVALUATE_UNSATISFIED, Status.RESPONDED): Status.UNSATISFIED,
    # After tracking a promise (承诺办结时限) the coordinator asks the enterprise again.
    (Action.EVALUATE_SATISFIED, Status.FOLLOW_UP): Status.SATISFIED,
    (Action.EVALUATE_UNSATISFIED, Status.FOLLOW_UP): Status.UNSATISFIED,
    (Action.CLOSE, Status.SATISFIED): Status.CLOSED,  # 同意销号: only once satisfied
    (Action.FOLLOW_UP, Status.SATISFIED): Status.FOLLOW_UP,  # 持续跟踪
    (Action.FOLLOW_UP, Status.UNSATISFIED): Status.FOLLOW_UP,
    (Action.REVISIT, Status.CLOSED): Status.REVISITED,
    (Action.REVISIT, Status.FOLLOW_UP): Status.FOLLOW_UP,  # 按时回访承诺办理情况
}

INITIAL_STATUS = Status.SUBMITTED


def allowed_actions(status: Status) -> tuple[Action, ...]:
    """Actions that are legal from ``status``, in table order."""
    return tuple(action for (action, source) in TRANSITIONS if source is status)


def next_status(number: str, action: Action, status: Status) -> Status:
    """The status after ``action``; raises :class:`IllegalTransition` if the table forbids it."""
    try:
        return TRANSITIONS[(action, status)]
    except KeyError:
        allowed = tuple(a.value for a in allowed_actions(status))
        raise IllegalTransition(number, action.value, status.value, allowed) from None
