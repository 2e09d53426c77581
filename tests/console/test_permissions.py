"""The permission matrix, by page and by API: coordinators see all; a handler of unit A gets 404
for unit B's appeals (and for undispatched ones) and 403 for steps of another role."""

from __future__ import annotations

import pytest

from bot.store import Status
from tests.console.conftest import UNIT_A, UNIT_B, World

USERS = ("coord", "ha", "hb")


@pytest.fixture(scope="module")
def appeals(world: World) -> dict[str, str]:
    """Numbers: an undispatched appeal, one held by unit A, one held by unit B."""
    return {
        "new": world.new_appeal("燃气报装一直没人来").number,
        "a": world.dispatched(UNIT_A).number,
        "b": world.dispatched(UNIT_B, "园区执法检查太频繁").number,
    }


# (path template, {user: expected status})
PAGES = [
    ("/inbox", {"coord": 200, "ha": 403, "hb": 403}),
    ("/loop", {"coord": 200, "ha": 403, "hb": 403}),
    ("/reminders", {"coord": 200, "ha": 403, "hb": 403}),
    ("/unit", {"coord": 200, "ha": 200, "hb": 200}),
    ("/appeals", {"coord": 200, "ha": 200, "hb": 200}),
    ("/report", {"coord": 200, "ha": 200, "hb": 200}),
    ("/report.csv", {"coord": 200, "ha": 200, "hb": 200}),
    ("/report.xlsx", {"coord": 200, "ha": 200, "hb": 200}),
    ("/appeals/{new}", {"coord": 200, "ha": 404, "hb": 404}),
    ("/appeals/{a}", {"coord": 200, "ha": 200, "hb": 404}),
    ("/appeals/{b}", {"coord": 200, "ha": 404, "hb": 200}),
    ("/appeals/{b}/sheet", {"coord": 200, "ha": 404, "hb": 200}),
    ("/appeals/{a}/sheet?download=1", {"coord": 200, "ha": 200, "hb": 404}),
    ("/appeals/ncqhww1999-99", {"coord": 404, "ha": 404, "hb": 404}),
]


def test_page_matrix(world: World, appeals: dict[str, str]) -> None:
    browsers = {u: world.login(u) for u in USERS}
    failures = []
    for template, expected in PAGES:
        path = template.format(**appeals)
        for user, status in expected.items():
            got = browsers[user].get(path, allow_redirects=False).status_code
            if got != status:
                failures.append(f"{user} GET {path}: {got}, expected {status}")
    assert failures == []


