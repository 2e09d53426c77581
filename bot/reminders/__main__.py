"""``python -m bot.reminders``: the reminder scheduler and its state.

python -m bot.reminders run [--once]        # passes every $REMINDER_INTERVAL s (default)
python -m bot.reminders list [--status pending|sent|failed|...] [--limit N]
python -m bot.reminders retry ID            # re-queue a failed reminder
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Sequence
from datetime import datetime
from types import FrameType

from bot import log_safety
from bot.channels.telegram.settings import DEFAULT_API_BASE, make_bot
from bot.knowledge import get_knowledge
from bot.reminders.delivery import RasaSender, Router, TelegramSender
from bot.reminders.rules import load_rules
from bot.reminders.scheduler import PassResult, Scheduler, utc_now
from bot.reminders.settings import Settings
from bot.reminders.store import Reminder, ReminderStore
from bot.store import StoreError, open_service
from bot.workdays import SHANGHAI


def _local(moment: datetime | None) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if moment else "-"


def _line(r: Reminder) -> str:
    what = r.payload.get("intent") or (r.payload.get("text") or "")[:30].replace("\n", " ")
    error = f"  错误: {r.last_error[:80]}" if r.last_error else ""
    return (
        f"{r.id:>6} {r.status:<9} {r.kind:<22} {r.recipient:<32} "
        f"due {_local(r.due_at)}  next {_local(r.next_attempt_at)}  sent {_local(r.sent_at)}  "
        f"tries {r.attempts}  {what}{error}"
    )


def _run(settings: Settings, once: bool) -> int:
    service = open_service(settings.db_url)  # migrates the store first
    kb = get_knowledge()
    rules = load_rules(settings.rules_file, set(kb.schemes))
    staff = None
    if settings.telegram_token:
        bot = make_bot(settings.telegram_token, settings.telegram_api_base or DEFAULT_API_BASE)
        staff = TelegramSender(bot)
    sender = Router(RasaSender(settings.rasa_url, settings.rasa_token), staff)
    scheduler = Scheduler(
        service.engine, rules, kb, sender, settings.staff, console_url=settings.console_url
    )
    try:
        if once:
            try:
                result = scheduler.run_once()
            except StoreError as exc:
                print(f"reminder pass failed: {exc}", file=sys.stderr)
                return 1
            except Exception as exc:  # logged with its reference and kept for the console
                result = PassResult()
                scheduler.incident("pass", "--once", exc, result)
            print(result)
            return 1 if result.errors else 0
        stopping = False

        def _stop(_signum: int, _frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        logging.getLogger(__name__).info("reminder scheduler %s started", scheduler.worker)
        scheduler.run_forever(settings.interval, lambda: stopping)
        return 0
    finally:
        if staff is not None:
            staff.close()
        service.dispose()


def _list(settings: Settings, statuses: Sequence[str] | None, limit: int) -> int:
    service = open_service(settings.db_url)
    try:
        store = ReminderStore(service.engine)
        counts = store.counts()
        print("  ".join(f"{k}: {counts.get(k, 0)}" for k in ("pending", "sent", "failed")), end="")
        others = {k: v for k, v in counts.items() if k not in ("pending", "sent", "failed")}
        print("".join(f"  {k}: {v}" for k, v in sorted(others.items())))
        for reminder in store.list(statuses, limit):
            print(_line(reminder))
        return 0
    finally:
        service.dispose()


def _retry(settings: Settings, reminder_id: int) -> int:
    service = open_service(settings.db_url)
    try:
        ok = ReminderStore(service.engine).retry(reminder_id, utc_now())
        print("re-queued" if ok else f"reminder {reminder_id} is not failed (nothing done)")
        return 0 if ok else 1
    finally:
        service.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.reminders", description=__doc__)
    commands = parser.add_subparsers(dest="command")
    run = commands.add_parser("run", help="run the scheduler")
    run.add_argument("--once", action="store_true", help="one pass, then exit")
    listing = commands.add_parser("list", help="show reminders: pending, sent, failed")
    listing.add_argument("--status", action="append", help="only these statuses (repeatable)")
    listing.add_argument("--limit", type=int, default=50)
    again = commands.add_parser("retry", help="re-queue a failed reminder")
    again.add_argument("id", type=int)
    args = parser.parse_args(argv)
    # INFO, but httpx at WARNING (its URLs carry the bot token) and phone numbers masked.
    log_safety.install(logging.INFO)
    settings = Settings.from_env()
    if args.command == "list":
        return _list(settings, args.status, args.limit)
    if args.command == "retry":
        return _retry(settings, args.id)
    return _run(settings, once=bool(getattr(args, "once", False)))


if __name__ == "__main__":
    sys.exit(main())
