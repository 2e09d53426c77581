"""Small builders for test_parts (an Appeal value; a console that never touches a database)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from bot.console.context import Console
from bot.store import Appeal, AppealService, Status


def sample_appeal(**changes: Any) -> Appeal:
    at = datetime(2025, 3, 3, 2, 0, tzinfo=timezone.utc)
    values: dict[str, Any] = {
        "id": 1, "number": "ncqhww2025-01", "dispatching_unit": "区营商办", "received_at": at,
        "enterprise": "某企业", "contact": "张三", "phone": "13800000000", "content": "停水",
        "channel": "rest", "sender_id": "s", "idempotency_key": None,
        "status": Status.SUBMITTED, "category": None, "time_limit_days": None, "unit_id": None,
        "dispatched_at": None, "first_dispatched_at": None, "dispatch_due": None,
        "handling_due": None, "handling_notes": None, "responded_at": None,
        "promised_date": None, "opinion": None, "opinion_reason": None, "closing": None,
        "closed_at": None, "round": 0, "version": 1, "created_at": at, "updated_at": at,
    }  # fmt: skip
    values.update(changes)
    return Appeal(**values)


def fake_console() -> Console:
    return Console.over(AppealService("sqlite://"))