def test_pages_need_login(world: World, appeals: dict[str, str]) -> None:
    anonymous = world.login("coord").http.__class__()  # a fresh, cookie-less session
    for template, _ in PAGES:
        path = template.format(**appeals)
        response = anonymous.get(world.url + path, allow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["Location"].startswith("/login?next=")


def test_handler_lists_show_only_own_unit(world: World, appeals: dict[str, str]) -> None:
    ha = world.login("ha")
    for path in ("/unit", "/appeals", f"/appeals?unit={UNIT_B}", f"/unit?unit={UNIT_B}"):
        text = ha.get(path).text
        assert appeals["a"] in text, path
        assert appeals["b"] not in text and appeals["new"] not in text, path
    report = ha.get("/report?month=2025-03").text
    assert "区市场监管局" in report and "区司法局" not in report


def test_page_steps_of_other_unit_or_role_are_refused(
    world: World, appeals: dict[str, str]
) -> None:
    ha, coord = world.login("ha"), world.login("coord")
    cases = [
        (ha, f"/appeals/{appeals['b']}/respond", {"notes": "已联系"}, 404),
        (ha, f"/appeals/{appeals['b']}/start", {}, 404),
        (ha, f"/appeals/{appeals['new']}/dispatch", {"unit_id": UNIT_A, "category": "simple"}, 404),
        (ha, f"/appeals/{appeals['a']}/dispatch", {"unit_id": UNIT_A, "category": "simple"}, 403),
        (ha, f"/appeals/{appeals['a']}/close", {}, 403),
        (coord, f"/appeals/{appeals['a']}/respond", {"notes": "代填"}, 403),
        (coord, f"/appeals/{appeals['a']}/start", {}, 403),
    ]
    for browser, path, data, status in cases:
        assert browser.post(path, data).status_code == status, path
    assert world.service.get(appeals["a"]).status is Status.DISPATCHED
    assert world.service.get(appeals["b"]).status is Status.DISPATCHED
    assert world.service.get(appeals["new"]).status is Status.SUBMITTED


API_GETS = [
    ("/api/v1/me", {"coord": 200, "ha": 200, "hb": 200}),
    ("/api/v1/units", {"coord": 200, "ha": 200, "hb": 200}),
    ("/api/v1/inbox", {"coord": 200, "ha": 403, "hb": 403}),
    ("/api/v1/appeals", {"coord": 200, "ha": 200, "hb": 200}),
    ("/api/v1/appeals/{new}", {"coord": 200, "ha": 404, "hb": 404}),
    ("/api/v1/appeals/{a}", {"coord": 200, "ha": 200, "hb": 404}),
    ("/api/v1/appeals/{b}", {"coord": 200, "ha": 404, "hb": 200}),
    ("/api/v1/appeals/{b}/history", {"coord": 200, "ha": 404, "hb": 200}),
    ("/api/v1/reports/monthly?month=2025-03", {"coord": 200, "ha": 200, "hb": 200}),
    ("/api/v1/reports/monthly?month=bad", {"coord": 400, "ha": 400, "hb": 400}),
]


def test_api_matrix(world: World, appeals: dict[str, str]) -> None:
    failures = []
    for template, expected in API_GETS:
        path = template.format(**appeals)
        for user, status in expected.items():
            response = world.api(user).get(world.url + path)
            if response.status_code != status:
                failures.append(f"{user} GET {path}: {response.status_code}, expected {status}")
            assert response.headers["Content-Type"].startswith("application/json")
    assert failures == []


def test_api_steps_of_other_unit_or_role_are_refused(world: World, appeals: dict[str, str]) -> None:
    cases = [
        ("ha", f"{appeals['b']}/respond", {"notes": "已联系"}, 404),
        ("ha", f"{appeals['new']}/dispatch", {"unit_id": UNIT_A, "category": "simple"}, 404),
        ("ha", f"{appeals['a']}/dispatch", {"unit_id": UNIT_A, "category": "simple"}, 403),
        ("hb", f"{appeals['b']}/evaluate", {"satisfied": True}, 403),
        ("coord", f"{appeals['b']}/respond", {"notes": "代填"}, 403),
        ("coord", f"{appeals['b']}/nonsense", {}, 404),
    ]
    for user, path, body, status in cases:
        response = world.api(user).post(f"{world.url}/api/v1/appeals/{path}", json=body)
        assert response.status_code == status, (user, path, response.text)
    assert world.service.get(appeals["b"]).status is Status.DISPATCHED


def test_api_lists_only_own_unit(world: World, appeals: dict[str, str]) -> None:
    body = world.api("ha").get(f"{world.url}/api/v1/appeals?unit_id={UNIT_B}&limit=500").json()
    numbers = {item["number"] for item in body["items"]}
    assert appeals["a"] in numbers and appeals["b"] not in numbers
    assert {item["unit_id"] for item in body["items"]} == {UNIT_A}
    report = world.api("ha").get(f"{world.url}/api/v1/reports/monthly?month=2025-03").json()
    assert [u["unit_id"] for u in report["units"]] == [UNIT_A]


def test_api_needs_a_valid_token(world: World, appeals: dict[str, str]) -> None:
    import requests

    url = f"{world.url}/api/v1/appeals/{appeals['a']}"
    assert requests.get(url).status_code == 401
    assert requests.get(url, headers={"Authorization": "Bearer nope"}).status_code == 401
    assert requests.get(url, headers={"Authorization": "Basic x"}).status_code == 401
    # A browser session cookie does not open the API (so the API needs no CSRF token).
    browser = world.login("coord")
    assert browser.http.get(url).status_code == 401
    token = world.console.accounts.create_token("hb", "short-lived")
    headers = {"Authorization": f"Bearer {token}"}
    assert requests.get(f"{world.url}/api/v1/me", headers=headers).json()["username"] == "hb"
    world.console.accounts.revoke_tokens("hb")
    assert requests.get(f"{world.url}/api/v1/me", headers=headers).status_code == 401
    world.tokens["hb"] = world.console.accounts.create_token("hb")
