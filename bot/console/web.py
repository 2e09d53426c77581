"""The aiohttp application: middlewares (errors, authentication, CSRF, headers) and routes.

Why aiohttp: it is already in the venv (Rasa uses it), runs on 127.0.0.1 with no extra server,
and its middlewares make it easy to enforce authentication before any handler runs. The store is
synchronous, so handlers run their database work in the default thread pool (``in_thread``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from aiohttp import web

from bot.console import api, pages
from bot.console.access import Forbidden
from bot.console.context import CONSOLE, THROTTLE, Console, console_of, in_thread
from bot.console.lockout import LoginLockout
from bot.console.security import (
    SESSION_COOKIE,
    check_origin,
    form_token,
    same_token,
)
from bot.store import AppealNotFound, IllegalTransition, InvalidInput, StoreUnavailable
from bot.workdays import CalendarNotCovered

log = logging.getLogger(__name__)

PUBLIC_PATHS = {"/login", "/healthz", "/api/openapi.json"}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)

ERRORS: list[tuple[type[BaseException], int, str]] = [
    (AppealNotFound, 404, "找不到该诉求，或您无权查看。"),
    (Forbidden, 403, "您的角色无权执行此操作。"),
    (IllegalTransition, 409, "诉求当前所处阶段不能执行此操作，请刷新后再试。"),
    (InvalidInput, 400, "填写的内容有误，请检查后重试。"),
    (StoreUnavailable, 503, "数据库暂时不可用，请稍后再试。"),
    (CalendarNotCovered, 503, "工作日历尚未包含该年份，无法计算办理时限，请联系管理员。"),
]


def is_api(request: web.Request) -> bool:
    return request.path.startswith("/api/")


@web.middleware
async def errors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Store errors -> status codes; JSON for the API, a Chinese page otherwise."""
    try:
        response = await handler(request)
    except web.HTTPException:
        raise
    except Exception as exc:
        status, message = next(((s, m) for k, s, m in ERRORS if isinstance(exc, k)), (0, ""))
        if not status:
            log.exception("console request failed: %s %s", request.method, request.path)
            status, message = 500, "系统出错，请稍后再试。"
        if is_api(request):
            detail = str(exc) if status < 500 else message
            return web.json_response(
                {
                    "error": type(exc).__name__ if status < 500 else "error",
                    "message": message,
                    "detail": detail,
                },
                status=status,
            )
        return await pages.error_page(request, status, message)
    return response


@web.middleware
async def headers_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Security headers on every response; nothing personal is cached."""
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        response = exc
        _secure_headers(response)
        raise
    _secure_headers(response)
    return response


def _secure_headers(response: web.StreamResponse) -> None:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Cache-Control", "no-store")


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Who is asking: bearer token for /api/v1, session cookie (+ CSRF on POST) for pages."""
    console = console_of(request)
    if request.path in PUBLIC_PATHS:
        return await handler(request)
    if is_api(request):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        user = None
        if scheme.lower() == "bearer" and token.strip():
            user = await in_thread(console.accounts.token_user, token.strip())
        if user is None:
            return web.json_response(
                {
                    "error": "unauthorized",
                    "message": "需要有效的 API 令牌（Authorization: Bearer …）",
                },
                status=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        request["user"] = user
        return await handler(request)
    session = await in_thread(console.accounts.session, request.cookies.get(SESSION_COOKIE))
    if session is None:
        if request.method in ("GET", "HEAD"):
            target = quote(request.path_qs, safe="/?=&")
            raise web.HTTPSeeOther(f"/login?next={target}")
        return await pages.error_page(request, 401, "登录已失效，请重新登录。")
    request["user"] = session.user
    request["session"] = session
    if request.method not in ("GET", "HEAD"):
        form = await request.post()
        request["form"] = form
        if not check_origin(request) or not same_token(session.csrf_token, form_token(form)):
            return await pages.error_page(
                request, 403, "表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试。"
            )
    return await handler(request)


def create_app(console: Console) -> web.Application:
    """The console application over ``console``'s store and accounts."""
    app = web.Application(
        middlewares=[headers_middleware, errors_middleware, auth_middleware],
        client_max_size=256 * 1024,
    )
    app[CONSOLE] = console
    app[THROTTLE] = LoginLockout(console.service.engine, console.now)
    pages.add_routes(app)
    api.add_routes(app)
    return app
