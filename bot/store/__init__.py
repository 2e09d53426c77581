"""The closed-loop enterprise appeal store (企呼我为"闭环办").

Start-up code calls :func:`open_service`: it migrates the database to the current schema, seeds the
responsible units from the knowledge base and returns an :class:`AppealService`.
"""

from __future__ import annotations

from bot.store.engine import default_url
from bot.store.errors import (
    AppealNotFound,
    IllegalTransition,
    InvalidInput,
    StoreError,
    StoreUnavailable,
)
from bot.store.lifecycle import TRANSITIONS, Action, Status
from bot.store.migrate import upgrade
from bot.store.policy import AppealPolicy, Unit, policy_from_knowledge
from bot.store.records import Appeal, AppealEvent, OverdueReport, UnitMonthlyStats
from bot.store.service import AppealService, Clock
from bot.workdays import CalendarNotCovered, check_holidays


def open_service(
    url: str | None = None,
    policy: AppealPolicy | None = None,
    clock: Clock | None = None,
) -> AppealService:
    """Migrate ``url`` (default ``$APPEALS_DB_URL`` or var/appeals.db), sync units, serve."""
    check_holidays()  # a malformed holidays.yaml stops start-up, naming the file and field
    target = url or default_url()
    upgrade(target)
    service = AppealService(target, policy=policy, clock=clock)
    service.sync_units()
    return service


__all__ = [
    "TRANSITIONS",
    "Action",
    "Appeal",
    "AppealEvent",
    "AppealNotFound",
    "AppealPolicy",
    "AppealService",
    "CalendarNotCovered",
    "Clock",
    "IllegalTransition",
    "InvalidInput",
    "OverdueReport",
    "Status",
    "StoreError",
    "StoreUnavailable",
    "Unit",
    "UnitMonthlyStats",
    "open_service",
    "policy_from_knowledge",
]
