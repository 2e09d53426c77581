"""Server-rendered pages in Chinese: login, inbox, closing the loop, unit queue, appeal, sheet,
report. Permissions come from bot.console.access; steps from bot.console.operations.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from aiohttp import web

from bot.console import access, report
from bot.console.accounts import ROLE_LABELS, Role, StaffUser
from bot.console.context import THROTTLE, Console, console_of, in_thread
from bot.console.operations import perform
from bot.console.queries import LOOP_STATUSES, PAGE_SIZE
from bot.console.security import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    clear_cookie,
    new_token,
    safe_next,
    same_token,
    set_cookie,
)
from bot.console.sheet import build_sheet
from bot.console.views import (
    ACTION_LABELS,
    CHANNEL_LABELS,
    STATUS_LABELS,
    chinese_date,
    local_dt,
    markers,
    provisional_label,
    soon_limit,
)
from bot.reminders.store import ReminderStore
from bot.store import AppealNotFound, IllegalTransition, InvalidInput, Status
from bot.workdays import CalendarNotCovered, add_working_days_checked, coverage_warning, local_date

log = logging.getLogger(__name__)

MESSAGES = {
    "dispatch": "已交办。",
    "start": "已开始办理。",
    "respond": "办理情况已反馈。",
    "evaluate": "企业评价已记录。",
    "close": "已同意销号。",
    "follow-up": "已转为持续跟踪。",
    "revisit": "回访已记录。",
}
ERRORS = {
    "illegal": "诉求当前所处阶段不能执行此操作（可能已被他人处理），请查看最新状态。",
    "invalid-dispatch": "请选择承办单位和问题类型。",
    "invalid-respond": "请填写办理情况；承诺办结日期格式为 年-月-日。",
    "invalid-evaluate": "请选择企业意见（满意或不满意）。",
    "invalid-follow-up": "请填写持续跟踪的说明。",
    "invalid-revisit": "请填写回访记录。",
    "invalid": "填写的内容有误，请检查后重试。",
    "calendar": "工作日历尚未包含该年份，无法计算办理时限，请联系管理员。",
}


def _base_context(console: Console, request: web.Request) -> dict[str, Any]:
    session = request.get("session")
    user: StaffUser | None = request.get("user")
    now = console.now()
    return {
        "user": user,
        "role_label": ROLE_LABELS.get(user.role, "") if user else "",
        "csrf_token": session.csrf_token if session else "",
        "now": now,
        "soon": soon_limit(now),
        "unit_names": console.unit_names(),
        "status_labels": STATUS_LABELS,
        "action_labels": ACTION_LABELS,
        "channel_labels": CHANNEL_LABELS,
        "category_labels": console.service.policy.category_labels,
        "hotline": console.kb.primary_hotline.display,
        "path": request.path,
        "msg": MESSAGES.get(request.query.get("msg", ""), ""),
        "err": ERRORS.get(request.query.get("err", ""), ""),
        "local_dt": local_dt,
        "chinese_date": chinese_date,
        "markers": markers,
        "provisional_label": provisional_label,
        "calendar_warning": coverage_warning(local_date(now)),
        "percent": report.percent,
    }


def render_sync(
    console: Console, request: web.Request, name: str, status: int = 200, **context: Any
) -> web.Response:
    html = console.templates.get_template(name).render(**_base_context(console, request), **context)
    return web.Response(text=html, content_type="text/html", charset="utf-8", status=status)


async def error_page(request: web.Request, status: int, message: str) -> web.Response:
    console = console_of(request)
    return render_sync(console, request, "error.html", status=status, message=message)


def _user(request: web.Request) -> StaffUser:
    user: StaffUser = request["user"]
    return user


def _page_offset(request: web.Request) -> int:
    try:
        return max(0, int(request.query.get("offset", "0")))
    except ValueError:
        return 0


# ---------------------------------------------------------------------------- login / logout


async def login_form(request: web.Request) -> web.Response:
    console = console_of(request)
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or new_token()
    response = render_sync(
        console,
        request,
        "login.html",
        login_csrf=token,
        next=safe_next(request.query.get("next"), "/"),
        failed=False,
        locked=False,
    )
    set_cookie(response, LOGIN_CSRF_COOKIE, token, secure=console.secure_cookies)
    return response


async def login_submit(request: web.Request) -> web.Response:
    console = console_of(request)
    form = await request.post()
    expected = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not same_token(expected, form.get("csrf_token")):
        return await error_page(
            request, 403, "登录表单已过期（CSRF 校验失败），请刷新登录页后重试。"
        )
    username = str(form.get("username", "")).strip()
    password = str(form.get("password", ""))
    target = safe_next(str(form.get("next", "")), "/")
    lockout = request.app[THROTTLE]
    # Counted before the password is checked (issue 14): parallel guesses cannot all pass.
    attempt = await in_thread(lockout.attempt, username, request.remote or "unknown")
    user = None
    if attempt.allowed:
        user = await in_thread(console.accounts.authenticate, username, password)
    if user is None:
        locked = not attempt.allowed or await in_thread(lockout.locked, attempt)
        if locked:
            log.warning("console login refused: lock-out for user name or address")
        response = render_sync(
            console,
            request,
            "login.html",
            status=429 if locked else 401,
            login_csrf=expected,
            next=target,
            failed=True,
            locked=locked,
        )
        return response
    await in_thread(lockout.succeeded, attempt)
    # A fresh session id at every login; any session this browser had ends (no fixation).
    await in_thread(console.accounts.close_session, request.cookies.get(SESSION_COOKIE))
    secret, _ = await in_thread(console.accounts.open_session, user)
    response = web.HTTPSeeOther(target)
    set_cookie(response, SESSION_COOKIE, secret, secure=console.secure_cookies)
    clear_cookie(response, LOGIN_CSRF_COOKIE)
    raise response


async def logout(request: web.Request) -> web.Response:
    console = console_of(request)
    await in_thread(console.accounts.close_session, request.cookies.get(SESSION_COOKIE))
    response = web.HTTPSeeOther("/login")
    clear_cookie(response, SESSION_COOKIE)
    raise response


async def home(request: web.Request) -> web.Response:
    raise web.HTTPSeeOther("/inbox" if _user(request).is_coordinator else "/unit")


async def healthz(request: web.Request) -> web.Response:
    return web.Response(text="ok")


# ---------------------------------------------------------------------------- coordinator pages


def _dispatch_choices(console: Console, now: datetime) -> list[dict[str, Any]]:
    """Categories with their limit and the due date if dispatched now."""
    policy = console.service.policy
    choices = []
    for cid, days in policy.category_days.items():
        reckoned = add_working_days_checked(local_date(now), days)
        due = chinese_date(reckoned.day)
        if reckoned.provisional:
            due += f"，{provisional_label(reckoned.provisional_year)}"
        choices.append({"id": cid, "label": policy.label_for(cid), "days": days, "due": due})
    return choices


async def inbox(request: web.Request) -> web.Response:
    user = _user(request)
    access.require_coordinator(user)
    console = console_of(request)
    offset = _page_offset(request)

    def build() -> web.Response:
        now = console.now()
        page = console.queries.inbox(offset=offset)
        items = [(a, console.router.suggest(a.content)) for a in page.items]
        return render_sync(
            console,
            request,
            "inbox.html",
            page=page,
            items=items,
            choices=_dispatch_choices(console, now),
            overdue_count=console.queries.overdue_dispatch_count(now),
            dispatch_days=console.service.policy.dispatch_working_days,
        )

    return await in_thread(build)


async def loop_page(request: web.Request) -> web.Response:
    access.require_coordinator(_user(request))
    console = console_of(request)

    def build() -> web.Response:
        sections = [(s, console.queries.loop(s, limit=PAGE_SIZE)) for s in LOOP_STATUSES]
        return render_sync(console, request, "loop.html", sections=sections)

    return await in_thread(build)


REMINDER_STATUS_LABELS = {
    "pending": "待发送",
    "sent": "已发送",
    "failed": "发送失败",
    "cancelled": "已取消",
    "expired": "已过期",
}
REMINDER_LIST_LIMIT = 50
REMINDER_INCIDENT_LIMIT = 10


async def reminders_page(request: web.Request) -> web.Response:
    """The reminder scheduler's state (issue #6): counts, then failed and pending reminders."""
    access.require_coordinator(_user(request))
    console = console_of(request)

    def build() -> web.Response:
        store = ReminderStore(console.service.engine)
        since = console.now() - timedelta(days=1)
        incident_count, incidents = store.incidents(since, limit=REMINDER_INCIDENT_LIMIT)
        sections = [
            (status, store.list([status], limit=REMINDER_LIST_LIMIT))
            for status in ("failed", "pending")
        ]
        return render_sync(
            console,
            request,
            "reminders.html",
            counts=store.counts(),
            labels=REMINDER_STATUS_LABELS,
            sections=sections,
            limit=REMINDER_LIST_LIMIT,
            incident_count=incident_count,
            incidents=incidents,
        )

    return await in_thread(build)


