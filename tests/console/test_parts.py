"""The console's parts without a server: routing rules, markers, report output, OpenAPI, CLI."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests
import yaml

from bot.console import access, api, report
from bot.console.accounts import Role, StaffUser
from bot.console.routing import ROUTING_FILE, RoutingError, build_router, get_router
from bot.console.users import run
from bot.console.views import markers
from bot.console.web import create_app
from bot.knowledge import get_knowledge
from bot.store import Status, UnitMonthlyStats
from bot.store.migrate import upgrade
from tests.console.test_parts_data import fake_console, sample_appeal


@pytest.mark.parametrize(
    ("content", "unit", "category"),
    [
        ("燃气报装一直没人来", "economy_information", "general"),
        ("用电报装太慢，停电也不通知", "economy_information", "general"),
        ("办不动产首次登记要多久", "planning_natural_resources", "general"),
        ("营业执照变更登记请问在哪里办", "market_supervision", "simple"),
        ("园区执法检查多个部门反复来", "justice", "complex"),
        ("限下项目招标不公平", "development_reform", "general"),
        ("承诺的补贴一直没兑现", "industrial_park", "general"),
        ("企业涉及诉讼，希望法院调解", "court", "complex"),
    ],
)
def test_suggestions_follow_the_scheme_owners(content: str, unit: str, category: str) -> None:
    kb = get_knowledge()
    suggestion = get_router().suggest(content)
    assert suggestion.unit_id == unit and suggestion.category == category
    assert any(unit in s.owners for s in kb.schemes.values())
    assert kb.units[unit].name in suggestion.reasons[0]


def test_no_keyword_means_no_unit_and_says_so() -> None:
    suggestion = get_router().suggest("你好，想反映个情况")
    assert suggestion.unit_id is None and "人工选择" in suggestion.reasons[0]


def test_water_offers_every_owner() -> None:
    suggestion = get_router().suggest("公司停水三天了")
    kb = get_knowledge()
    owners = kb.schemes["water"].owners
    assert suggestion.unit_id == owners[0] and set(suggestion.alternatives) == set(owners[1:])


def _routing() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load(ROUTING_FILE.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["rules"][0].update(scheme="nope"), "unknown scheme"),
        (lambda d: d["rules"][0].update(unit="court"), "not an owner"),
        (lambda d: d["rules"][0].update(keywords=[]), "non-empty list"),
        (lambda d: d["rules"][0].update(extra=1), "unknown keys"),
        (lambda d: d.update(default_category="urgent"), "unknown category"),
    ],
)
def test_bad_routing_file_is_refused(change: object, message: str) -> None:
    data = _routing()
    change(data)  # type: ignore[operator]
    with pytest.raises(RoutingError, match=message):
        build_router(data, get_knowledge())


def test_markers() -> None:
    now = datetime(2025, 3, 5, 2, 0, tzinfo=timezone.utc)  # Wed 10:00 Shanghai
    submitted = sample_appeal(dispatch_due=datetime(2025, 3, 4, 16, 0, tzinfo=timezone.utc))
    assert [m.label for m in markers(submitted, now)] == ["交办超时"]
    handling = replace(
        submitted,
        status=Status.DISPATCHED,
        handling_due=datetime(2025, 3, 5, 16, 0, tzinfo=timezone.utc),  # end of Thu 3-06
    )
    assert [m.label for m in markers(handling, now)] == ["即将到期"]
    assert [m.label for m in markers(handling, datetime(2025, 3, 6, 17, tzinfo=timezone.utc))] == [
        "已超期"
    ]


def test_report_helpers() -> None:
    s = UnitMonthlyStats("u", "某局", 2025, 3, 4, 1, 2, 1, 0, 0)
    assert report.percent(s.closure_rate) == "25.0%" and report.percent(None) == "—"
    assert report.rows([s])[0][9] == "—"
    assert report.Month.parse("2025-12").shift(1) == report.Month(2026, 1)
    with pytest.raises(ValueError):
        report.Month.parse("2025-13")
    svg = report.svg_chart([s])
    assert svg.startswith("<svg") and svg.count("<rect") == 3 + 3 * 2 and "某局 满意率 —" in svg
    assert report.to_csv([s]).startswith("\ufeff".encode())


def test_list_and_report_visibility_is_decided_in_access() -> None:
    """Pages and API both ask access.py (issue 16): a handler is held to its own unit."""
    coord = StaffUser(1, "coord", "营商办", Role.COORDINATOR, None, True, None)
    handler = StaffUser(2, "ha", "经办", Role.HANDLER, "u", True, None)
    assert access.list_unit(handler, "other") == "u" and access.list_unit(handler, None) == "u"
    assert access.list_unit(coord, "other") == "other" and access.list_unit(coord, "") is None
    mine = UnitMonthlyStats("u", "某局", 2025, 3, 4, 1, 2, 1, 0, 0)
    theirs = UnitMonthlyStats("v", "另局", 2025, 3, 1, 0, 0, 0, 0, 0)
    assert access.visible_stats(handler, (mine, theirs)) == [mine]
    assert access.visible_stats(coord, (mine, theirs)) == [mine, theirs]


def test_openapi_describes_every_api_route() -> None:
    app = create_app(fake_console())
    routes = {
        (r.method.lower(), r.resource.canonical)  # type: ignore[union-attr]
        for r in app.router.routes()
        if r.resource is not None
        and r.resource.canonical.startswith("/api/v1")
        and r.method != "HEAD"
    }
    document = api.openapi_document()
    described = {
        (method, path.replace("/{number}/" + path.rsplit("/", 1)[-1], "/{number}/{action}"))
        if method == "post"
        else (method, path)
        for path, ops in document["paths"].items()
        for method in ops
    }
    assert routes == described
    assert document["openapi"].startswith("3.0")


def test_cli_bootstrap_prints_a_random_password_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    upgrade(url)
    assert run(["bootstrap"], url=url) == 0
    first = capsys.readouterr().out
    assert "username: admin" in first and "password: " in first
    password = first.split("password: ")[1].split()[0]
    assert len(password) >= 12
    assert run(["bootstrap"], url=url) == 0
    assert capsys.readouterr().out == ""  # never again, never the same
    assert run(["create", "h", "--role", "handler"], url=url) == 1
    assert "needs a unit" in capsys.readouterr().err
    assert run(["create", "h", "--role", "handler", "--unit", "court"], url=url) == 0
    assert "password (shown once)" in capsys.readouterr().out
    assert run(["token", "h"], url=url) == 0
    assert capsys.readouterr().out.startswith("qh_")
    assert run(["list"], url=url) == 0
    assert "区法院" in capsys.readouterr().out


def test_console_process_serves_on_loopback(tmp_path: Path) -> None:
    """`python -m bot.console` migrates its store and serves on 127.0.0.1:$CONSOLE_PORT."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "APPEALS_DB_URL": f"sqlite:///{tmp_path / 'p.db'}",
        "CONSOLE_PORT": str(port),
        "TELEGRAM_TOKEN": "",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.console"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).text == "ok":
                    break
            except requests.ConnectionError:
                time.sleep(0.2)
        login = requests.get(f"http://127.0.0.1:{port}/login", timeout=5)
        assert login.status_code == 200 and "企呼工作台" in login.text
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=20)
    assert f"staff console on http://127.0.0.1:{port}/" in output
