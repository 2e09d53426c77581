"""``python -m bot.reminders list`` / ``retry`` / ``run --once`` on a real database."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.reminders.__main__ import main
from tests.reminders.conftest import World


def test_list_shows_pending_sent_and_failed(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    world.new_appeal()
    world.run("2025-03-05 08:30")  # dispatch reminder sent
    number = world.new_appeal(sender_id="u2")
    world.service.dispatch(number, "unit_a", "simple", "coordinator")
    world.service.start(number, "unit_a")
    world.service.respond(number, "已处理", "unit_a")
    world.sender.fail = lambda _r: "Rasa answered 502"
    world.scheduler().run_once()
    monkeypatch.setenv("APPEALS_DB_URL", world.url)
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "pending: 1  sent: 1  failed: 0"
    assert "dispatch_overdue" in out and "evaluation_request" in out
    assert "Rasa answered 502" in out and "remind_evaluation" in out
    assert main(["list", "--status", "sent"]) == 0
    listed = capsys.readouterr().out.splitlines()[1:]
    assert len(listed) == 1 and "dispatch_overdue" in listed[0]
    [pending] = world.store.list(["pending"])
    assert main(["retry", str(pending.id)]) == 1  # only failed reminders are re-queued
    assert "nothing done" in capsys.readouterr().out


def test_run_once_as_a_process(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'appeals.db'}"
    env = {"APPEALS_DB_URL": url, "RASA_URL": "http://127.0.0.1:9", "PATH": "/usr/bin:/bin"}
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-m", "bot.reminders", "run", "--once"],
        cwd=root,
        env={**env, "PYTHONPATH": str(root), "RASA_TELEMETRY_ENABLED": "false"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "PassResult(planned=0" in done.stdout
    listed = subprocess.run(
        [sys.executable, "-m", "bot.reminders", "list"],
        cwd=root,
        env={**env, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert listed.stdout.startswith("pending: 0  sent: 0  failed: 0")
