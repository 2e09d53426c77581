"""Real browser tests: Debian's chromium driven by Playwright through login, dispatch, respond,
evaluate, close and the report, with screenshots saved under tests/artifacts/console/.

Chromium comes from the distribution (``apt-get install chromium``, done by .ci/run); Playwright
never downloads a browser. Outside CI a machine without chromium skips these tests; in CI
(``CI=true``) a missing chromium fails them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.store import Status
from tests.console.conftest import PASSWORD, UNIT_A, World

CHROMIUM = os.environ.get("QIHU_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "console"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"chromium not found at {CHROMIUM}; .ci/run installs it")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            yield launched
        finally:
            launched.close()


def _login(browser: Any, world: World, username: str) -> Any:
    page = browser.new_context(locale="zh-CN").new_page()
    page.goto(world.url + "/")
    assert "/login" in page.url
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def _shot(page: Any, name: str, world: World) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{world.backend}-{name}.png"), full_page=True)


def test_closed_loop_in_a_real_browser(browser: Any, world: World) -> None:
    appeal = world.new_appeal(
        "营业执照变更登记一直办不下来，请问怎么办理", enterprise="浏览器测试公司"
    )
    coord = _login(browser, world, "coord")
    assert coord.url.endswith("/inbox")
    card = coord.locator(f"[id='{appeal.number}']")
    assert "区市场监管局" in card.inner_text()
    _shot(coord, "inbox", world)
    card.locator("button[type=submit]").click()
    coord.wait_for_load_state()
    assert "已交办" in coord.content()
    assert world.service.get(appeal.number).unit_id == UNIT_A

    handler = _login(browser, world, "ha")
    assert handler.url.endswith("/unit")
    handler.click(f"text={appeal.number}")
    handler.fill("textarea[name=notes]", "已电话联系企业，指导网上办理")
    handler.fill("input[name=promised_date]", "2025-03-07")
    handler.click("text=反馈办理情况")
    handler.wait_for_load_state()
    assert "办理情况已反馈" in handler.content()
    assert world.service.get(appeal.number).status is Status.RESPONDED

    coord.goto(f"{world.url}/appeals/{appeal.number}")
    coord.check("input[name=satisfied][value='1']")
    coord.fill("textarea[name=reason]", "电话回访，企业满意")
    coord.click("text=记录企业评价")
    coord.wait_for_load_state()
    coord.click("button:has-text('同意销号')")
    coord.wait_for_load_state()
    assert world.service.get(appeal.number).status is Status.CLOSED
    assert "已同意销号" in coord.content()
    _shot(coord, "appeal", world)

    coord.goto(f"{world.url}/appeals/{appeal.number}/sheet")
    assert "☑一般问题" in coord.content() or "☑简单问题" in coord.content()
    coord.emulate_media(media="print")
    assert coord.locator("header").is_hidden()
    _shot(coord, "sheet-print", world)
    coord.emulate_media(media="screen")

    coord.goto(f"{world.url}/report?month=2025-03")
    assert coord.locator("svg.chart rect").count() > 0
    with coord.expect_download() as download:
        coord.click("text=导出 Excel")
    assert download.value.suggested_filename.endswith(".xlsx")
    _shot(coord, "report", world)

    coord.click("text=退出登录")
    coord.wait_for_load_state()
    assert "/login" in coord.url
    coord.goto(world.url + "/inbox")
    assert "/login" in coord.url
