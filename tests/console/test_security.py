"""Sessions, cookies, CSRF and login: what keeps a stolen page or a forged form from acting."""

from __future__ import annotations

from datetime import timedelta

import requests
from sqlalchemy import select

from bot.console.security import LOGIN_CSRF_COOKIE, SESSION_COOKIE
from bot.store import Status
from bot.store.models import console_sessions, console_users
from tests.console.conftest import CSRF_RE, PASSWORD, UNIT_A, Browser, World


def _set_cookie_headers(response: requests.Response) -> list[str]:
    return [v for k, v in response.raw.headers.items() if k.lower() == "set-cookie"]


def test_login_sets_a_hardened_session_cookie(world: World) -> None:
    browser = Browser(world.url)
    page = browser.http.get(world.url + "/login")
    token = CSRF_RE.search(page.text)
    assert token is not None
    response = browser.http.post(
        world.url + "/login",
        data={"csrf_token": token.group(1), "username": "ha", "password": PASSWORD},
        allow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["Location"] == "/"
    cookie = next(c for c in _set_cookie_headers(response) if c.startswith(SESSION_COOKIE))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    value = browser.http.cookies[SESSION_COOKIE]
    with world.service.engine.connect() as conn:
        ids = set(conn.execute(select(console_sessions.c.id)).scalars())
    assert value not in ids  # only the hash is stored
    assert response.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_passwords_are_argon2_hashes(world: World) -> None:
    with world.service.engine.connect() as conn:
        hashes = list(conn.execute(select(console_users.c.password_hash)).scalars())
    assert hashes and all(h.startswith("$argon2") for h in hashes)
    assert all(PASSWORD not in h for h in hashes)


def test_wrong_password_gives_no_session(world: World) -> None:
    browser = Browser(world.url)
    response = browser.login("coord", "wrong password!")
    assert response.status_code == 401 and "用户名或密码错误" in response.text
    assert SESSION_COOKIE not in browser.http.cookies
    assert browser.login("nobody", PASSWORD).status_code == 401


def test_repeated_failures_lock_the_username(world: World) -> None:
    world.console.accounts.create_user(f"victim_{world.backend}", PASSWORD, "coordinator")
    browser = Browser(world.url)
    codes = [browser.login(f"victim_{world.backend}", "guess-123456").status_code for _ in range(6)]
    assert codes[:4] == [401] * 4 and codes[-1] == 429
    # Even the right password is refused while locked.
    assert browser.login(f"victim_{world.backend}", PASSWORD).status_code == 429


def test_login_form_needs_its_csrf_cookie(world: World) -> None:
    response = requests.post(
        world.url + "/login",
        data={"csrf_token": "forged", "username": "coord", "password": PASSWORD},
        allow_redirects=False,
    )
    assert response.status_code == 403
    session = requests.Session()
    session.get(world.url + "/login")
    assert LOGIN_CSRF_COOKIE in session.cookies
    response = session.post(
        world.url + "/login",
        data={"csrf_token": "not-the-cookie", "username": "coord", "password": PASSWORD},
        allow_redirects=False,
    )
    assert response.status_code == 403


def test_login_redirects_only_to_local_paths(world: World) -> None:
    for target, expected in (
        ("/report", "/report"),
        ("/appeals?status=submitted", "/appeals?status=submitted"),
        ("//evil.example/x", "/"),
        ("http://x", "/"),
        # Issue 14: browsers drop the tab, so this was //evil.example/x (another site).
        ("/\t/evil.example/x", "/"),
        ("/\n/evil.example/x", "/"),
        ("/\\evil.example/x", "/"),
        ("/%2F/evil.example/x", "/"),
        ("/%09/evil.example/x", "/"),
        ("/report//x", "/"),
    ):
        session = requests.Session()
        token = CSRF_RE.search(session.get(world.url + "/login").text)
        assert token is not None
        response = session.post(
            world.url + "/login",
            data={
                "csrf_token": token.group(1),
                "username": "coord",
                "password": PASSWORD,
                "next": target,
            },
            allow_redirects=False,
        )
        assert response.headers["Location"] == expected


def test_forms_need_the_sessions_csrf_token(world: World) -> None:
    appeal = world.dispatched(UNIT_A)
    ha = world.login("ha")
    other = world.login("ha")  # a second session of the same user has another token
    assert other.csrf and other.csrf != ha.csrf
    path = f"/appeals/{appeal.number}/start"
    assert ha.post(path, csrf=False).status_code == 403
    assert ha.post(path, {"csrf_token": "forged"}).status_code == 403
    assert ha.post(path, {"csrf_token": other.csrf}).status_code == 403
    cross = ha.post(path, headers={"Origin": "http://evil.example"})
    assert cross.status_code == 403
    assert world.service.get(appeal.number).status is Status.DISPATCHED
    assert ha.post(path).status_code == 303
    assert world.service.get(appeal.number).status is Status.IN_PROGRESS


def test_logout_ends_the_session_on_the_server(world: World) -> None:
    browser = world.login("coord")
    stolen = browser.http.cookies[SESSION_COOKIE]
    assert browser.post("/logout", csrf=False).status_code == 403  # logout is a form too
    assert browser.post("/logout").status_code == 303
    replay = requests.get(
        world.url + "/inbox", cookies={SESSION_COOKIE: stolen}, allow_redirects=False
    )
    assert replay.status_code == 303 and replay.headers["Location"].startswith("/login")


def test_sessions_expire(world: World) -> None:
    browser = world.login("coord")
    start = world.clock.now
    try:
        world.clock.advance(hours=11)
        assert browser.get("/inbox", allow_redirects=False).status_code == 200
        world.clock.advance(hours=1, seconds=1)
        assert browser.get("/inbox", allow_redirects=False).status_code == 303
    finally:
        world.clock.set(start)


def test_disabling_a_user_ends_their_sessions(world: World) -> None:
    name = f"temp_{world.backend}"
    world.console.accounts.create_user(name, PASSWORD, "handler", UNIT_A)
    browser = world.login(name)
    assert browser.get("/unit", allow_redirects=False).status_code == 200
    world.console.accounts.set_active(name, False)
    assert browser.get("/unit", allow_redirects=False).status_code == 303
    assert Browser(world.url).login(name, PASSWORD).status_code == 401


def test_expired_sessions_are_swept_at_login(world: World) -> None:
    world.login("coord")
    start = world.clock.now
    try:
        world.clock.advance(days=2)
        world.login("coord")
        with world.service.engine.connect() as conn:
            oldest = min(conn.execute(select(console_sessions.c.created_at)).scalars())
        assert oldest > start + timedelta(days=1)
    finally:
        world.clock.set(start)


def test_login_replaces_an_existing_session(world: World) -> None:
    browser = world.login("hb")
    before = browser.http.cookies[SESSION_COOKIE]
    assert browser.login("hb", PASSWORD).status_code == 200
    after = browser.http.cookies[SESSION_COOKIE]
    assert after != before
    replay = requests.get(
        world.url + "/unit", cookies={SESSION_COOKIE: before}, allow_redirects=False
    )
    assert replay.status_code == 303
