"""REST round-trip latency and throughput of the running stack.

Starts the action server and Rasa server on free loopback ports, sends a mix of real
questions at 1 and 10 concurrent users, and writes p50/p95 and msg/s to
bench/results/latency.json. Target (issue #2): median reply < 150 ms on an idle machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import QUESTIONS, percentile, write_result
from tests.e2e.stack import Stack, running_stack


def run_level(stack: Stack, users: int, per_user: int) -> dict[str, float]:
    def one_user(user: int) -> list[float]:
        times = []
        for i in range(per_user):
            start = time.perf_counter()
            stack.say(f"bench-{users}-{user}", QUESTIONS[(user + i) % len(QUESTIONS)])
            times.append(time.perf_counter() - start)
        return times

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=users) as pool:
        latencies = [t for result in pool.map(one_user, range(users)) for t in result]
    elapsed = time.perf_counter() - started
    return {
        "users": users,
        "messages": len(latencies),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
        "msg_per_s": round(len(latencies) / elapsed, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-user", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir, running_stack(Path(workdir)) as stack:
        for message in QUESTIONS:  # warm-up: first calls load TF graphs and caches
            stack.say("bench-warmup", message)
        levels = [run_level(stack, users, args.per_user) for users in (1, 10)]
    write_result("latency", {"levels": levels, "target_p50_ms": 150})
    return 0


if __name__ == "__main__":
    sys.exit(main())
