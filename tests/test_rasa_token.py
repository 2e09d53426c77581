"""`make run`'s Rasa HTTP API token (issue 14 item 9): the published default only on loopback."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from bot.rasa_token import DEFAULT_TOKEN, TokenRefused, is_loopback, main, resolve

ROOT = Path(__file__).resolve().parents[1]


def test_loopback_keeps_the_default(tmp_path: Path) -> None:
    for host in ("127.0.0.1", "127.0.0.2", "localhost", "::1"):
        assert is_loopback(host)
        assert resolve(host, None, tmp_path / "t") == (DEFAULT_TOKEN, False)
    assert resolve("127.0.0.1", "mine", tmp_path / "t") == ("mine", False)
    assert not (tmp_path / "t").exists()


def test_elsewhere_the_default_is_refused(tmp_path: Path) -> None:
    for host in ("0.0.0.0", "10.1.2.3", "::", "qihu.example"):
        assert not is_loopback(host)
        with pytest.raises(TokenRefused, match="loopback"):
            resolve(host, DEFAULT_TOKEN, tmp_path / "t")
    assert resolve("0.0.0.0", "s3cret-of-mine", tmp_path / "t") == ("s3cret-of-mine", False)


def test_elsewhere_without_a_token_one_is_generated_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("RASA_TOKEN", raising=False)
    token_file = tmp_path / "var" / "rasa-token"
    assert main(["--host", "0.0.0.0", "--file", str(token_file)]) == 0
    first = capsys.readouterr()
    token = first.out.strip()
    assert len(token) >= 40 and token != DEFAULT_TOKEN
    assert token in first.err  # shown once...
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert main(["--host", "0.0.0.0", "--file", str(token_file)]) == 0
    again = capsys.readouterr()
    assert again.out.strip() == token and token not in again.err  # ...and kept, not re-shown


def test_run_script_refuses_the_default_off_loopback(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "RASA_HOST": "0.0.0.0",
        "RASA_TOKEN": DEFAULT_TOKEN,
        "QIHU_LOG_DIR": str(tmp_path / "log"),
    }
    done = subprocess.run(
        ["scripts/run.sh"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2
    assert "Refusing to start" in done.stderr
    assert not (tmp_path / "log").exists()  # nothing was started
