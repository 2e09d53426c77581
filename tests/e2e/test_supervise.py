"""scripts/supervise.sh, which `make run` uses for each child: a child killed with SIGKILL is
back within 15 s while the others keep answering; a child that keeps dying is given up after
the limit (logged); SIGTERM stops everything with status 0.

Small stand-in children (Python's http.server) keep this fast; tests/e2e/test_run_restart.py
does the same against the real stack.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.e2e.stack import ROOT, free_port

HARNESS = """
set -euo pipefail
source scripts/supervise.sh
pids=()
trap 'for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait; exit 0' TERM INT
supervise one "$QIHU_LOG_DIR/one.log" "$PY" -m http.server --bind 127.0.0.1 "$PORT_ONE" &
pids+=($!)
supervise two "$QIHU_LOG_DIR/two.log" "$PY" -m http.server --bind 127.0.0.1 "$PORT_TWO" &
pids+=($!)
supervise flaky "$QIHU_LOG_DIR/flaky.log" "$PY" -c "import sys; sys.exit(3)" &
flaky=$!
wait "$flaky" || echo "flaky supervisor exited with $?"
wait
"""


def answers(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/", timeout=2).ok
    except requests.RequestException:
        return False


def wait_for(check, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def pid_of(log_dir: Path, name: str) -> int | None:
    try:
        return int((log_dir / f"{name}.pid").read_text())
    except (FileNotFoundError, ValueError):
        return None


def test_children_are_restarted_limited_and_stopped(tmp_path: Path) -> None:
    log_dir = tmp_path / "log"
    log_dir.mkdir()
    ports = {"one": free_port(), "two": free_port()}
    env = {
        **os.environ,
        "QIHU_LOG_DIR": str(log_dir),
        "QIHU_RESTART_LIMIT": "2",
        "PY": sys.executable,
        "PORT_ONE": str(ports["one"]),
        "PORT_TWO": str(ports["two"]),
    }
    out = (tmp_path / "stdout").open("w")
    proc = subprocess.Popen(
        ["bash", "-c", HARNESS],
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        assert wait_for(lambda: answers(ports["one"]) and answers(ports["two"]), 60)
        for name, other in (("one", "two"), ("two", "one")):
            old = pid_of(log_dir, name)
            assert old is not None
            os.kill(old, signal.SIGKILL)
            assert answers(ports[other])  # the other child is not affected
            back = wait_for(
                lambda n=name, o=old: pid_of(log_dir, n) not in (None, o) and answers(ports[n]),
                15,
            )
            assert back, f"{name} was not back within 15 s"
            assert answers(ports[other])
            assert "exited with status 137; restart 1/2" in (log_dir / f"{name}.log").read_text()
        # the flaky child exits at once every time: restarted twice (1 s, 2 s), then given up
        assert wait_for(lambda: "giving up" in (log_dir / "flaky.log").read_text(), 30)
        assert wait_for(
            lambda: "flaky supervisor exited with 1" in (tmp_path / "stdout").read_text(), 10
        )
        assert answers(ports["one"]) and answers(ports["two"])
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            out.close()
    assert rc == 0
    assert wait_for(lambda: not answers(ports["one"]) and not answers(ports["two"]), 15)
