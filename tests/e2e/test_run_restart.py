"""`make run` keeps the stack up: each child killed with SIGKILL is back (a new process) within
15 s and answers again, while the other children keep answering; SIGTERM still stops all, 0."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import requests

from tests.e2e.stack import ROOT, free_port
from tests.e2e.test_run_script import port_open


def alive(pid: int | None) -> bool:
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def pid_of(log_dir: Path, name: str) -> int | None:
    try:
        return int((log_dir / f"{name}.pid").read_text())
    except (FileNotFoundError, ValueError):
        return None


def wait_for(check: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.5)
    return False


def ok(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).ok
    except requests.RequestException:
        return False


def test_each_child_is_restarted_after_sigkill(tmp_path: Path) -> None:
    ports = {name: free_port() for name in ("RASA_PORT", "ACTION_PORT", "CONSOLE_PORT")}
    log_dir = tmp_path / "log"
    token = "run-restart-test"
    env = {
        **os.environ,
        **{name: str(port) for name, port in ports.items()},
        "QIHU_LOG_DIR": str(log_dir),
        "APPEALS_DB_URL": f"sqlite:///{tmp_path / 'appeals.db'}",
        "TRACKER_STORE_URL": f"sqlite:///{tmp_path / 'trackers.db'}",
        "RASA_TOKEN": token,
    }
    health = {
        "rasa": f"http://127.0.0.1:{ports['RASA_PORT']}/status?token={token}",
        "actions": f"http://127.0.0.1:{ports['ACTION_PORT']}/health",
        "console": f"http://127.0.0.1:{ports['CONSOLE_PORT']}/healthz",
    }
    out = (tmp_path / "stdout").open("w")
    proc = subprocess.Popen(
        ["scripts/run.sh"],
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 420
        while "Qihu is running." not in (tmp_path / "stdout").read_text(encoding="utf-8"):
            assert proc.poll() is None, (tmp_path / "stdout").read_text(encoding="utf-8")
            assert time.monotonic() < deadline, "run.sh did not come up in 7 minutes"
            time.sleep(1)
        assert wait_for(lambda: alive(pid_of(log_dir, "reminders")), 30)
        for name in ("actions", "console", "reminders", "rasa"):
            old = pid_of(log_dir, name)
            assert alive(old), name
            os.kill(old, signal.SIGKILL)  # type: ignore[arg-type]
            others = [url for other, url in health.items() if other != name]
            assert all(ok(url) for url in others), f"others stopped answering after {name} died"
            assert wait_for(
                lambda n=name, o=old: (
                    pid_of(log_dir, n) not in (None, o)  # type: ignore[misc]
                    and alive(pid_of(log_dir, n))
                ),
                15,
            ), f"{name} was not restarted within 15 s"
            if name in health:  # answering again (Rasa reloads its model: allow for that)
                assert wait_for(lambda n=name: ok(health[n]), 600), f"{name} did not answer"
            assert all(ok(url) for url in others)
            log = (log_dir / f"{name}.log").read_text(encoding="utf-8")
            assert "supervise: " + name + " exited with status 137; restart 1/" in log
        assert proc.poll() is None  # run.sh itself never stopped
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            out.close()
    assert rc == 0, f"a SIGTERM stop should exit 0, got {rc}"
    assert wait_for(lambda: not any(port_open(p) for p in ports.values()), 30)
