"""The token of Rasa's HTTP API for `make run`: ``python -m bot.rasa_token`` prints it.

Why: the HTTP API reads every conversation and can replace the model, and the default token
`qihu-local-dev-token` is published in this repository. It is therefore used only while the
server listens on a loopback address. On any other address the token comes from ``RASA_TOKEN``;
without one, a random token is generated on the first run, stored in ``var/rasa-token`` (mode
600) and announced once on stderr; later runs read it back silently. The published default is
refused off loopback even when set explicitly.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import secrets
import sys
from collections.abc import Sequence
from pathlib import Path

DEFAULT_TOKEN = "qihu-local-dev-token"
DEFAULT_FILE = Path("var/rasa-token")


class TokenRefused(Exception):
    """The configuration would publish the default token; the text says what to do."""


def is_loopback(host: str) -> bool:
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def resolve(host: str, given: str | None, token_file: Path) -> tuple[str, bool]:
    """(token, generated now) for a server on ``host``; raises :class:`TokenRefused`."""
    given = (given or "").strip()
    if is_loopback(host):
        return given or DEFAULT_TOKEN, False
    if given == DEFAULT_TOKEN:
        raise TokenRefused(
            f"RASA_HOST={host} is not a loopback address: the published default RASA_TOKEN "
            "must not be used there. Set RASA_TOKEN to a secret of your own, or leave it unset "
            f"to have one generated into {token_file}."
        )
    if given:
        return given, False
    if token_file.is_file():
        stored = token_file.read_text(encoding="utf-8").strip()
        if stored:
            return stored, False
    token = secrets.token_urlsafe(32)
    token_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(token + "\n")
    return token, True


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.rasa_token", description=__doc__)
    parser.add_argument("--host", default=os.environ.get("RASA_HOST", "127.0.0.1"))
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    args = parser.parse_args(argv)
    try:
        token, generated = resolve(args.host, os.environ.get("RASA_TOKEN"), args.file)
    except TokenRefused as error:
        print(f"Refusing to start: {error}", file=sys.stderr)
        return 2
    if generated:
        print(
            f"Rasa HTTP API token (generated once, kept in {args.file}; shown only now):\n"
            f"  {token}",
            file=sys.stderr,
        )
    print(token)
    return 0


if __name__ == "__main__":
    sys.exit(main())
