"""The console across the turn of 2026/2027, when no holiday arrangement for 2027 is entered
(chinese_calendar 1.11 stops at 2026): dispatch by page and API still works, deadlines falling in
2027 are marked "暂按周末推算，待录入2027年节假日安排", every page answers and warns, the 不满意 /
满意 evaluation loop goes on, and one reminder pass runs without an error."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

import pytest

from bot.knowledge import get_knowledge
from bot.reminders.rules import default_rules
from bot.reminders.scheduler import Scheduler
from bot.reminders.staff import StaffDirectory
from bot.reminders.store import ReminderStore
from bot.store import Status
from bot.workdays import SHANGHAI
from tests.console.conftest import UNIT_A, World
from tests.reminders.conftest import RecordingSender

MARK = "暂按周末推算，待录入2027年节假日安排"
PAGES = ("/inbox", "/loop", "/reminders", "/appeals", "/report?month=2026-12", "/unit")


def sh(y: int, m: int, d: int, hh: int = 10) -> datetime:
    return datetime(y, m, d, hh, tzinfo=SHANGHAI)


@pytest.fixture
def at(world: World) -> Iterator[object]:
    start = world.clock.now

    def set_to(moment: datetime) -> None:
        world.clock.set(moment)

    yield set_to
    world.clock.set(start)


# (clock, complex appeal's due date when dispatched then, provisional?)
DATES = [
    (sh(2026, 12, 17), date(2026, 12, 31), False),  # 10 working days end on 12-31: certain
    (sh(2026, 12, 18), date(2027, 1, 1), True),  # one day later: into 2027, provisional
    (sh(2026, 12, 31), date(2027, 1, 14), True),
    (sh(2027, 1, 4), date(2027, 1, 18), True),
    (sh(2027, 2, 10), date(2027, 2, 24), True),
]


@pytest.mark.parametrize(("moment", "due", "provisional"), DATES)
def test_dispatch_by_page_and_api(
    world: World, at, moment: datetime, due: date, provisional: bool
) -> None:  # type: ignore[no-untyped-def]
    at(moment)
    coord = world.login("coord")
    by_page = world.new_appeal("园区执法检查太多了，多个部门反复来检查")
    inbox = coord.get("/inbox").text
    block = inbox[inbox.index(f'id="{by_page.number}"') :]
    block = block[: block.index("</form>")]
    label = f"{due.year}年{due.month}月{due.day}日"
    assert label in block  # the complex option shows its due date ...
    assert (MARK in block) is provisional  # ... marked when it is not certain
    response = coord.post(
        f"/appeals/{by_page.number}/dispatch",
        {"unit_id": UNIT_A, "category": "complex", "next": "/inbox"},
    )
    assert response.status_code == 303 and "msg=dispatch" in response.headers["Location"]
    dispatched = world.service.get(by_page.number)
    assert dispatched.status is Status.DISPATCHED and dispatched.handling_due_date == due
    assert (dispatched.handling_due_provisional_year == 2027) is provisional
    page = coord.get(f"/appeals/{by_page.number}").text
    assert label in page and (MARK in page) is provisional

    by_api = world.new_appeal("燃气报装一直没人来")
    r = world.api("coord").post(
        f"{world.url}/api/v1/appeals/{by_api.number}/dispatch",
        json={"unit_id": UNIT_A, "category": "complex"},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["handling_due_date"] == due.isoformat()
    assert body["handling_due_provisional_year"] == (2027 if provisional else None)
    assert (MARK in body["markers"]) is provisional


@pytest.mark.parametrize("moment", [d[0] for d in DATES])
def test_pages_answer_and_warn(world: World, at, moment: datetime) -> None:  # type: ignore[no-untyped-def]
    at(moment)
    world.dispatched(UNIT_A)
    coord, ha = world.login("coord"), world.login("ha")
    for path in PAGES:
        browser = ha if path == "/unit" else coord
        response = browser.get(path)
        assert response.status_code == 200, (path, response.text[:300])
        # every day of this range is within 90 days of the uncovered 2027
        assert "2027年节假日安排尚未录入" in response.text, path


def test_evaluation_loop_into_2027(world: World, at) -> None:  # type: ignore[no-untyped-def]
    at(sh(2026, 12, 31))
    number = world.dispatched(UNIT_A).number
    base = f"{world.url}/api/v1/appeals/{number}"
    coord, ha = world.api("coord"), world.api("ha")
    assert ha.post(f"{base}/respond", json={"notes": "已上门"}).ok
    at(sh(2027, 1, 4))
    r = coord.post(f"{base}/evaluate", json={"satisfied": False, "reason": "没解决"})
    assert r.ok and r.json()["status"] == "unsatisfied"
    r = coord.post(f"{base}/dispatch", json={"unit_id": UNIT_A, "category": "general"})
    assert r.ok and r.json()["handling_due_date"] == "2027-01-11"
    assert r.json()["handling_due_provisional_year"] == 2027
    at(sh(2027, 2, 10))
    assert ha.post(f"{base}/respond", json={"notes": "已解决"}).ok
    r = coord.post(f"{base}/evaluate", json={"satisfied": True})
    assert r.ok and r.json()["status"] == "satisfied"
    assert coord.post(f"{base}/close").json()["status"] == "closed"


@pytest.mark.parametrize("moment", [d[0] for d in DATES])
def test_one_reminder_pass(world: World, at, moment: datetime) -> None:  # type: ignore[no-untyped-def]
    at(moment)
    world.dispatched(UNIT_A)
    sender = RecordingSender()
    scheduler = Scheduler(
        world.service.engine,
        default_rules(),
        get_knowledge(),
        sender,
        staff=StaffDirectory(coordinators=("1",), handlers={UNIT_A: ("2",)}),
        clock=world.clock,
        worker=f"w-{moment.date()}",
    )
    result = scheduler.run_once()
    assert result.incidents == 0, result.errors


def test_scheduler_incidents_are_counted_on_the_reminders_page(world: World) -> None:
    store = ReminderStore(world.service.engine)
    store.record_incident(world.clock(), "feedc0de", "rule", "handling_overdue", "KeyError: 'x'")
    page = world.login("coord").get("/reminders").text
    assert "提醒服务异常" in page and "feedc0de" in page and "提醒规则" in page
    count = page.split('class="incident-count">')[1].split("<")[0]
    assert int(count) >= 1
