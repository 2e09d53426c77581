"""``python -m bot.store``: migrate the store (``make run`` does this first), warn about years
without a holiday arrangement, and recompute provisional deadlines once a year is entered.

python -m bot.store                        # migrate, then warn if the next 90 days are not covered
python -m bot.store recompute-deadlines    # after entering a year in bot/knowledge/holidays.yaml
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot.knowledge import KnowledgeError
from bot.store.engine import default_url
from bot.store.migrate import main as migrate
from bot.workdays import (
    check_holidays,
    coverage_warning,
    deadline_date,
    local_date,
    utc_today_instant,
)


def _warn_coverage() -> None:
    warning = coverage_warning(local_date(utc_today_instant()))
    if warning:
        print(f"警告：{warning}", file=sys.stderr)


def _recompute() -> int:
    from bot.store import open_service
    from bot.store.recompute import recompute_deadlines

    service = open_service(default_url())
    try:
        changed = recompute_deadlines(service)
    finally:
        service.dispose()
    for change in changed:
        state = f"provisional ({change.provisional_year})" if change.provisional_year else "final"
        before, after = deadline_date(change.before), deadline_date(change.after)
        print(f"{change.number} {change.field}: {before} -> {after}, {state}")
    print(f"{len(changed)} deadline(s) changed")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.store",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("migrate", help="apply the migrations (the default)")
    commands.add_parser("recompute-deadlines", help="recompute provisional deadlines")
    args = parser.parse_args(argv)
    try:
        check_holidays()
    except KnowledgeError as exc:
        print(f"holiday arrangements file is invalid:\n{exc}", file=sys.stderr)
        return 2
    if args.command == "recompute-deadlines":
        code = _recompute()
    else:
        migrate()
        code = 0
    _warn_coverage()
    return code
