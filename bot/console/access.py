"""Who may see and do what: the one place the console's permissions are decided.

Coordinators (区营商办) see every appeal and dispatch, evaluate, close, track and revisit. Unit
handlers see only appeals their unit holds now and take them up and respond. An appeal a user may
not see is reported as not found (404), so numbers of other units' appeals leak nothing; an
action the role may not take on a visible appeal is forbidden (403).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from bot.console.accounts import Role, StaffUser
from bot.store import Appeal, AppealNotFound, UnitMonthlyStats
from bot.store.lifecycle import TRANSITIONS, Action

# Console actions (URL slugs) -> the lifecycle actions they may perform.
CONSOLE_ACTIONS: dict[str, tuple[Action, ...]] = {
    "dispatch": (Action.DISPATCH,),
    "start": (Action.START,),
    "respond": (Action.RESPOND, Action.START),  # "mark responded" also takes it up if needed
    "evaluate": (Action.EVALUATE_SATISFIED, Action.EVALUATE_UNSATISFIED),
    "close": (Action.CLOSE,),
    "follow-up": (Action.FOLLOW_UP,),
    "revisit": (Action.REVISIT,),
}

ROLE_ACTIONS: dict[Role, frozenset[str]] = {
    Role.COORDINATOR: frozenset({"dispatch", "evaluate", "close", "follow-up", "revisit"}),
    Role.HANDLER: frozenset({"start", "respond"}),
}


S = TypeVar("S", bound=UnitMonthlyStats)


class Forbidden(Exception):
    """The user's role may not do this (HTTP 403)."""


def can_see(user: StaffUser, appeal: Appeal) -> bool:
    """Coordinators see everything; handlers only what their unit holds now."""
    return user.role is Role.COORDINATOR or (
        user.unit_id is not None and appeal.unit_id == user.unit_id
    )


def list_unit(user: StaffUser, requested: str | None) -> str | None:
    """The unit a list or search is limited to: a handler's own unit whatever was asked;
    for a coordinator the unit asked for (None: all units)."""
    if user.role is Role.HANDLER:
        return user.unit_id
    return requested or None


def visible_stats(user: StaffUser, stats: Iterable[S]) -> list[S]:
    """The monthly figures ``user`` may see: a handler only its own unit's."""
    if user.role is Role.HANDLER:
        return [s for s in stats if s.unit_id == user.unit_id]
    return list(stats)


def require_visible(user: StaffUser, appeal: Appeal) -> Appeal:
    """``appeal`` if ``user`` may see it; AppealNotFound (404) otherwise."""
    if not can_see(user, appeal):
        raise AppealNotFound(appeal.number)
    return appeal


def require_role(user: StaffUser, action: str) -> None:
    """Forbidden unless the user's role may take ``action`` at all."""
    if action not in ROLE_ACTIONS[user.role]:
        raise Forbidden(action)


def require_coordinator(user: StaffUser) -> None:
    if user.role is not Role.COORDINATOR:
        raise Forbidden("coordinator only")


def available_actions(user: StaffUser, appeal: Appeal) -> tuple[str, ...]:
    """Console actions ``user`` can take on ``appeal`` in its current status."""
    if not can_see(user, appeal):
        return ()
    return tuple(
        name
        for name, steps in CONSOLE_ACTIONS.items()
        if name in ROLE_ACTIONS[user.role]
        and any((step, appeal.status) in TRANSITIONS for step in steps)
    )