# ---------------------------------------------------------------------------- unit pages


async def unit_page(request: web.Request) -> web.Response:
    user = _user(request)
    console = console_of(request)
    names = console.unit_names()
    if user.role is Role.HANDLER:
        unit_id = user.unit_id
    else:
        unit_id = request.query.get("unit") or next(iter(names), None)
    if unit_id not in names:
        raise AppealNotFound(str(unit_id))
    assert unit_id is not None
    offset = _page_offset(request)

    def build() -> web.Response:
        return render_sync(
            console,
            request,
            "unit.html",
            unit_id=unit_id,
            queue=console.queries.unit_queue(unit_id, offset=offset),
            recent=console.queries.unit_recent(unit_id),
        )

    return await in_thread(build)


async def appeal_list(request: web.Request) -> web.Response:
    user = _user(request)
    console = console_of(request)
    status_raw = request.query.get("status") or None
    try:
        status = Status(status_raw) if status_raw else None
    except ValueError:
        status = None
    unit_id = access.list_unit(user, request.query.get("unit"))
    text = (request.query.get("q") or "").strip() or None
    offset = _page_offset(request)

    def build() -> web.Response:
        page = console.queries.search(unit_id=unit_id, status=status, text=text, offset=offset)
        keep = {k: v for k, v in (("status", status_raw), ("unit", unit_id), ("q", text)) if v}
        return render_sync(
            console,
            request,
            "appeals.html",
            page=page,
            status_value=status_raw or "",
            unit_id=unit_id or "",
            q=text or "",
            query=urlencode(keep),
        )

    return await in_thread(build)


