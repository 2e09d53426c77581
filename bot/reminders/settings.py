"""The scheduler's settings, from the environment (same variables as ``make run`` uses).

| variable | default | meaning |
| --- | --- | --- |
| ``APPEALS_DB_URL`` | var/appeals.db | the appeal store (reminders live in it) |
| ``RASA_URL`` | http://$RASA_HOST:$RASA_PORT | Rasa's HTTP API, for chat users |
| ``RASA_TOKEN`` | qihu-local-dev-token | its token |
| ``TELEGRAM_TOKEN`` / ``TELEGRAM_API_BASE`` | unset / official | the bot that writes to staff |
| ``REMINDER_COORDINATOR_CHATS`` | empty | extra coordinator chat ids, comma-separated |
| ``REMINDER_UNIT_CHATS`` | empty | extra handler chats: ``unit_id:chat,chat;unit_id:chat`` |
| ``CONSOLE_PUBLIC_URL`` | http://127.0.0.1:$CONSOLE_PORT | the console as staff reach it (links) |
| ``REMINDER_INTERVAL`` | 60 | seconds between passes |
| ``REMINDER_RULES`` | bot/reminders/rules.yaml | the rules file |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.reminders.rules import RULES_FILE
from bot.reminders.staff import StaffDirectory, parse_unit_chats
from bot.store.engine import default_url

DEFAULT_RASA_TOKEN = "qihu-local-dev-token"  # the same local-only default as scripts/run.sh


@dataclass(frozen=True)
class Settings:
    db_url: str
    rasa_url: str
    rasa_token: str
    telegram_token: str | None
    telegram_api_base: str | None
    staff: StaffDirectory
    interval: float
    rules_file: Path
    console_url: str = "http://127.0.0.1:8080"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        host, port = env.get("RASA_HOST", "127.0.0.1"), env.get("RASA_PORT", "5005")
        coordinators = tuple(
            c.strip() for c in env.get("REMINDER_COORDINATOR_CHATS", "").split(",")
        )
        return cls(
            db_url=env.get("APPEALS_DB_URL") or default_url(),
            rasa_url=env.get("RASA_URL") or f"http://{host}:{port}",
            rasa_token=env.get("RASA_TOKEN") or DEFAULT_RASA_TOKEN,
            telegram_token=env.get("TELEGRAM_TOKEN") or None,
            telegram_api_base=env.get("TELEGRAM_API_BASE") or None,
            staff=StaffDirectory(
                coordinators=tuple(c for c in coordinators if c),
                handlers=parse_unit_chats(env.get("REMINDER_UNIT_CHATS", "")),
            ),
            interval=float(env.get("REMINDER_INTERVAL", "60")),
            rules_file=Path(env.get("REMINDER_RULES") or RULES_FILE),
            console_url=(
                env.get("CONSOLE_PUBLIC_URL")
                or f"http://127.0.0.1:{env.get('CONSOLE_PORT') or '8080'}"
            ).rstrip("/"),
        )
