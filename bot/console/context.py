"""What every request handler needs, built once per process (or per test)."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

import jinja2
from aiohttp import web
from argon2 import PasswordHasher

from bot.console.accounts import Accounts
from bot.console.lockout import LoginLockout
from bot.console.queries import Queries
from bot.console.routing import Router, get_router
from bot.knowledge import KnowledgeBase, get_knowledge
from bot.store import AppealService

TEMPLATES_DIR = Path(__file__).with_name("templates")
T = TypeVar("T")


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def make_templates() -> jinja2.Environment:
    """Autoescaping Jinja environment over bot/console/templates."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@dataclass
class Console:
    """The console's collaborators: store, accounts, queries, knowledge, clock, templates."""

    service: AppealService
    accounts: Accounts
    queries: Queries
    kb: KnowledgeBase
    router: Router
    clock: Callable[[], datetime] = utc_now
    secure_cookies: bool = False
    templates: jinja2.Environment = field(default_factory=make_templates)

    @classmethod
    def over(
        cls,
        service: AppealService,
        clock: Callable[[], datetime] | None = None,
        secure_cookies: bool = False,
        hasher: PasswordHasher | None = None,
    ) -> Console:
        """A console over ``service`` (sharing its engine) and the live knowledge base."""
        now = clock or utc_now
        return cls(
            service=service,
            accounts=Accounts(service.engine, now, hasher),
            queries=Queries(service.engine),
            kb=get_knowledge(),
            router=get_router(),
            clock=now,
            secure_cookies=secure_cookies,
        )

    def now(self) -> datetime:
        return self.clock().astimezone(timezone.utc)

    def unit_names(self) -> dict[str, str]:
        """Unit id -> name of the responsible units (from the knowledge base, no query)."""
        return {u.id: u.name for u in self.service.policy.units}


CONSOLE: web.AppKey[Console] = web.AppKey("console", Console)
THROTTLE: web.AppKey[LoginLockout] = web.AppKey("throttle", LoginLockout)


def console_of(request: web.Request) -> Console:
    return request.app[CONSOLE]


async def in_thread(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run blocking store work off the event loop (the store is synchronous)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, functools.partial(func, *args, **kwargs))