# ---------------------------------------------------------------------------- one appeal


async def appeal_detail(request: web.Request) -> web.Response:
    user = _user(request)
    console = console_of(request)
    number = request.match_info["number"]

    def build() -> web.Response:
        appeal = access.require_visible(user, console.service.get(number))
        history = console.service.history(appeal.number)
        suggestion = console.router.suggest(appeal.content) if user.is_coordinator else None
        return render_sync(
            console,
            request,
            "appeal.html",
            appeal=appeal,
            history=history,
            actions=access.available_actions(user, appeal),
            suggestion=suggestion,
            choices=_dispatch_choices(console, console.now()),
        )

    return await in_thread(build)


async def appeal_sheet(request: web.Request) -> web.Response:
    user = _user(request)
    console = console_of(request)
    number = request.match_info["number"]

    def build() -> web.Response:
        appeal = access.require_visible(user, console.service.get(number))
        unit_name = console.unit_names().get(appeal.unit_id or "", appeal.unit_id or "")
        sheet = build_sheet(console.kb, appeal, unit_name)
        response = render_sync(console, request, "sheet.html", appeal=appeal, sheet=sheet)
        if request.query.get("download"):
            filename = quote(f"企业诉求交办单-{appeal.number}.html")
            response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
        return response

    return await in_thread(build)


