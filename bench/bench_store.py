"""Appeal store throughput and report time, on SQLite and PostgreSQL.

Measures (1) appeal creations per second, sequential through ``AppealService.create`` (each one a
committed transaction with its number allocation and event row), and (2) the time of
``monthly_stats`` over a bulk-inserted fixture of ``--n`` appeals (default 100 000) spread over
2025. Writes bench/results/store.json. Targets: >= 300 creations/s; report < 1 s.

    python bench/bench_store.py [--backend sqlite|postgresql|both] [--n 100000] [--creates 2000]
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import Engine, make_url

from bench.common import write_result
from bot.store import AppealPolicy, AppealService
from bot.store.migrate import upgrade
from bot.store.models import appeal_counters, appeal_events, appeals
from bot.store.numbering import format_number
from bot.store.policy import default_policy
from bot.workdays import SHANGHAI, deadline

PG_ADMIN_URL = os.environ.get(
    "QIHU_BENCH_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
)
TARGET_CREATES_PER_S = 300
TARGET_REPORT_S = 1.0
YEAR = 2025
REPORT_MONTH = 6
CHUNK = 10_000


@contextmanager
def database(backend: str) -> Iterator[str]:
    """A throw-away database URL on ``backend``."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="qihu_bench_") as tmp:
            yield f"sqlite:///{tmp}/appeals.db"
        return
    name = f"qihu_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, future=True, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield str(make_url(PG_ADMIN_URL).set(database=name))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def bench_creates(service: AppealService, count: int, batches: int = 5) -> dict[str, Any]:
    """Sequential creations, as the chat makes them (with idempotency keys), in a few batches so
    the figure shows the machine's fsync jitter rather than hiding it."""
    per_batch = max(1, count // batches)
    rates = []
    started = time.perf_counter()
    for batch in range(batches):
        batch_start = time.perf_counter()
        for j in range(per_batch):
            i = batch * per_batch + j
            service.create(
                f"重庆南川测试企业{i}有限公司",
                "联系人",
                "13800000000",
                "希望协调解决用电问题",
                "bench",
                f"sender{i % 50}",
                idempotency_key=f"bench-{i}",
            )
        rates.append(per_batch / (time.perf_counter() - batch_start))
    seconds = time.perf_counter() - started
    total = per_batch * batches
    return {
        "count": total,
        "seconds": round(seconds, 3),
        "per_second": round(total / seconds, 1),
        "batch_per_second": [round(r, 1) for r in rates],
        "median_batch_per_second": round(statistics.median(rates), 1),
    }


@cache
def _deadline(day: date, days: int) -> datetime:
    return deadline(datetime(day.year, day.month, day.day, 10, tzinfo=SHANGHAI), days)


def fixture_rows(
    n: int, policy: AppealPolicy, start_id: int, start_seq: int
) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
    """Chunks of (appeal rows, event rows): a plausible year of appeals in every stage."""
    rng = random.Random(20250601)
    unit_ids = [u.id for u in policy.units]
    categories = list(policy.category_days)
    year_start = datetime(YEAR, 1, 1, tzinfo=SHANGHAI)
    appeal_chunk: list[dict[str, Any]] = []
    event_chunk: list[dict[str, Any]] = []
    for i in range(n):
        appeal_id = start_id + i
        received = year_start + timedelta(seconds=rng.randrange(358 * 86400))
        stage = rng.random()
        row: dict[str, Any] = {
            "id": appeal_id,
            "number": format_number(YEAR, start_seq + i),
            "dispatching_unit": policy.dispatching_unit,
            "received_at": received,
            "enterprise": f"企业{appeal_id}",
            "contact": "联系人",
            "phone": "13800000000",
            "content": "诉求内容",
            "channel": rng.choice(["wechat", "web", "phone", "box"]),
            "sender_id": f"s{rng.randrange(20_000)}",
            "idempotency_key": None,
            "status": "submitted",
            "category": None,
            "time_limit_days": None,
            "unit_id": None,
            "dispatched_at": None,
            "first_dispatched_at": None,
            "dispatch_due": _deadline(received.date(), policy.dispatch_working_days),
            "handling_due": None,
            "handling_notes": None,
            "responded_at": None,
            "promised_date": None,
            "opinion": None,
            "opinion_reason": None,
            "closing": None,
            "closed_at": None,
            "round": 0,
            "version": 1,
            "created_at": received,
            "updated_at": received,
        }
        events: list[tuple[str, str | None, str, datetime, str | None]] = [
            ("create", None, "submitted", received, None)
        ]
        if stage > 0.05:
            category = rng.choice(categories)
            unit = rng.choice(unit_ids)
            dispatched = received + timedelta(hours=rng.randrange(1, 30))
            days = policy.category_days[category]
            row.update(
                status="dispatched",
                category=category,
                time_limit_days=days,
                unit_id=unit,
                dispatched_at=dispatched,
                first_dispatched_at=dispatched,
                round=1,
                handling_due=_deadline(dispatched.astimezone(SHANGHAI).date(), days),
            )
            events.append(("dispatch", "submitted", "dispatched", dispatched, unit))
            if stage > 0.15:
                responded = dispatched + timedelta(hours=rng.randrange(2, 24 * 12))
                row.update(status="responded", handling_notes="已办理", responded_at=responded)
                events.append(("respond", "dispatched", "responded", responded, unit))
                if stage > 0.25:
                    evaluated = responded + timedelta(hours=rng.randrange(1, 48))
                    satisfied = rng.random() < 0.9
                    verdict = "satisfied" if satisfied else "unsatisfied"
                    row.update(status=verdict, opinion=verdict)
                    action = f"evaluate_{verdict}"
                    events.append((action, "responded", verdict, evaluated, unit))
                    if satisfied and stage > 0.3:
                        closed = evaluated + timedelta(hours=1)
                        row.update(status="closed", closing="close", closed_at=closed)
                        events.append(("close", "satisfied", "closed", closed, unit))
        appeal_chunk.append(row)
        for action, source, target, at, unit_id in events:
            event_chunk.append(
                {
                    "appeal_id": appeal_id,
                    "at": at,
                    "actor": "bench",
                    "action": action,
                    "from_status": source,
                    "to_status": target,
                    "note": None,
                    "round": row["round"] if action != "create" else 0,
                    "unit_id": unit_id,
                }
            )
        if len(appeal_chunk) >= CHUNK:
            yield appeal_chunk, event_chunk
            appeal_chunk, event_chunk = [], []
    if appeal_chunk:
        yield appeal_chunk, event_chunk


def bulk_load(engine: Engine, n: int, policy: AppealPolicy) -> dict[str, Any]:
    """Insert the fixture with multi-row inserts, then refresh planner statistics."""
    started = time.perf_counter()
    with engine.begin() as conn:
        start_id = int(conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM appeals")).scalar_one())
        start_seq = int(
            conn.execute(
                text("SELECT COALESCE(MAX(value), 0) FROM appeal_counters WHERE year = :y"),
                {"y": YEAR},
            ).scalar_one()
        )
    events = 0
    for appeal_rows, event_rows in fixture_rows(n, policy, start_id + 1, start_seq + 1):
        with engine.begin() as conn:
            conn.execute(insert(appeals), appeal_rows)
            conn.execute(insert(appeal_events), event_rows)
        events += len(event_rows)
    with engine.begin() as conn:
        conn.execute(appeal_counters.delete().where(appeal_counters.c.year == YEAR))
        conn.execute(insert(appeal_counters).values(year=YEAR, value=start_seq + n))
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    seconds = time.perf_counter() - started
    return {"appeals": n, "events": events, "insert_seconds": round(seconds, 2)}


def bench_report(service: AppealService, repeats: int = 5) -> dict[str, Any]:
    """Time ``monthly_stats``: the first (cold) run and the median of the rest."""
    runs = []
    stats: tuple[Any, ...] = ()
    for _ in range(repeats):
        started = time.perf_counter()
        stats = service.monthly_stats(YEAR, REPORT_MONTH)
        runs.append(time.perf_counter() - started)
    return {
        "month": f"{YEAR}-{REPORT_MONTH:02d}",
        "units": len(stats),
        "assigned_in_month": sum(s.assigned for s in stats),
        "first_seconds": round(runs[0], 4),
        "median_seconds": round(statistics.median(runs), 4),
        "max_seconds": round(max(runs), 4),
    }


def server_version(engine: Engine) -> str:
    if engine.dialect.name == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"
    with engine.connect() as conn:
        return f"PostgreSQL {conn.execute(text('SHOW server_version')).scalar_one()}"


def run_backend(backend: str, n: int, creates: int) -> dict[str, Any]:
    policy = default_policy()
    with database(backend) as url:
        upgrade(url)
        clock_start = datetime(YEAR, 12, 30, 2, tzinfo=timezone.utc)
        service = AppealService(url, policy=policy, clock=lambda: clock_start)
        try:
            service.sync_units()
            result: dict[str, Any] = {"server": server_version(service.engine)}
            result["creates"] = bench_creates(service, creates)
            result["fixture"] = bulk_load(service.engine, n, policy)
            result["monthly_stats"] = bench_report(service)
        finally:
            service.dispose()
    result["meets_targets"] = (
        result["creates"]["per_second"] >= TARGET_CREATES_PER_S
        and result["monthly_stats"]["max_seconds"] < TARGET_REPORT_S
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--n", type=int, default=100_000, help="appeals in the report fixture")
    parser.add_argument("--creates", type=int, default=2_000, help="sequential creations")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    figures = {b: run_backend(b, args.n, args.creates) for b in backends}
    write_result(
        "store",
        {
            "targets": {
                "creates_per_second": TARGET_CREATES_PER_S,
                "report_seconds": TARGET_REPORT_S,
            },
            "date": datetime.now(timezone.utc).date().isoformat(),
            "results": figures,
        },
    )


if __name__ == "__main__":
    main()
