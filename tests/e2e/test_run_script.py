"""`make run`'s script on non-default ports: every process finds the others, SIGTERM stops all.

scripts/run.sh is the README's first command. The ports come from the environment, and the
Rasa server must call the action server on the port the script started it on (a custom
action answers the question below), not on endpoints.yml's default 5055.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import requests

from tests.e2e.stack import ROOT, free_port
from tests.seeds import seed_text

QUESTION, FACT = "燃气报装打哪个电话", "71420888"


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_run_script_on_other_ports_answers_and_stops_cleanly(tmp_path: Path) -> None:
    assert FACT in seed_text()
    ports = {name: free_port() for name in ("RASA_PORT", "ACTION_PORT", "CONSOLE_PORT")}
    env = {
        **os.environ,
        **{name: str(port) for name, port in ports.items()},
        "QIHU_LOG_DIR": str(tmp_path / "log"),
        "APPEALS_DB_URL": f"sqlite:///{tmp_path / 'appeals.db'}",
        "TRACKER_STORE_URL": f"sqlite:///{tmp_path / 'trackers.db'}",
        "RASA_TOKEN": "run-script-test",
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
        endpoints = (tmp_path / "log" / "run-endpoints.yml").read_text(encoding="utf-8")
        assert f"127.0.0.1:{ports['ACTION_PORT']}/webhook" in endpoints
        reply = requests.post(
            f"http://127.0.0.1:{ports['RASA_PORT']}/webhooks/rest/webhook",
            json={"sender": "run-script", "message": QUESTION},
            timeout=60,
        ).json()
        text = "\n".join(m.get("text", "") for m in reply)
        assert FACT in text, f"{QUESTION!r} → {reply!r}"
        assert requests.get(f"http://127.0.0.1:{ports['CONSOLE_PORT']}/healthz", timeout=10).ok
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            out.close()
    log = (tmp_path / "stdout").read_text(encoding="utf-8")
    assert "Stopped." in log, log
    assert rc == 0, f"a SIGTERM stop should exit 0, got {rc}"
    deadline = time.monotonic() + 30
    while any(port_open(p) for p in ports.values()) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not [name for name, p in ports.items() if port_open(p)], "a process outlived SIGTERM"
