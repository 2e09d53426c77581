"""The database goes down while an enterprise confirms its appeal: nothing lost, nothing doubled.

This stack runs on PostgreSQL (the production database) reached through a loopback proxy that the
test takes down and brings back; the shared server itself keeps running.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.knowledge import get_knowledge
from bot.store import AppealService, open_service
from tests.e2e.appeal_flow import NUMBER, fill_form
from tests.e2e.stack import Stack, running_stack
from tests.e2e.tcp_proxy import TcpProxy


@pytest.fixture(scope="module")
def proxy(pg_database_url: str) -> Iterator[TcpProxy]:
    url = make_url(pg_database_url)
    tcp = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
    tcp.up()
    yield tcp
    tcp.down()


@pytest.fixture(scope="module")
def pg_stack(
    proxy: TcpProxy, pg_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    through_proxy = make_url(pg_database_url).set(host="127.0.0.1", port=proxy.port)
    workdir: Path = tmp_path_factory.mktemp("pg-stack")
    env = {"APPEALS_DB_URL": through_proxy.render_as_string(hide_password=False)}
    with running_stack(workdir, extra_env=env) as stack:
        yield stack


@pytest.fixture(scope="module")
def store(pg_database_url: str) -> Iterator[AppealService]:
    """Direct to the server, not through the proxy: what really got written."""
    service = open_service(pg_database_url)
    yield service
    service.dispose()


def test_confirm_while_database_down_keeps_answers_and_writes_once(
    pg_stack: Stack, proxy: TcpProxy, store: AppealService
) -> None:
    sender = f"e2e-outage-{uuid.uuid4().hex[:8]}"
    stack = pg_stack
    # The action server opens the store on first use: do one lookup while the database is up.
    stack.text(sender, "我的诉求办到哪了")
    fill_form(stack, sender)

    proxy.down()
    try:
        reply = stack.text(sender, "确认")
    finally:
        proxy.up()
    hotline = get_knowledge().primary_hotline.value.replace("-", "")
    assert "暂时无法保存" in reply and hotline in reply.replace("-", "")
    assert not NUMBER.search(reply)
    assert store.list_by_sender("rest", sender) == ()

    receipt = stack.text(sender, "确认")  # the kept answers, submitted again
    number = NUMBER.search(receipt)
    assert number, receipt
    (appeal,) = store.list_by_sender("rest", sender)
    assert appeal.number == number.group(0)
    assert appeal.enterprise == "南川区青山机械有限公司" and appeal.phone == "13812345678"

    stack.text(sender, "确认")
    assert len(store.list_by_sender("rest", sender)) == 1


def test_status_while_database_down_says_so(
    pg_stack: Stack, proxy: TcpProxy, store: AppealService
) -> None:
    sender = f"e2e-outage-status-{uuid.uuid4().hex[:8]}"
    proxy.down()
    try:
        reply = pg_stack.text(sender, "我的诉求办到哪了")
    finally:
        proxy.up()
    assert "暂时无法查询" in reply
