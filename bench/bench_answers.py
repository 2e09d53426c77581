"""Answer quality on the public evaluation sets: per-kind accuracy, failures, fallback rate.

Runs ``../shared/eval/score_questions.py`` and ``score_dialogs.py`` (the scripts beside the sets,
unchanged) against a stack, and sends each single question once more to count how often the
assistant fell back ("没能理解" or "您是不是想问"). ``bench/probe_cases.yaml`` (our own questions,
never tuned against) is scored the same way and reported apart as ``probe``: the public dev set was
looked at while tuning the answering layer, so its figure overstates new phrasings. Starts its own
stack on free ports unless ``QIHU_BENCH_URL`` (or ``--url``) names a running one.
Writes ``bench/results/answers.json``.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import requests
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import write_result
from tests.e2e.stack import running_stack

ROOT = Path(__file__).resolve().parents[1]
EVAL_DIR = ROOT.parent / "shared" / "eval"
FALLBACK_MARKS = ("没能理解", "您是不是想问")
TARGETS = {"questions": 0.95, "every_kind": 0.90, "dialogs": 0.90, "out_of_scope": 1.0}

_KIND = re.compile(r"^(\S+)\s+(\d+)/(\d+)$")
_OVERALL = re.compile(r"(\d+)/(\d+) = ([\d.]+)")


PROBE_CASES = ROOT / "bench" / "probe_cases.yaml"  # the team's own words, never tuned against


def _score(script: str, url: str, data: str | Path) -> str:
    result = subprocess.run(
        [sys.executable, str(EVAL_DIR / script), url, str(EVAL_DIR / data), "--show-fail", "500"],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout


def parse_questions(output: str) -> dict[str, Any]:
    """Per-kind accuracy, the failures and the overall figure of score_questions.py."""
    kinds: dict[str, Any] = {}
    failures: list[dict[str, str]] = []
    overall: dict[str, Any] = {}
    for line in output.splitlines():
        if line.startswith("FAIL | "):
            _, case_id, message, reply = ([*line.split(" | ", 3), "", "", ""])[:4]
            failures.append({"id": case_id, "message": message, "reply": reply})
        elif match := _KIND.match(line.strip()):
            passed, total = int(match.group(2)), int(match.group(3))
            kinds[match.group(1)] = {"passed": passed, "total": total, "accuracy": passed / total}
        elif line.startswith("questions correct") and (match := _OVERALL.search(line)):
            overall = {"passed": int(match.group(1)), "total": int(match.group(2))}
            overall["accuracy"] = float(match.group(3))
    return {"overall": overall, "kinds": kinds, "failures": failures}


def parse_dialogs(output: str) -> dict[str, Any]:
    failures = []
    overall: dict[str, Any] = {}
    for line in output.splitlines():
        if line.startswith("FAIL | "):
            parts = ([*line.split(" | ", 4), "", "", "", ""])[:5]
            failures.append({"id": parts[1], "step": parts[2], "say": parts[3], "reply": parts[4]})
        elif line.startswith("dialog scenarios passed") and (match := _OVERALL.search(line)):
            overall = {"passed": int(match.group(1)), "total": int(match.group(2))}
            overall["accuracy"] = float(match.group(3))
    return {"overall": overall, "failures": failures}


def fallback_rate(url: str) -> dict[str, Any]:
    """Share of single questions answered with the fallback or "您是不是想问"."""
    cases = yaml.safe_load((EVAL_DIR / "dev_cases.yaml").read_text(encoding="utf-8"))
    fell = 0
    for i, case in enumerate(cases):
        response = requests.post(
            f"{url}/webhooks/rest/webhook",
            json={"sender": f"bench-fallback-{os.getpid()}-{i}", "message": case["message"]},
            timeout=60,
        )
        reply = "\n".join(m.get("text") or "" for m in response.json())
        fell += any(mark in reply for mark in FALLBACK_MARKS)
    return {"fallbacks": fell, "total": len(cases), "rate": round(fell / len(cases), 3)}


def measure(url: str) -> dict[str, Any]:
    questions = parse_questions(_score("score_questions.py", url, "dev_cases.yaml"))
    dialogs = parse_dialogs(_score("score_dialogs.py", url, "dev_dialogs.yaml"))
    probe = parse_questions(_score("score_questions.py", url, PROBE_CASES))
    return {
        "questions": questions,
        "dialogs": dialogs,
        "probe": probe,
        "fallback": fallback_rate(url),
        "targets": TARGETS,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default=os.environ.get("QIHU_BENCH_URL"))
    args = parser.parse_args()
    if args.url:
        figures = measure(args.url.rstrip("/"))
    else:
        with tempfile.TemporaryDirectory() as workdir, running_stack(Path(workdir)) as stack:
            figures = measure(stack.rasa_url)
    write_result("answers", figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