async def appeal_action(request: web.Request) -> web.Response:
    user = _user(request)
    console = console_of(request)
    number = request.match_info["number"]
    action = request.match_info["action"]
    form: Mapping[str, Any] = request["form"]
    if action not in access.CONSOLE_ACTIONS:
        raise web.HTTPNotFound()
    default = f"/appeals/{quote(number)}"
    target = safe_next(str(form.get("next", "")), default)
    sep = "&" if "?" in target else "?"
    try:
        appeal = await in_thread(perform, console.service, user, number, action, dict(form))
    except IllegalTransition:
        raise web.HTTPSeeOther(f"{target}{sep}err=illegal") from None
    except CalendarNotCovered:
        raise web.HTTPSeeOther(f"{target}{sep}err=calendar") from None
    except InvalidInput:
        code = f"invalid-{action}" if f"invalid-{action}" in ERRORS else "invalid"
        raise web.HTTPSeeOther(f"{target}{sep}err={code}") from None
    if target == default:
        target = f"/appeals/{quote(appeal.number)}"
    raise web.HTTPSeeOther(f"{target}{sep}msg={action}")


# ---------------------------------------------------------------------------- report


def _month(request: web.Request, console: Console) -> report.Month:
    try:
        return report.Month.parse(request.query.get("month", ""))
    except ValueError:
        today = local_date(console.now())
        return report.Month(today.year, today.month)


def _stats(console: Console, user: StaffUser, month: report.Month) -> list[Any]:
    return access.visible_stats(user, console.service.monthly_stats(month.year, month.month))


async def report_page(request: web.Request) -> web.Response:
    user = _user(request)
    console = console_of(request)
    month = _month(request, console)

    def build() -> web.Response:
        stats = _stats(console, user, month)
        return render_sync(
            console,
            request,
            "report.html",
            month=month,
            stats=stats,
            headers=report.HEADERS,
            rows=report.rows(stats),
            chart=report.svg_chart(stats),
            metrics=console.kb.appeal_process.report_metrics,
        )

    return await in_thread(build)


async def report_export(request: web.Request) -> web.Response:
    user = _user(request)
    console = console_of(request)
    month = _month(request, console)
    kind = request.match_info["kind"]
    stats = await in_thread(_stats, console, user, month)
    title = f"{month.label}企业诉求办理情况通报"
    if kind == "csv":
        body, ctype = report.to_csv(stats), "text/csv; charset=utf-8"
    else:
        body = await in_thread(report.to_xlsx, stats, title)
        ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    filename = quote(f"月度通报-{month}.{kind}")
    return web.Response(
        body=body,
        headers={
            "Content-Type": ctype,
            "Content-Disposition": f"attachment; filename*=UTF-8''{filename}",
        },
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/login", login_form)
    app.router.add_post("/login", login_submit)
    app.router.add_post("/logout", logout)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/", home)
    app.router.add_get("/inbox", inbox)
    app.router.add_get("/loop", loop_page)
    app.router.add_get("/reminders", reminders_page)
    app.router.add_get("/unit", unit_page)
    app.router.add_get("/appeals", appeal_list)
    app.router.add_get("/appeals/{number}", appeal_detail)
    app.router.add_get("/appeals/{number}/sheet", appeal_sheet)
    app.router.add_post("/appeals/{number}/{action}", appeal_action)
    app.router.add_get("/report", report_page)
    app.router.add_get(r"/report.{kind:csv|xlsx}", report_export)
