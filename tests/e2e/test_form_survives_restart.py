"""A half-filled appeal form survives restarts of `make run`: stopped and started again, and its
Rasa process killed (the supervisor starts a new one). Each time the next field is accepted
and the form asks the next question (not "我没能理解"); confirming writes exactly one appeal.

The conversation lives in the durable tracker store (TRACKER_STORE_URL, here a SQLite file of
this test), the appeal in the appeal store, both outside the processes that are restarted.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from bot.store import open_service
from tests.e2e.appeal_flow import CONTENT, NUMBER, new_sender
from tests.e2e.stack import ROOT, free_port
from tests.e2e.test_run_restart import alive, ok, pid_of, wait_for

NOT_UNDERSTOOD = "我没能理解"


@contextmanager
def make_run(tmp_path: Path, env: dict[str, str], label: str) -> Iterator[None]:
    """scripts/run.sh up (until "Qihu is running."), then SIGTERM and wait for it to stop."""
    stdout = tmp_path / f"stdout-{label}"
    with stdout.open("w") as out:
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
            while "Qihu is running." not in stdout.read_text(encoding="utf-8"):
                assert proc.poll() is None, stdout.read_text(encoding="utf-8")
                assert time.monotonic() < deadline, "run.sh did not come up in 7 minutes"
                time.sleep(1)
            yield
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                assert proc.wait(timeout=60) == 0
            finally:
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGKILL)


def test_half_filled_form_continues_after_restarts(tmp_path: Path) -> None:
    ports = {name: free_port() for name in ("RASA_PORT", "ACTION_PORT", "CONSOLE_PORT")}
    log_dir = tmp_path / "log"
    token = "form-restart-test"
    appeals_url = f"sqlite:///{tmp_path / 'appeals.db'}"
    env = {
        **os.environ,
        **{name: str(port) for name, port in ports.items()},
        "QIHU_LOG_DIR": str(log_dir),
        "APPEALS_DB_URL": appeals_url,
        "TRACKER_STORE_URL": f"sqlite:///{tmp_path / 'trackers.db'}",
        "RASA_TOKEN": token,
    }
    rasa = f"http://127.0.0.1:{ports['RASA_PORT']}"
    sender = new_sender("restart")

    def say(message: str) -> str:
        reply = requests.post(
            f"{rasa}/webhooks/rest/webhook",
            json={"sender": sender, "message": message},
            timeout=60,
        )
        reply.raise_for_status()
        return "\n".join(m.get("text", "") for m in reply.json())

    with make_run(tmp_path, env, "first"):
        assert "描述" in say("我要反映问题")
        assert "企业名称" in say(CONTENT)

    with make_run(tmp_path, env, "second"):
        reply = say("南川区青山机械有限公司")
        assert "联系人" in reply and NOT_UNDERSTOOD not in reply, reply

        # The Rasa process dies (SIGKILL); the supervisor starts another on the same store.
        old = pid_of(log_dir, "rasa")
        assert old is not None and alive(old)
        os.kill(old, signal.SIGKILL)
        assert wait_for(lambda: pid_of(log_dir, "rasa") not in (None, old), 15)
        assert wait_for(lambda: ok(f"{rasa}/status?token={token}"), 600)

        reply = say("张三")
        assert "联系电话" in reply and NOT_UNDERSTOOD not in reply, reply
        readback = say("13812345678")
        for value in ("南川区青山机械有限公司", "张三", "13812345678", CONTENT):
            assert value in readback, readback
        receipt = say("确认")
        number = NUMBER.search(receipt)
        assert number, receipt

    service = open_service(appeals_url)
    try:
        (appeal,) = service.list_by_sender("rest", sender)
    finally:
        service.dispose()
    assert appeal.number == number.group(0)
    assert (appeal.enterprise, appeal.contact, appeal.phone) == (
        "南川区青山机械有限公司",
        "张三",
        "13812345678",
    )
