"""Login lock-out (issue 14 item 3): counted before the password check, per user name and per
client address, in the database so it holds across processes and restarts."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from argon2 import PasswordHasher
from sqlalchemy import delete, select

from bot.console.lockout import MAX_ADDRESS_ATTEMPTS, MAX_FAILURES, LoginLockout
from bot.console.security import SESSION_COOKIE
from bot.store.models import console_login_attempts
from tests.console.conftest import CHEAP_HASHER, PASSWORD, Browser, World

VERIFY_SECONDS = 1.5  # per password check: the burst outlasts the wait below


class SlowHasher(PasswordHasher):
    """CHEAP_HASHER whose checks take a while, as argon2's real parameters do under load."""

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        time.sleep(VERIFY_SECONDS)
        return CHEAP_HASHER.verify(hash, password)


@pytest.fixture
def fresh(world: World) -> Iterator[World]:
    """The world with no counted attempts before and after (they would lock 127.0.0.1)."""
    with world.service.engine.begin() as conn:
        conn.execute(delete(console_login_attempts))
    yield world
    with world.service.engine.begin() as conn:
        conn.execute(delete(console_login_attempts))


def test_the_right_password_amid_39_wrong_ones_in_flight_is_refused(
    fresh: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = fresh
    name = f"burst_{world.backend}"
    world.console.accounts.create_user(name, PASSWORD, "coordinator")
    monkeypatch.setattr(world.console.accounts, "_hasher", SlowHasher())
    browsers = [Browser(world.url) for _ in range(40)]
    tokens = [b.http.get(world.url + "/login") for b in browsers]  # login CSRF cookies
    assert all(t.status_code == 200 for t in tokens)
    start = threading.Barrier(39)

    def guess(i: int) -> int:
        browser = browsers[i]
        start.wait(10)
        return browser.login(name, f"wrong-guess-{i:04d}").status_code

    with ThreadPoolExecutor(39) as pool:
        wrong = [pool.submit(guess, i) for i in range(39)]
        # The 39 are in flight: wait until the lock-out has counted a few of them, but less
        # than one password check, so none of them has finished (and been counted as a
        # failure the old way); then send the right one.
        _wait_for_attempts(world, name, MAX_FAILURES, timeout=VERIFY_SECONDS * 2 / 3)
        right = browsers[39].login(name, PASSWORD)
        codes = [f.result() for f in wrong]
    assert right.status_code == 429, right.status_code
    assert SESSION_COOKIE not in browsers[39].http.cookies
    assert set(codes) <= {401, 429} and codes.count(401) <= 5


def _wait_for_attempts(world: World, username: str, count: int, timeout: float) -> None:
    """Until ``username`` has ``count`` counted attempts (or ``timeout``: the test goes on and
    the assertions tell)."""
    key = "user:" + hashlib.sha256(username.encode()).hexdigest()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with world.service.engine.connect() as conn:
            counted = conn.execute(
                select(console_login_attempts.c.attempts).where(console_login_attempts.c.key == key)
            ).scalar()
        if counted is not None and counted >= count:
            return
        time.sleep(0.02)


def test_a_lock_is_per_client_address_too(fresh: World) -> None:
    world = fresh
    browser = Browser(world.url)
    for i in range(MAX_ADDRESS_ATTEMPTS):
        browser.login(f"nobody_{i}", "wrong password!")  # each name tried once
    # Another user name, even with its right password, from this address: refused.
    assert Browser(world.url).login("coord", PASSWORD).status_code == 429


def test_successful_logins_do_not_use_up_the_address(fresh: World) -> None:
    for _ in range(MAX_ADDRESS_ATTEMPTS + 5):
        assert Browser(fresh.url).login("hb", PASSWORD).status_code == 200


def test_the_lock_holds_across_processes_and_restarts(fresh: World) -> None:
    """A second lock-out over the same database (another process, or after a restart)."""
    world = fresh
    first = LoginLockout(world.service.engine, world.console.now)
    for _ in range(5):
        assert first.attempt("victim", "203.0.113.7").allowed
    again = LoginLockout(world.service.engine, world.console.now)
    attempt = again.attempt("victim", "198.51.100.1")
    assert not attempt.allowed and again.locked(attempt)
    world.clock.advance(seconds=301)
    try:
        assert again.attempt("victim", "198.51.100.1").allowed  # the lock ran out
    finally:
        world.clock.advance(seconds=-301)
