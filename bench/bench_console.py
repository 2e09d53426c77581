"""Staff console page times over a store of 100 000 appeals, on SQLite and PostgreSQL.

Loads the bench_store fixture (a year of appeals in every stage), serves the console from a
background thread on 127.0.0.1 and times each page and API call as a logged-in coordinator or
unit handler (server time + loopback HTTP). Target: every page < 300 ms (p95). Writes
bench/results/console.json.

    python bench/bench_console.py [--backend sqlite|postgresql|both] [--n 100000] [--repeats 15]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests
from argon2 import PasswordHasher
from sqlalchemy import select

from bench.bench_store import REPORT_MONTH, YEAR, bulk_load, database, server_version
from bench.common import percentile, write_result
from bot.console.context import Console
from bot.console.serve import BackgroundServer
from bot.console.web import create_app
from bot.store import AppealService
from bot.store.migrate import upgrade
from bot.store.models import appeals
from bot.store.policy import default_policy
from bot.workdays import SHANGHAI

TARGET_P95_S = 0.3
PASSWORD = "bench-password-123"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def login(url: str, username: str) -> requests.Session:
    session = requests.Session()
    token = CSRF_RE.search(session.get(f"{url}/login").text)
    assert token is not None
    response = session.post(
        f"{url}/login",
        data={"csrf_token": token.group(1), "username": username, "password": PASSWORD},
    )
    response.raise_for_status()
    return session


def time_get(session: requests.Session, url: str, repeats: int) -> dict[str, Any]:
    runs = []
    size = 0
    for _ in range(repeats):
        started = time.perf_counter()
        response = session.get(url)
        runs.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: HTTP {response.status_code}")
        size = len(response.content)
    return {
        "first_ms": round(runs[0] * 1000, 1),
        "p50_ms": round(statistics.median(runs) * 1000, 1),
        "p95_ms": round(percentile(runs, 0.95) * 1000, 1),
        "bytes": size,
    }


def run_backend(backend: str, n: int, repeats: int) -> dict[str, Any]:
    policy = default_policy()
    with database(backend) as url:
        upgrade(url)
        # "Now" in the fixture's year, so markers and the inbox look like a working day.
        clock = lambda: datetime(YEAR, REPORT_MONTH, 18, 10, tzinfo=SHANGHAI)  # noqa: E731
        service = AppealService(url, policy=policy, clock=clock)
        service.sync_units()
        fixture = bulk_load(service.engine, n, policy)
        hasher = PasswordHasher()
        console = Console.over(service, clock=clock, hasher=hasher)
        unit = policy.units[0].id
        console.accounts.create_user("coord", PASSWORD, "coordinator")
        console.accounts.create_user("handler", PASSWORD, "handler", unit)
        token = console.accounts.create_token("coord")
        with service.engine.connect() as conn:
            number = conn.execute(
                select(appeals.c.number).where(appeals.c.unit_id == unit).limit(1)
            ).scalar_one()
        server = BackgroundServer(create_app(console)).start()
        try:
            base = server.url
            coord, handler = login(base, "coord"), login(base, "handler")
            api = requests.Session()
            api.headers["Authorization"] = f"Bearer {token}"
            month = f"{YEAR}-{REPORT_MONTH:02d}"
            pages = {
                "coordinator /inbox": (coord, "/inbox"),
                "coordinator /loop": (coord, "/loop"),
                "coordinator /appeals": (coord, "/appeals"),
                "coordinator /appeals?q=企业4242": (coord, "/appeals?q=企业4242"),
                "coordinator /appeals?q={number}": (coord, f"/appeals?q={number.upper()}"),
                "coordinator /appeals?status=dispatched": (coord, "/appeals?status=dispatched"),
                "coordinator /appeals/{number}": (coord, f"/appeals/{number}"),
                "coordinator /appeals/{number}/sheet": (coord, f"/appeals/{number}/sheet"),
                "coordinator /report": (coord, f"/report?month={month}"),
                "coordinator /report.xlsx": (coord, f"/report.xlsx?month={month}"),
                "handler /unit": (handler, "/unit"),
                "handler /appeals": (handler, "/appeals"),
                "handler /appeals/{number}": (handler, f"/appeals/{number}"),
                "api /api/v1/inbox": (api, "/api/v1/inbox"),
                "api /api/v1/appeals": (api, "/api/v1/appeals"),
                "api /api/v1/reports/monthly": (api, f"/api/v1/reports/monthly?month={month}"),
            }
            timings = {
                name: time_get(session, base + path, repeats)
                for name, (session, path) in pages.items()
            }
        finally:
            server.stop()
            service.dispose()
        worst = max(t["p95_ms"] for t in timings.values())
        return {
            "server": server_version(service.engine),
            "fixture": fixture,
            "pages": timings,
            "worst_p95_ms": worst,
            "meets_target": worst < TARGET_P95_S * 1000,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    results = {b: run_backend(b, args.n, args.repeats) for b in backends}
    write_result(
        "console",
        {"target_p95_ms": TARGET_P95_S * 1000, "appeals": args.n, "results": results},
    )


if __name__ == "__main__":
    main()
