"""Start the real stack (action server + Rasa server) on free loopback ports for tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from bot.run_endpoints import write_run_endpoints

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
TOKEN = "e2e-test-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def trained_model() -> str:
    """Path of the model for the current data (trains it if the data changed)."""
    out = subprocess.run(
        [str(ROOT / "scripts" / "ensure_model.sh")],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return str(ROOT / out.stdout.strip())


@dataclass
class Stack:
    rasa_url: str
    action_url: str
    workdir: Path
    env: dict[str, str]

    def say(self, sender: str, message: str) -> list[dict]:
        """Send one message through the REST channel and return the bot's messages."""
        response = requests.post(
            f"{self.rasa_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": message},
            timeout=60,
        )
        response.raise_for_status()
        return list(response.json())

    def text(self, sender: str, message: str) -> str:
        """All reply texts of one turn joined by newlines."""
        return "\n".join(m.get("text", "") for m in self.say(sender, message))


def _tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def _wait(urls: list[str], procs: list[subprocess.Popen], logs: list[Path], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    pending = list(urls)
    while pending:
        for proc, log in zip(procs, logs, strict=True):
            if proc.poll() is not None:
                raise RuntimeError(
                    f"a server exited early with {proc.returncode}; {log}:\n{_tail(log)}"
                )
        if time.monotonic() > deadline:
            raise TimeoutError(f"not ready: {pending}")
        still = []
        for url in pending:
            try:
                if requests.get(url, timeout=2).status_code != 200:
                    still.append(url)
            except requests.RequestException:
                still.append(url)
        pending = still
        if pending:
            time.sleep(0.5)


@contextmanager
def running_stack(
    workdir: Path,
    extra_env: dict[str, str] | None = None,
    credentials: Path = ROOT / "credentials.yml",
    endpoints_extra: str = "",
) -> Iterator[Stack]:
    """Run both servers with logs and state under `workdir`; stop them on exit.

    ``credentials`` names the input channels (default: REST only); ``extra_env`` adds or
    overrides variables such as ``APPEALS_DB_URL`` or the channels' settings;
    ``endpoints_extra`` (YAML) replaces sections of the project's endpoints.yml, e.g. the
    tracker and lock stores; the action endpoint always points at this stack's server.
    """
    model = trained_model()
    action_port, rasa_port = free_port(), free_port()
    endpoints = write_run_endpoints(
        workdir / "endpoints.yml",
        action_port,
        overrides=endpoints_extra,
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SANIC_HOST": "127.0.0.1",
        "RASA_TELEMETRY_ENABLED": "false",
        "APPEALS_DB_URL": f"sqlite:///{workdir / 'appeals.db'}",
        # Each stack its own conversations (endpoints.yml's store reads TRACKER_STORE_URL).
        "TRACKER_STORE_URL": f"sqlite:///{workdir / 'trackers.db'}",
        **(extra_env or {}),
    }
    rasa = str(VENV_BIN / "rasa")
    log_paths = [workdir / "actions.log", workdir / "rasa.log"]
    logs = [open(path, "w") for path in log_paths]  # noqa: SIM115
    procs = [
        subprocess.Popen(
            [rasa, "run", "actions", "--actions", "actions", "--port", str(action_port)],
            cwd=ROOT,
            env=env,
            stdout=logs[0],
            stderr=subprocess.STDOUT,
        ),
        subprocess.Popen(
            [
                str(VENV_BIN / "python"),
                "-m",
                "bot.rasa_server",
                "run",
                "--model",
                model,
                "--enable-api",
                "--auth-token",
                TOKEN,
                "--interface",
                "127.0.0.1",
                "--port",
                str(rasa_port),
                "--credentials",
                str(credentials),
                "--endpoints",
                str(endpoints),
            ],
            cwd=ROOT,
            env=env,
            stdout=logs[1],
            stderr=subprocess.STDOUT,
        ),
    ]
    rasa_url = f"http://127.0.0.1:{rasa_port}"
    action_url = f"http://127.0.0.1:{action_port}"
    try:
        urls = [f"{rasa_url}/status?token={TOKEN}", f"{action_url}/health"]
        _wait(urls, procs, log_paths, timeout=300)
        yield Stack(rasa_url=rasa_url, action_url=action_url, workdir=workdir, env=env)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        for log in logs:
            log.close()
