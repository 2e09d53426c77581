"""Shared helpers for benchmarks: where results go and what machine produced them."""

from __future__ import annotations

import json
import os
import platform
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"

# Typical newcomer questions (knowledge answers, no appeal written), as users type them.
QUESTIONS = [
    "燃气报装打哪个电话",
    "办建设工程规划许可要交啥材料",
    "低压居民接电要几天",
    "企业开办一件事包括哪些",
    "你好",
    "限下招标是多少钱的项目",
]


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1) of a non-empty list."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def write_result(name: str, figures: dict[str, Any]) -> Path:
    """Write `bench/results/<name>.json` with the figures and machine info."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    payload = {"benchmark": name, "machine": machine(), **figures}
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(payload, ensure_ascii=False, indent=2))
    return path
