"""One reminder-scheduler pass over 100 000 open appeals and 10 000 subscribers.

Measures, on SQLite and PostgreSQL:
  * ``cold_pass_s`` — the first pass at a busy instant: every reminder due by then is planned
    (tens of thousands of rows: dispatch/handling/overdue reminders, evaluation requests, the
    scheme notice for every subscriber) — delivery switched off (window closed), so the figure is
    the planning cost;
  * ``steady_pass_s`` — the next pass a minute later, the scheduler's normal case: everything is
    planned already, nothing new is due (target < 2 s);
  * ``deliveries_per_s`` — claim + relevance check + no-op send + mark sent, for ``--deliver``
    reminders.
Writes bench/results/reminders.json.

    python bench/bench_reminders.py [--backend sqlite|postgresql|both] [--n 100000] [--subs 10000]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert

from bench.bench_store import database
from bench.common import write_result
from bot.knowledge import get_knowledge
from bot.reminders.rules import default_rules
from bot.reminders.scheduler import Scheduler
from bot.reminders.staff import StaffDirectory
from bot.reminders.store import Reminder, ReminderStore
from bot.store import AppealService
from bot.store.migrate import upgrade
from bot.store.models import appeals, subscriptions
from bot.store.numbering import format_number
from bot.store.policy import default_policy
from bot.workdays import SHANGHAI, deadline

TARGET_PASS_S = 2.0
# Inside the documents' 2024年11月 milestone period, so the subscribers' notice is due too.
PASS_AT = datetime(2024, 11, 5, 19, 0, tzinfo=SHANGHAI)  # after hours: plan only
DELIVER_AT = datetime(2024, 11, 6, 9, 0, tzinfo=SHANGHAI)
CHUNK = 10_000
STATUSES = [
    ("submitted", 0.10),
    ("dispatched", 0.25),
    ("in_progress", 0.35),
    ("responded", 0.15),
    ("follow_up", 0.05),
    ("closed", 0.10),
]


class NoOp:
    def __init__(self) -> None:
        self.count = 0

    def send(self, reminder: Reminder) -> None:
        self.count += 1


def _appeal_rows(n: int) -> list[dict[str, Any]]:
    rng = random.Random(20241105)
    policy = default_policy()
    units = [u.id for u in policy.units]
    categories = list(policy.category_days)
    names, weights = zip(*STATUSES, strict=True)
    rows = []
    for i in range(n):
        received = PASS_AT - timedelta(seconds=rng.randrange(25 * 86400))
        status = rng.choices(names, weights)[0]
        category = rng.choice(categories)
        dispatched = received + timedelta(hours=rng.randrange(1, 30))
        handling = status != "submitted"
        row: dict[str, Any] = {
            "id": i + 1,
            "number": format_number(2024, i + 1),
            "dispatching_unit": policy.dispatching_unit,
            "received_at": received,
            "enterprise": f"企业{i}",
            "contact": "联系人",
            "phone": "13800000000",
            "content": "诉求内容",
            "channel": rng.choice(["wechat", "telegram", "phone"]),
            "sender_id": f"s{i}",
            "idempotency_key": None,
            "status": status,
            "category": category if handling else None,
            "time_limit_days": policy.category_days[category] if handling else None,
            "unit_id": rng.choice(units) if handling else None,
            "dispatched_at": dispatched if handling else None,
            "first_dispatched_at": dispatched if handling else None,
            "dispatch_due": deadline(received, policy.dispatch_working_days),
            "handling_due": deadline(dispatched, policy.category_days[category])
            if handling
            else None,
            "handling_notes": "已处理" if status in ("responded", "follow_up", "closed") else None,
            "responded_at": PASS_AT - timedelta(hours=rng.randrange(1, 48))
            if status in ("responded", "follow_up", "closed")
            else None,
            "promised_date": None,
            "opinion": None,
            "opinion_reason": None,
            "closing": None,
            "closed_at": PASS_AT - timedelta(days=rng.randrange(1, 5))
            if status == "closed"
            else None,
            "round": 1 if handling else 0,
            "version": 1,
            "created_at": received,
            "updated_at": received,
        }
        rows.append(row)
    return rows


def _fill(service: AppealService, n: int, subs: int) -> None:
    rows = _appeal_rows(n)
    sub_rows = [
        {
            "channel": "wechat",
            "sender_id": f"sub{i}",
            "subscribed": i % 10 != 0,  # one in ten has unsubscribed again
            "created_at": PASS_AT - timedelta(days=30),
            "updated_at": PASS_AT - timedelta(days=30),
        }
        for i in range(subs)
    ]
    with service.engine.begin() as conn:
        for start in range(0, len(rows), CHUNK):
            conn.execute(insert(appeals), rows[start : start + CHUNK])
        for start in range(0, len(sub_rows), CHUNK):
            conn.execute(insert(subscriptions), sub_rows[start : start + CHUNK])


def run(backend: str, n: int, subs: int, deliver: int) -> dict[str, Any]:
    with database(backend) as url:
        upgrade(url)
        clock_value = [PASS_AT.astimezone(timezone.utc)]
        service = AppealService(url, clock=lambda: clock_value[0])
        service.sync_units()
        _fill(service, n, subs)
        staff = StaffDirectory(
            coordinators=("1001",), handlers={u.id: ("2001",) for u in service.units()}
        )
        sender = NoOp()
        scheduler = Scheduler(
            service.engine,
            default_rules(),
            get_knowledge(),
            sender,
            staff=staff,
            clock=lambda: clock_value[0],
        )
        started = time.perf_counter()
        cold = scheduler.run_once()
        cold_s = time.perf_counter() - started
        clock_value[0] += timedelta(minutes=1)
        started = time.perf_counter()
        steady = scheduler.run_once()
        steady_s = time.perf_counter() - started
        counts = ReminderStore(service.engine).counts()
        # Deliveries: the next morning's pass, capped: claim, relevance check, no-op send, mark.
        clock_value[0] = DELIVER_AT.astimezone(timezone.utc)
        scheduler.planner.plan(service.engine, clock_value[0])  # the morning's new overdue ones
        started = time.perf_counter()
        delivering = scheduler.run_once(limit=deliver)
        delivered = delivering.sent
        deliver_s = time.perf_counter() - started
        service.dispose()
    return {
        "open_appeals": n,
        "subscribers": subs,
        "cold_pass_s": round(cold_s, 3),
        "cold_pass_planned": cold.planned,
        "steady_pass_s": round(steady_s, 3),
        "steady_pass_planned": steady.planned,
        "steady_pass_meets_target": steady_s < TARGET_PASS_S,
        "reminders_by_status_after_cold_pass": counts,
        "delivered": delivered,
        "deliveries_per_s": round(delivered / deliver_s, 1) if deliver_s else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--subs", type=int, default=10_000)
    parser.add_argument("--deliver", type=int, default=2_000)
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    figures = {b: run(b, args.n, args.subs, args.deliver) for b in backends}
    write_result(
        "reminders",
        {"target_pass_s": TARGET_PASS_S, "pass_at": PASS_AT.isoformat(), "backends": figures},
    )


if __name__ == "__main__":
    main()
