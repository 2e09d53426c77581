"""Staff recipients come from the console's accounts (telegram_chat_id) plus the environment."""

from __future__ import annotations

import pytest
from sqlalchemy import insert

from bot.reminders.settings import Settings
from bot.reminders.staff import StaffDirectory, load_directory, parse_unit_chats
from bot.store.models import console_users
from tests.reminders.conftest import World


def _account(
    world: World, name: str, role: str, unit: str | None, chat: str | None, active: bool = True
) -> None:
    with world.service.engine.begin() as conn:
        conn.execute(
            insert(console_users).values(
                username=name,
                display_name=name,
                password_hash="x",
                role=role,
                unit_id=unit,
                active=active,
                telegram_chat_id=chat,
                created_at=world.clock(),
            )
        )


def test_console_accounts_and_environment_are_merged(world: World) -> None:
    _account(world, "coord", "coordinator", None, "501")
    _account(world, "handler_a", "handler", "unit_a", "601")
    _account(world, "handler_b", "handler", "unit_b", None)  # no chat id: not reachable
    _account(world, "gone", "handler", "unit_a", "602", active=False)
    extra = StaffDirectory(coordinators=("100", "501"), handlers={"unit_b": ("700",)})
    with world.service.engine.connect() as conn:
        directory = load_directory(conn, extra)
    assert directory.coordinators == ("501", "100")
    assert directory.for_unit("unit_a") == ("601",)
    assert directory.for_unit("unit_b") == ("700",)
    assert directory.for_unit(None) == ()


def test_reminders_reach_console_handlers(world: World) -> None:
    _account(world, "handler_a", "handler", "unit_a", "601")
    number = world.new_appeal()
    world.service.dispatch(number, "unit_a", "simple", "coordinator")
    sent = world.run("2025-03-04 08:30")
    assert sorted(sent) == [
        ("dispatched", "staff_telegram:200"),  # the dispatch notice reaches both too
        ("dispatched", "staff_telegram:601"),
        ("handling_due_tomorrow", "staff_telegram:200"),  # from the environment (conftest)
        ("handling_due_tomorrow", "staff_telegram:601"),  # from the console account
    ]


def test_settings_from_environment() -> None:
    settings = Settings.from_env(
        {
            "RASA_HOST": "127.0.0.1",
            "RASA_PORT": "5999",
            "REMINDER_COORDINATOR_CHATS": "1, 2,",
            "REMINDER_UNIT_CHATS": "unit_a:3,4;unit_b:5",
        }
    )
    assert settings.rasa_url == "http://127.0.0.1:5999"
    assert settings.staff.coordinators == ("1", "2")
    assert settings.staff.handlers == {"unit_a": ("3", "4"), "unit_b": ("5",)}
    assert settings.telegram_token is None
    with pytest.raises(ValueError, match="unit_id:chat"):
        parse_unit_chats("unit_a")
