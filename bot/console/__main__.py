"""`python -m bot.console`: serve the staff console on 127.0.0.1:$CONSOLE_PORT (default 8080).

It migrates the store first (like every process that opens it), so it can start on its own.
"""

from __future__ import annotations

import argparse
import logging
import os

from aiohttp import web

from bot import log_safety
from bot.console.context import Console
from bot.console.web import create_app
from bot.store import open_service

DEFAULT_PORT = 8080


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.console", description=__doc__)
    parser.add_argument("--host", default=os.environ.get("CONSOLE_HOST", "127.0.0.1"))
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("CONSOLE_PORT", DEFAULT_PORT))
    )
    args = parser.parse_args(argv)
    # INFO, but httpx at WARNING (its URLs carry the bot token) and phone numbers masked.
    log_safety.install(logging.INFO)
    service = open_service()
    console = Console.over(
        service,
        secure_cookies=os.environ.get("CONSOLE_SECURE_COOKIES") == "1",
    )
    try:
        web.run_app(
            create_app(console),
            host=args.host,
            port=args.port,
            print=lambda _: print(f"staff console on http://{args.host}:{args.port}/", flush=True),
            access_log_format='%a "%r" %s %b %Tfs',
        )
    finally:
        service.dispose()


if __name__ == "__main__":
    main()
