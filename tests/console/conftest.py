"""Fixtures for the console tests: a live console (aiohttp on 127.0.0.1, random port) over a
migrated store, on SQLite and on real PostgreSQL, with three staff accounts and API tokens.

The server runs in a background thread (bot.console.serve); tests talk HTTP to it with
``requests`` (real cookies, real redirects), exactly as a browser would.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import pytest
import requests
from argon2 import PasswordHasher

from bot.console.context import Console
from bot.console.serve import BackgroundServer
from bot.console.web import create_app
from bot.knowledge import get_knowledge
from bot.store import Appeal, AppealService, policy_from_knowledge
from bot.store.migrate import upgrade
from tests.store.conftest import BACKENDS, FakeClock, _database

UNIT_A = "market_supervision"  # 区市场监管局
UNIT_B = "justice"  # 区司法局
PASSWORD = "correct horse battery"
# argon2id with small parameters: the same code path, a fraction of the time per login.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class World:
    """A running console with its store, clock and accounts."""

    service: AppealService
    console: Console
    server: BackgroundServer
    clock: FakeClock
    tokens: dict[str, str] = field(default_factory=dict)
    backend: str = ""

    @property
    def url(self) -> str:
        return self.server.url

    def new_appeal(self, content: str = "营业执照变更登记一直办不下来", **kw: Any) -> Appeal:
        return self.service.create(
            kw.get("enterprise", "南川某食品有限公司"),
            kw.get("contact", "张三"),
            kw.get("phone", "13800000000"),
            content,
            "rest",
            kw.get("sender", "s1"),
        )

    def dispatched(self, unit_id: str, content: str = "营业执照变更登记一直办不下来") -> Appeal:
        appeal = self.new_appeal(content)
        return self.service.dispatch(appeal.number, unit_id, "general", "test")

    def login(self, username: str, password: str = PASSWORD) -> Browser:
        browser = Browser(self.url)
        response = browser.login(username, password)
        assert response.status_code == 200, response.text[:500]
        return browser

    def api(self, username: str) -> requests.Session:
        s = requests.Session()
        s.headers["Authorization"] = f"Bearer {self.tokens[username]}"
        return s


class Browser:
    """A requests session that logs in through the form and posts forms with their CSRF token."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = requests.Session()
        self.csrf = ""

    def get(self, path: str, **kw: Any) -> requests.Response:
        response = self.http.get(self.url + path, **kw)
        found = (
            CSRF_RE.search(response.text)
            if "text/html" in response.headers.get("Content-Type", "")
            else None
        )
        if found and path != "/login":
            self.csrf = found.group(1)
        return response

    def login(self, username: str, password: str) -> requests.Response:
        page = self.http.get(self.url + "/login")
        token = CSRF_RE.search(page.text)
        assert token is not None
        response = self.http.post(
            self.url + "/login",
            data={"csrf_token": token.group(1), "username": username, "password": password},
        )
        if response.status_code == 200:
            self.get("/unit")  # pick up the session's CSRF token
        return response

    def post(
        self, path: str, data: dict[str, str] | None = None, *, csrf: bool = True, **kw: Any
    ) -> requests.Response:
        form = dict(data or {})
        if csrf:
            form.setdefault("csrf_token", self.csrf)
        return self.http.post(self.url + path, data=form, allow_redirects=False, **kw)


@pytest.fixture(scope="module", params=BACKENDS)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """One console per backend for a test module: coordinator ``coord``, handlers ``ha`` (unit
    A) and ``hb`` (unit B), each with an API token."""
    clock = FakeClock(datetime(2025, 3, 3, 2, 0, tzinfo=timezone.utc))  # Mon 10:00 Shanghai
    with _database(request.param, request, tmp_path_factory.mktemp("console")) as url:
        upgrade(url)
        service = AppealService(url, policy=policy_from_knowledge(get_knowledge()), clock=clock)
        service.sync_units()
        console = Console.over(service, clock=clock, hasher=CHEAP_HASHER)
        accounts = console.accounts
        accounts.create_user("coord", PASSWORD, "coordinator", display_name="营商办甲")
        accounts.create_user("ha", PASSWORD, "handler", UNIT_A, display_name="市场监管经办")
        accounts.create_user("hb", PASSWORD, "handler", UNIT_B, display_name="司法经办")
        server = BackgroundServer(create_app(console)).start()
        w = World(service, console, server, clock, backend=request.param)
        w.tokens = {u: accounts.create_token(u) for u in ("coord", "ha", "hb")}
        try:
            yield w
        finally:
            server.stop()
            service.dispose()
