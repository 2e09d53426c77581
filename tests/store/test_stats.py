"""Monthly 通报 figures on a small hand-built history (see docs/store.md for the definitions)."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import pytest

from bot.store import AppealService, Unit, UnitMonthlyStats
from bot.store.stats import month_bounds
from bot.workdays import SHANGHAI

from .conftest import TEST_POLICY, FakeClock


def sh(m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(2025, m, d, hh, mm, tzinfo=SHANGHAI)


def build_history(service: AppealService, clock: FakeClock) -> None:
    """Eight appeals, hand-checked against the expected figures below."""

    def at(moment: datetime) -> AppealService:
        clock.set(moment)
        return service

    def create(moment: datetime) -> str:
        return at(moment).create("某企业", "", "", "诉求", "test", "s").number

    # A1 -> unit_a, answered on time, satisfied, closed: all in March.
    a1 = create(sh(3, 3, 9))
    at(sh(3, 3)).dispatch(a1, "unit_a", "simple", "c")  # due end of 03-05
    at(sh(3, 3, 11)).start(a1, "unit_a")
    at(sh(3, 4)).respond(a1, "已办结", "unit_a")
    at(sh(3, 5)).evaluate(a1, True, None, "c")
    at(sh(3, 5, 11)).close(a1, "c")
    # A2 -> unit_a, late in round 1 (unsatisfied), dispatched again, on time in round 2.
    a2 = create(sh(3, 10, 9))
    at(sh(3, 10)).dispatch(a2, "unit_a", "simple", "c")  # due end of 03-12
    at(sh(3, 10, 11)).start(a2, "unit_a")
    at(sh(3, 14)).respond(a2, "已答复", "unit_a")  # late
    at(sh(3, 14, 11)).evaluate(a2, False, "未解决", "c")
    at(sh(3, 17)).dispatch(a2, "unit_a", "general", "c")  # due end of 03-24
    at(sh(3, 17, 11)).start(a2, "unit_a")
    at(sh(3, 18)).respond(a2, "已解决", "unit_a")
    at(sh(3, 19)).evaluate(a2, True, None, "c")
    at(sh(3, 19, 11)).follow_up(a2, "跟踪", "c")
    # A3 first dispatched 23:00 on 03-31 in Shanghai (15:00 UTC): March.
    a3 = create(sh(3, 31, 22))
    at(sh(3, 31, 23)).dispatch(a3, "unit_a", "simple", "c")
    # A4 first dispatched 00:30 on 04-01 in Shanghai (still 03-31 in UTC): April.
    a4 = create(sh(3, 31, 23, 30))
    at(sh(4, 1, 0, 30)).dispatch(a4, "unit_a", "simple", "c")
    # A5 -> unit_b in February, answered 03-02 (due end of 03-03), unsatisfied 03-03.
    a5 = create(sh(2, 27, 9))
    at(sh(2, 27)).dispatch(a5, "unit_b", "simple", "c")
    at(sh(2, 27, 11)).start(a5, "unit_b")
    at(sh(3, 2)).respond(a5, "已答复", "unit_b")
    at(sh(3, 3)).evaluate(a5, False, "不满意", "c")
    # A6 -> unit_b, unsatisfied on 03-09 (counts for unit_b), then moved to unit_a, not answered.
    a6 = create(sh(3, 5, 9))
    at(sh(3, 5)).dispatch(a6, "unit_b", "complex", "c")
    at(sh(3, 5, 11)).start(a6, "unit_b")
    at(sh(3, 6)).respond(a6, "已答复", "unit_b")
    at(sh(3, 9)).evaluate(a6, False, "不满意", "c")
    at(sh(3, 10)).dispatch(a6, "unit_a", "simple", "c")
    at(sh(3, 10, 11)).start(a6, "unit_a")
    # A7 never dispatched: counts nowhere.
    create(sh(3, 20))
    # A8 -> unit_a on 03-12 (Wed, due end of 03-14), answered 03-17: late.
    a8 = create(sh(3, 12, 9))
    at(sh(3, 12)).dispatch(a8, "unit_a", "simple", "c")
    at(sh(3, 12, 11)).start(a8, "unit_a")
    at(sh(3, 17)).respond(a8, "已答复", "unit_a")


def figures(stats: tuple[UnitMonthlyStats, ...]) -> dict[str, tuple[int, ...]]:
    return {
        s.unit_id: (s.assigned, s.closed, s.responded, s.on_time, s.evaluations, s.satisfied)
        for s in stats
    }


def test_monthly_stats(service: AppealService, clock: FakeClock) -> None:
    build_history(service, clock)

    march = service.monthly_stats(2025, 3)
    assert figures(march) == {"unit_a": (5, 1, 3, 2, 3, 2), "unit_b": (0, 0, 0, 0, 2, 0)}
    a, b = march
    assert (a.unit_name, a.year, a.month) == ("甲局", 2025, 3)
    assert a.closure_rate == pytest.approx(1 / 5)
    assert a.timeliness_rate == pytest.approx(2 / 3)
    assert a.satisfaction_rate == pytest.approx(2 / 3)
    assert (b.closure_rate, b.timeliness_rate, b.satisfaction_rate) == (None, None, 0.0)

    assert figures(service.monthly_stats(2025, 2)) == {
        "unit_a": (0, 0, 0, 0, 0, 0),
        "unit_b": (1, 0, 1, 1, 0, 0),
    }
    assert figures(service.monthly_stats(2025, 4)) == {
        "unit_a": (1, 0, 0, 0, 0, 0),
        "unit_b": (0, 0, 0, 0, 0, 0),
    }

    # A unit dropped from the knowledge base is kept for history, shown only where it has figures.
    smaller = dataclasses.replace(TEST_POLICY, units=(Unit("unit_a", "甲局"),))
    AppealService(service.engine, policy=smaller, clock=clock).sync_units()
    assert [u.id for u in service.units()] == ["unit_a"]
    assert [s.unit_id for s in service.monthly_stats(2025, 3)] == ["unit_a", "unit_b"]
    assert [s.unit_id for s in service.monthly_stats(2025, 1)] == ["unit_a"]


def test_month_bounds_are_shanghai_months() -> None:
    start, end = month_bounds(2025, 12)
    assert start.isoformat() == "2025-11-30T16:00:00+00:00"
    assert end.isoformat() == "2025-12-31T16:00:00+00:00"
    with pytest.raises(ValueError):
        month_bounds(2025, 13)
