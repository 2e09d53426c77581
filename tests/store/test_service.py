"""The service API on both backends: create, read, lifecycle, deadlines, reminders, errors."""

from __future__ import annotations

import dataclasses
import socket
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import text

from bot.store import (
    AppealNotFound,
    AppealService,
    IllegalTransition,
    InvalidInput,
    Status,
    StoreUnavailable,
)
from bot.store.migrate import upgrade
from bot.workdays import SHANGHAI

from .conftest import TEST_POLICY, FakeClock


def sh(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def new(service: AppealService, sender: str = "u1", key: str | None = None) -> str:
    appeal = service.create(
        "重庆南川某建材有限公司",
        "陈经理",
        "023-00000000",
        "希望协调办理施工许可",
        "wechat",
        sender,
        idempotency_key=key,
    )
    return appeal.number


def test_create_fills_the_sheet(service: AppealService, clock: FakeClock) -> None:
    clock.set(sh(2025, 1, 27, 9))  # last working day before 春节 2025
    appeal = service.create(" 某公司 ", "张三", "138", " 路灯不亮 ", "web", "s1")
    assert appeal.number == "ncqhww2025-01"
    assert appeal.enterprise == "某公司" and appeal.content == "路灯不亮"
    assert appeal.dispatching_unit == TEST_POLICY.dispatching_unit
    assert appeal.status is Status.SUBMITTED and appeal.round == 0
    assert appeal.received_at == clock.now and appeal.received_at.tzinfo is not None
    assert appeal.dispatch_due_date == date(2025, 2, 5)
    assert appeal.dispatch_due == datetime(2025, 2, 5, 16, tzinfo=timezone.utc)
    with pytest.raises(dataclasses.FrozenInstanceError):
        appeal.status = Status.CLOSED  # type: ignore[misc]


def test_numbers_follow_the_year_in_shanghai(service: AppealService, clock: FakeClock) -> None:
    clock.set(datetime(2025, 12, 31, 15, 59, tzinfo=timezone.utc))  # 23:59 Shanghai
    assert new(service) == "ncqhww2025-01"
    clock.set(datetime(2025, 12, 31, 16, 1, tzinfo=timezone.utc))  # 00:01 on 2026-01-01
    assert new(service) == "ncqhww2026-01"
    assert new(service) == "ncqhww2026-02"


def test_numbers_widen_past_99(service: AppealService, clock: FakeClock) -> None:
    clock.set(sh(2025, 5, 6))
    assert new(service) == "ncqhww2025-01"
    with service.engine.begin() as conn:
        conn.execute(text("UPDATE appeal_counters SET value = 98 WHERE year = 2025"))
    assert [new(service), new(service)] == ["ncqhww2025-99", "ncqhww2025-100"]


def test_empty_content_is_refused(service: AppealService) -> None:
    with pytest.raises(InvalidInput):
        service.create("某公司", "", "", "   ", "web", "s1")


def test_idempotent_create(service: AppealService) -> None:
    first = service.create("甲", "", "", "诉求", "wechat", "u1", idempotency_key="msg-1")
    again = service.create("甲", "", "", "诉求", "wechat", "u1", idempotency_key="msg-1")
    assert again == first
    assert new(service) == "ncqhww2025-02"  # no number was burnt


def test_get_forgives_case_and_blanks(service: AppealService) -> None:
    number = new(service)
    assert service.get(f"  {number.upper()} ").number == number
    with pytest.raises(AppealNotFound, match="ncqhww2025-99"):
        service.get("ncqhww2025-99")


def test_lists(service: AppealService) -> None:
    a, b = new(service, "u1"), new(service, "u1")
    c = new(service, "u2")
    assert [x.number for x in service.list_by_sender("wechat", "u1")] == [b, a]
    assert service.list_by_sender("web", "u1") == ()
    service.dispatch(a, "unit_a", "simple", "coordinator")
    service.dispatch(c, "unit_a", "complex", "coordinator")
    service.start(c, "unit_a")
    assert [x.number for x in service.list_by_unit("unit_a")] == [a, c]
    assert [x.number for x in service.list_by_unit("unit_a", [Status.IN_PROGRESS])] == [c]
    assert [x.number for x in service.list_by_status(["submitted"])] == [b]
    with pytest.raises(InvalidInput):
        service.list_by_status(["bogus"])


def test_dispatch_sets_unit_category_and_due(service: AppealService, clock: FakeClock) -> None:
    number = new(service)
    clock.set(sh(2025, 9, 30, 15))
    appeal = service.dispatch(number, "unit_b", "general", "coordinator")
    assert (appeal.unit_id, appeal.category, appeal.time_limit_days) == ("unit_b", "general", 5)
    assert appeal.dispatched_at == appeal.first_dispatched_at == clock.now
    assert appeal.handling_due_date == date(2025, 10, 14)  # across 国庆 2025 and Sat 10-11
    assert appeal.round == 1
    assert service.history(number)[-1].note == "一般问题，5个工作日"


@pytest.mark.parametrize(("unit", "category"), [("nowhere", "simple"), ("unit_a", "urgent")])
def test_dispatch_refuses_unknown_unit_or_category(
    service: AppealService, unit: str, category: str
) -> None:
    number = new(service)
    before = service.get(number)
    with pytest.raises(InvalidInput):
        service.dispatch(number, unit, category, "coordinator")
    assert service.get(number) == before


def test_unsatisfied_is_dispatched_again(service: AppealService, clock: FakeClock) -> None:
    number = new(service)
    clock.set(sh(2026, 2, 12))
    service.dispatch(number, "unit_a", "simple", "coordinator")
    service.start(number, "unit_a")
    clock.set(sh(2026, 2, 13))
    service.respond(number, "已答复", "unit_a", promised_date=date(2026, 3, 1))
    service.evaluate(number, False, "没解决", "coordinator")
    with pytest.raises(IllegalTransition):
        service.close(number, "coordinator")  # never close while unsatisfied
    clock.set(sh(2026, 2, 14))  # the 调休 Saturday
    again = service.dispatch(number, "unit_b", "simple", "coordinator")
    assert again.round == 2 and again.unit_id == "unit_b"
    assert again.first_dispatched_at == sh(2026, 2, 12)
    assert again.dispatched_at == sh(2026, 2, 14)
    assert again.handling_due_date == date(2026, 2, 25)  # 24, 25 after 春节 2026
    assert again.responded_at is None and again.handling_notes is None
    assert again.opinion is None and again.promised_date is None
    assert [e.round for e in service.history(number)] == [0, 1, 1, 1, 1, 2]


def test_follow_up_then_revisit_then_close(service: AppealService, clock: FakeClock) -> None:
    number = new(service)
    service.dispatch(number, "unit_a", "complex", "coordinator")
    service.start(number, "unit_a")
    service.respond(number, "已制定方案，承诺3月底办结", "unit_a", promised_date=date(2025, 3, 31))
    service.evaluate(number, True, None, "coordinator")
    tracking = service.follow_up(number, "承诺事项未完成，持续跟踪", "coordinator")
    assert tracking.status is Status.FOLLOW_UP and tracking.closing == "follow_up"
    assert service.revisit(number, "按时回访承诺办理情况", "coordinator").status is Status.FOLLOW_UP
    service.evaluate(number, True, "已全部办结", "coordinator")
    closed = service.close(number, "coordinator")
    assert closed.status is Status.CLOSED and closed.closing == "close"
    assert closed.closed_at == clock.now
    assert service.revisit(number, "回访满意", "coordinator").status is Status.REVISITED


def test_overdue(service: AppealService, clock: FakeClock) -> None:
    clock.set(sh(2025, 1, 27, 9))
    waiting = new(service)  # dispatch due end of 2025-02-05
    late = new(service)
    service.dispatch(late, "unit_a", "simple", "coordinator")  # handling due end of 02-06
    promised = new(service)
    service.dispatch(promised, "unit_a", "simple", "coordinator")
    service.start(promised, "unit_a")
    service.respond(promised, "承诺2月7日前完成", "unit_a", promised_date=date(2025, 2, 7))
    service.evaluate(promised, True, None, "coordinator")
    service.follow_up(promised, "跟踪承诺", "coordinator")

    report = service.overdue(sh(2025, 2, 5, 23, 59))
    assert (report.dispatch, report.handling, report.revisits) == ((), (), ())
    report = service.overdue(sh(2025, 2, 6, 0, 0))
    assert [a.number for a in report.dispatch] == [waiting]
    assert report.handling == ()
    report = service.overdue(sh(2025, 2, 7, 0, 0))
    assert [a.number for a in report.handling] == [late]
    assert [a.number for a in report.revisits] == [promised]


def test_dispatch_into_an_uncovered_year_is_provisional(
    service: AppealService, clock: FakeClock
) -> None:
    number = new(service)
    clock.set(sh(2026, 12, 30))  # 2 working days later is in 2027, which no source covers
    appeal = service.dispatch(number, "unit_a", "simple", "coordinator")
    assert appeal.handling_due_date == date(2027, 1, 1)  # weekdays only: Thu 12-31, Fri 01-01
    assert appeal.handling_due_provisional_year == 2027
    assert appeal.due_provisional_year == 2027
    assert service.get(number) == appeal


def test_create_in_an_uncovered_year_keeps_the_appeal(
    service: AppealService, clock: FakeClock
) -> None:
    clock.set(sh(2027, 1, 4))
    appeal = service.create("某公司", "", "", "诉求", "web", "s1")
    assert appeal.number == "ncqhww2027-01"
    assert appeal.dispatch_due_date == date(2027, 1, 5)  # provisional, marked as such
    assert appeal.dispatch_due_provisional_year == 2027
    assert service.get(appeal.number).dispatch_due_provisional_year == 2027


def test_naive_clock_is_refused(migrated_url: str) -> None:
    svc = AppealService(migrated_url, policy=TEST_POLICY, clock=lambda: datetime(2025, 3, 3))
    try:
        with pytest.raises(InvalidInput, match="timezone-aware"):
            svc.create("某公司", "", "", "诉求", "web", "s1")
    finally:
        svc.dispose()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_store_unavailable_on_a_closed_port() -> None:
    url = f"postgresql+psycopg2://postgres@127.0.0.1:{_closed_port()}/qihu"
    svc = AppealService(url, policy=TEST_POLICY)
    try:
        with pytest.raises(StoreUnavailable) as caught:
            svc.get("ncqhww2025-01")
        assert "127.0.0.1" in str(caught.value) or "connect" in str(caught.value).lower()
        with pytest.raises(StoreUnavailable):
            svc.create("某公司", "", "", "诉求", "web", "s1")
        with pytest.raises(StoreUnavailable):
            svc.list_by_sender("web", "s1")
    finally:
        svc.dispose()
    with pytest.raises(StoreUnavailable):
        upgrade(url)
