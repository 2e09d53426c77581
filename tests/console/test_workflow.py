"""The closed loop worked through the console, page by page and by API: inbox suggestion and
dispatch with a working-day due date, handling, evaluation, closing, revisit, sheet and report."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from openpyxl import load_workbook

from bot.reminders.store import Planned, ReminderStore
from bot.store import Status
from tests.console.conftest import UNIT_A, UNIT_B, World


def test_inbox_suggests_unit_and_category_with_reasons(world: World) -> None:
    appeal = world.new_appeal("园区执法检查太多了，多个部门反复来检查")
    page = world.login("coord").get("/inbox").text
    block = page[page.index(f'id="{appeal.number}"') :]
    block = block[: block.index("</form>")]
    assert "“执法检查”" in block and "“综合查一次”" in block and "区司法局" in block
    assert f'<option value="{UNIT_B}" selected>' in block
    assert '<option value="complex" selected>' in block
    assert "“多个部门”" in block


def test_dispatch_overdue_is_marked(world: World) -> None:
    appeal = world.new_appeal("停水三天了")
    start = world.clock.now
    try:
        world.clock.advance(days=2)  # Wednesday: the 1-working-day dispatch limit has passed
        page = world.login("coord").get("/inbox").text
        block = page[page.index(f'id="{appeal.number}"') :][:600]
        assert "交办超时" in block
    finally:
        world.clock.set(start)


def test_full_loop_through_the_pages(world: World) -> None:
    appeal = world.new_appeal("营业执照变更登记一直办不下来")
    coord, ha = world.login("coord"), world.login("ha")
    coord.get("/inbox")
    response = coord.post(
        f"/appeals/{appeal.number}/dispatch",
        {"unit_id": UNIT_A, "category": "general", "next": "/inbox"},
    )
    assert response.status_code == 303 and response.headers["Location"] == "/inbox?msg=dispatch"
    dispatched = world.service.get(appeal.number)
    assert dispatched.status is Status.DISPATCHED and dispatched.unit_id == UNIT_A
    # Monday 2025-03-03 + 5 working days = Monday 2025-03-10.
    assert dispatched.handling_due_date == date(2025, 3, 10)

    queue = ha.get("/unit").text
    assert appeal.number in queue and "2025年3月10日" in queue
    ha.get(f"/appeals/{appeal.number}")
    response = ha.post(
        f"/appeals/{appeal.number}/respond",
        {"notes": "已电话联系企业，材料已补齐", "promised_date": "2025-03-07"},
    )
    assert response.status_code == 303
    responded = world.service.get(appeal.number)
    assert responded.status is Status.RESPONDED and responded.promised_date == date(2025, 3, 7)
    assert (
        ha.post(f"/appeals/{appeal.number}/respond", {"notes": "again"})
        .headers["Location"]
        .endswith("err=illegal")
    )

    detail = coord.get(f"/appeals/{appeal.number}").text
    assert "已电话联系企业" in detail and "记录企业评价" in detail
    coord.post(f"/appeals/{appeal.number}/evaluate", {"satisfied": "1", "reason": "电话回访满意"})
    assert world.service.get(appeal.number).status is Status.SATISFIED
    coord.post(f"/appeals/{appeal.number}/close")
    assert world.service.get(appeal.number).status is Status.CLOSED
    coord.post(f"/appeals/{appeal.number}/revisit", {"note": "回访：企业表示问题已解决"})
    assert world.service.get(appeal.number).status is Status.REVISITED

    history = coord.get(f"/appeals/{appeal.number}").text
    for label in (
        "收集（企业提交）",
        "交办",
        "开始办理",
        "反馈办理情况",
        "评价：满意",
        "同意销号",
        "回访",
    ):
        assert label in history
    assert "console:ha" in history and "console:coord" in history
    # The handler still sees its unit's appeal and its history.
    assert "回访：企业表示问题已解决" in ha.get(f"/appeals/{appeal.number}").text


def test_unsatisfied_goes_back_to_the_inbox_and_follow_up(world: World) -> None:
    appeal = world.dispatched(UNIT_A)
    world.service.start(appeal.number, "t")
    world.service.respond(appeal.number, "已处理", "t")
    coord = world.login("coord")
    coord.get("/loop")
    coord.post(f"/appeals/{appeal.number}/evaluate", {"satisfied": "0", "reason": "没有解决"})
    assert world.service.get(appeal.number).status is Status.UNSATISFIED
    inbox = coord.get("/inbox").text
    assert appeal.number in inbox and "没有解决" in inbox
    assert (
        coord.post(f"/appeals/{appeal.number}/follow-up", {"note": ""})
        .headers["Location"]
        .endswith("err=invalid-follow-up")
    )
    coord.post(f"/appeals/{appeal.number}/follow-up", {"note": "承诺下周办结，持续跟踪"})
    assert world.service.get(appeal.number).status is Status.FOLLOW_UP
    assert appeal.number in coord.get("/loop").text


def test_overdue_and_due_soon_in_the_unit_view(world: World) -> None:
    late = world.dispatched(UNIT_B, "执法检查：simple")
    start = world.clock.now
    try:
        world.clock.advance(days=8)  # past the 5-working-day limit
        soon = world.dispatched(UNIT_B, "执法检查：复杂")
        world.clock.advance(days=4)  # 4 days later, due in 1 working day
        page = world.login("hb").get("/unit").text
        assert page.index(late.number) < page.index(soon.number)  # sorted by due date
        late_row = page[page.index(late.number) :][:700]
        soon_row = page[page.index(soon.number) :][:700]
        assert "已超期" in late_row
        assert "即将到期" in soon_row
    finally:
        world.clock.set(start)


def test_dispatch_sheet_is_filled_and_printable(world: World) -> None:
    appeal = world.dispatched(UNIT_A, "食品经营许可证办理咨询")
    world.service.start(appeal.number, "t")
    world.service.respond(appeal.number, "已指导企业网上申报", "t")
    coord = world.login("coord")
    page = coord.get(f"/appeals/{appeal.number}/sheet")
    text = page.text
    for expected in (
        "南川区“企呼我为闭环办”企业诉求交办单",
        f"编号：{appeal.number}",
        "区营商办（区发展改革委代章）",
        "2025年3月3日",
        "南川某食品有限公司",
        "张三 13800000000",
        "☑一般问题",
        "☑ 5个工作日",
        "区市场监管局",
        "已指导企业网上申报",
        "□满意",
        "□同意销号",
        "@media print",
    ):
        assert expected in text, expected
    download = coord.get(f"/appeals/{appeal.number}/sheet?download=1")
    assert download.headers["Content-Disposition"].startswith("attachment; filename*=UTF-8''")


def test_report_page_and_exports(world: World) -> None:
    appeal = world.dispatched(UNIT_A)
    world.service.start(appeal.number, "t")
    world.service.respond(appeal.number, "已办结", "t")
    world.service.evaluate(appeal.number, True, None, "t")
    world.service.close(appeal.number, "t")
    coord = world.login("coord")
    page = coord.get("/report?month=2025-03").text
    assert "2025年3月企业诉求办理情况通报" in page and "<svg" in page and "区市场监管局" in page
    stats = {s.unit_id: s for s in world.service.monthly_stats(2025, 3)}
    rows = list(
        csv.reader(io.StringIO(coord.get("/report.csv?month=2025-03").content.decode("utf-8-sig")))
    )
    assert rows[0][:4] == ["承办单位", "承办量", "办结数", "办结率"]
    row_a = next(r for r in rows if r[0] == "区市场监管局")
    assert int(row_a[1]) == stats[UNIT_A].assigned and int(row_a[2]) == stats[UNIT_A].closed
    xlsx = coord.get("/report.xlsx?month=2025-03")
    assert xlsx.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    values = {r[0]: r for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert values["区市场监管局"][1] == stats[UNIT_A].assigned
    assert values["区市场监管局"][3] == stats[UNIT_A].closure_rate


def test_full_loop_through_the_api(world: World) -> None:
    number = world.new_appeal("燃气报装一直没人来").number
    base = f"{world.url}/api/v1"
    coord, ha = world.api("coord"), world.api("ha")
    inbox = coord.get(f"{base}/inbox?limit=500").json()
    item = next(i for i in inbox["items"] if i["number"] == number)
    assert item["suggestion"]["unit_id"] == "economy_information"
    assert item["suggestion"]["reasons"]
    r = coord.post(
        f"{base}/appeals/{number}/dispatch", json={"unit_id": UNIT_A, "category": "simple"}
    )
    assert r.status_code == 200 and r.json()["handling_due_date"] == "2025-03-05"
    assert coord.post(f"{base}/appeals/{number}/dispatch", json={}).status_code == 400
    r = ha.post(f"{base}/appeals/{number}/respond", json={"notes": "已上门", "promised_date": "x"})
    assert r.status_code == 400
    r = ha.post(f"{base}/appeals/{number}/respond", json={"notes": "已上门勘查"})
    assert r.status_code == 200 and r.json()["status"] == "responded"
    assert coord.post(f"{base}/appeals/{number}/close").status_code == 409
    assert coord.post(f"{base}/appeals/{number}/evaluate", json={"satisfied": True}).ok
    assert coord.post(f"{base}/appeals/{number}/close").json()["status"] == "closed"
    history = ha.get(f"{base}/appeals/{number}/history").json()
    assert [e["action"] for e in history] == [
        "create", "dispatch", "start", "respond", "evaluate_satisfied", "close"
    ]  # fmt: skip


def test_search_by_number_or_enterprise(world: World) -> None:
    appeal = world.new_appeal("用地规划许可", enterprise="搜索100%测试公司")
    other = world.new_appeal("用地规划许可", enterprise="另一家公司")
    coord = world.login("coord")
    by_number = coord.get(f"/appeals?q={appeal.number.upper()}").text
    assert appeal.number in by_number and other.number not in by_number
    by_name = coord.get("/appeals?q=100%测试").text
    assert appeal.number in by_name and other.number not in by_name
    percent = coord.get("/appeals", params={"q": "%"}).text  # a literal %, not a wildcard
    assert appeal.number in percent and other.number not in percent
    api = world.api("coord").get(f"{world.url}/api/v1/appeals?q={appeal.number}").json()
    assert [i["number"] for i in api["items"]] == [appeal.number]


def test_reminder_state_is_visible_to_the_coordinator(world: World) -> None:
    store = ReminderStore(world.service.engine)
    now = world.clock()
    planned = [
        Planned(
            "handling_overdue", f"appeal:{i}", "2025-03-03", "telegram", f"chat{i}", {}, now, now
        )
        for i in (1, 2)
    ]
    assert store.add(planned, now) == 2
    (first, _) = store.claim("w1", now, timedelta(minutes=5), limit=2)
    assert store.mark_failed(first, "w1", now, "telegram: chat not found", retry_at=None)

    page = world.login("coord").get("/reminders")
    assert page.status_code == 200
    assert "telegram: chat not found" in page.text
    assert "发送失败" in page.text and "待发送" in page.text
