"""`python -m bot.console.users`: manage staff accounts and API tokens from the shell.

    create USERNAME --role coordinator|handler [--unit UNIT_ID] [--name 显示名] [--password-stdin]
    bootstrap            first run: create coordinator "admin" with a random password, print once
    list | passwd USERNAME | disable USERNAME | enable USERNAME
    token USERNAME [--name NAME] | revoke-tokens USERNAME | telegram USERNAME CHAT_ID|-

Passwords are never defaults: without --password-stdin a random one is generated and printed once.
"""

from __future__ import annotations

import argparse
import sys

from bot.console.accounts import Accounts, Role, generate_password
from bot.store import InvalidInput, StoreError, Unit, open_service

BOOTSTRAP_USER = "admin"


def _password(args: argparse.Namespace) -> tuple[str, bool]:
    """(password, generated?)"""
    if getattr(args, "password_stdin", False):
        return sys.stdin.readline().rstrip("\n"), False
    return generate_password(), True


def run(argv: list[str] | None = None, url: str | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.console.users",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    create = sub.add_parser("create", help="add a staff account")
    create.add_argument("username")
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument("--unit", help="unit id (handlers), e.g. market_supervision")
    create.add_argument("--name", help="display name")
    create.add_argument("--password-stdin", action="store_true")
    sub.add_parser("bootstrap", help="first-run coordinator account if there is none")
    sub.add_parser("list", help="list accounts")
    passwd = sub.add_parser("passwd", help="set a new password (ends the user's sessions)")
    passwd.add_argument("username")
    passwd.add_argument("--password-stdin", action="store_true")
    for name in ("disable", "enable", "revoke-tokens"):
        sub.add_parser(name).add_argument("username")
    token = sub.add_parser("token", help="create an API token (printed once)")
    token.add_argument("username")
    token.add_argument("--name", default="api")
    telegram = sub.add_parser("telegram", help="link a Telegram chat id for notifications")
    telegram.add_argument("username")
    telegram.add_argument("chat_id", help="chat id, or - to unlink")
    args = parser.parse_args(argv)

    service = open_service(url)
    accounts = Accounts(service.engine)
    try:
        return _dispatch(args, accounts, service.policy.units)
    except (InvalidInput, StoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        service.dispose()


def _dispatch(args: argparse.Namespace, accounts: Accounts, units: tuple[Unit, ...]) -> int:
    command = args.command
    if command == "create":
        password, generated = _password(args)
        user = accounts.create_user(args.username, password, args.role, args.unit, args.name)
        print(
            f"created {user.role.value} {user.username}"
            + (f" ({user.unit_id})" if user.unit_id else "")
        )
        if generated:
            print(f"password (shown once): {password}")
    elif command == "bootstrap":
        if accounts.count_users():
            return 0
        password = generate_password()
        accounts.create_user(
            BOOTSTRAP_USER, password, Role.COORDINATOR, display_name="区营商办管理员"
        )
        print(
            "First run: staff console account created (shown once, change it with "
            f"`python -m bot.console.users passwd {BOOTSTRAP_USER}`):"
        )
        print(f"  username: {BOOTSTRAP_USER}")
        print(f"  password: {password}")
    elif command == "list":
        names = {u.id: u.name for u in units}
        for u in accounts.list_users():
            unit = names.get(u.unit_id or "", u.unit_id or "")
            state = "" if u.active else " (disabled)"
            print(f"{u.username}\t{u.role.value}\t{unit}\t{u.display_name}{state}")
    elif command == "passwd":
        password, generated = _password(args)
        accounts.set_password(args.username, password)
        print(
            "password changed" + (f"; new password (shown once): {password}" if generated else "")
        )
    elif command in ("disable", "enable"):
        accounts.set_active(args.username, command == "enable")
        print(f"{args.username} {command}d")
    elif command == "token":
        print(accounts.create_token(args.username, args.name))
    elif command == "revoke-tokens":
        print(f"{accounts.revoke_tokens(args.username)} token(s) revoked")
    elif command == "telegram":
        accounts.set_telegram_chat(args.username, None if args.chat_id == "-" else args.chat_id)
        print("linked" if args.chat_id != "-" else "unlinked")
    return 0


def main() -> None:
    sys.exit(run())


if __name__ == "__main__":
    main()
