"""JSON API (``/api/v1``) with bearer-token auth and the same permissions as the pages, and its
OpenAPI 3.0 document at ``/api/openapi.json``.

Tokens are created with ``python -m bot.console.users token USERNAME``. Errors are JSON
``{"error", "message", "detail"}`` with 400/401/403/404/409/503.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from aiohttp import web

from bot.console import access, report
from bot.console.accounts import Role, StaffUser
from bot.console.context import Console, console_of, in_thread
from bot.console.operations import perform
from bot.console.views import STATUS_LABELS, markers, soon_limit
from bot.store import (
    Appeal,
    AppealEvent,
    AppealPolicy,
    InvalidInput,
    Status,
    UnitMonthlyStats,
)

API = "/api/v1"
MONTH_PATTERN = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$"  # report.Month.parse: months of 2000-2100


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Status):
        return value.value
    return value


def appeal_json(
    console: Console, user: StaffUser, appeal: Appeal, soon: datetime | None = None
) -> dict[str, Any]:
    """An appeal as the API shows it (no idempotency key or sender id: staff need neither)."""
    now = console.now()
    data = {k: _plain(v) for k, v in asdict(appeal).items()}
    for private in ("idempotency_key", "sender_id", "version"):
        data.pop(private, None)
    data.update(
        status_label=STATUS_LABELS[appeal.status.value],
        unit_name=console.unit_names().get(appeal.unit_id or ""),
        dispatch_due_date=_plain(appeal.dispatch_due_date),
        handling_due_date=_plain(appeal.handling_due_date),
        markers=[m.label for m in markers(appeal, now, soon or soon_limit(now))],
        actions=list(access.available_actions(user, appeal)),
    )
    return data


def event_json(event: AppealEvent) -> dict[str, Any]:
    return {k: _plain(v) for k, v in asdict(event).items()}


def stats_json(s: UnitMonthlyStats) -> dict[str, Any]:
    return {
        **asdict(s),
        "closure_rate": s.closure_rate,
        "timeliness_rate": s.timeliness_rate,
        "satisfaction_rate": s.satisfaction_rate,
    }


def _int(request: web.Request, key: str, default: int, high: int) -> int:
    raw = request.query.get(key)
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit():  # int() would take " 5", "+5", "5_0", "٥"
        raise InvalidInput(f"{key} must be an integer")
    value = int(raw)
    if not 0 <= value <= high:
        raise InvalidInput(f"{key} must be between 0 and {high}")
    return value


async def me(request: web.Request) -> web.Response:
    user: StaffUser = request["user"]
    return web.json_response(
        {
            "username": user.username,
            "display_name": user.display_name,
            "role": user.role.value,
            "unit_id": user.unit_id,
        }
    )


async def units_list(request: web.Request) -> web.Response:
    console = console_of(request)
    return web.json_response([{"id": k, "name": v} for k, v in console.unit_names().items()])


async def appeals_list(request: web.Request) -> web.Response:
    user: StaffUser = request["user"]
    console = console_of(request)
    raw_status = request.query.get("status")
    try:
        status = Status(raw_status) if raw_status is not None else None
    except ValueError:
        raise InvalidInput(f"unknown status {raw_status!r}") from None
    unit_id = access.list_unit(user, request.query.get("unit_id"))
    limit = _int(request, "limit", 50, 500) or 1
    offset = _int(request, "offset", 0, 10**9)

    def build() -> dict[str, Any]:
        soon = soon_limit(console.now())
        page = console.queries.search(
            unit_id=unit_id, status=status, text=request.query.get("q"), limit=limit, offset=offset
        )
        return {
            "total": page.total,
            "offset": page.offset,
            "limit": page.limit,
            "items": [appeal_json(console, user, a, soon) for a in page.items],
        }

    return web.json_response(await in_thread(build))


async def inbox(request: web.Request) -> web.Response:
    user: StaffUser = request["user"]
    access.require_coordinator(user)
    console = console_of(request)
    limit = _int(request, "limit", 50, 500) or 1
    offset = _int(request, "offset", 0, 10**9)

    def build() -> dict[str, Any]:
        page = console.queries.inbox(limit=limit, offset=offset)
        soon = soon_limit(console.now())
        items = []
        for a in page.items:
            s = console.router.suggest(a.content)
            items.append(
                {
                    **appeal_json(console, user, a, soon),
                    "suggestion": {
                        "unit_id": s.unit_id,
                        "category": s.category,
                        "reasons": list(s.reasons),
                        "alternatives": list(s.alternatives),
                    },
                }
            )
        return {"total": page.total, "offset": page.offset, "limit": page.limit, "items": items}

    return web.json_response(await in_thread(build))


async def appeal_get(request: web.Request) -> web.Response:
    user: StaffUser = request["user"]
    console = console_of(request)

    def build() -> dict[str, Any]:
        appeal = access.require_visible(user, console.service.get(request.match_info["number"]))
        return appeal_json(console, user, appeal)

    return web.json_response(await in_thread(build))


async def appeal_history(request: web.Request) -> web.Response:
    user: StaffUser = request["user"]
    console = console_of(request)

    def build() -> list[dict[str, Any]]:
        appeal = access.require_visible(user, console.service.get(request.match_info["number"]))
        return [event_json(e) for e in console.service.history(appeal.number)]

    return web.json_response(await in_thread(build))


async def appeal_action(request: web.Request) -> web.Response:
    user: StaffUser = request["user"]
    console = console_of(request)
    action = request.match_info["action"]
    if action not in access.CONSOLE_ACTIONS:
        raise web.HTTPNotFound()
    if request.can_read_body:
        try:
            body = await request.json()
        except ValueError:
            raise InvalidInput("body must be JSON") from None
    else:
        body = {}
    if not isinstance(body, dict):
        raise InvalidInput("body must be a JSON object")
    schema = action_bodies(console.service.policy).get(action)
    if schema is not None:
        check_body(schema, body)

    number = request.match_info["number"]
    appeal = await in_thread(perform, console.service, user, number, action, body)
    return web.json_response(await in_thread(appeal_json, console, user, appeal))


async def monthly_report(request: web.Request) -> web.Response:
    user: StaffUser = request["user"]
    console = console_of(request)
    try:
        raw = request.query.get("month", "")
        if not re.fullmatch(MONTH_PATTERN, raw):
            raise ValueError(raw)
        month = report.Month.parse(raw)
    except ValueError:
        raise InvalidInput("month must look like 2025-03") from None
    stats = access.visible_stats(
        user, await in_thread(console.service.monthly_stats, month.year, month.month)
    )
    return web.json_response({"month": str(month), "units": [stats_json(s) for s in stats]})


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(openapi_document(console_of(request).service.policy))


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/openapi.json", openapi)
    app.router.add_get(f"{API}/me", me)
    app.router.add_get(f"{API}/units", units_list)
    app.router.add_get(f"{API}/inbox", inbox)
    app.router.add_get(f"{API}/appeals", appeals_list)
    app.router.add_get(f"{API}/appeals/{{number}}", appeal_get)
    app.router.add_get(f"{API}/appeals/{{number}}/history", appeal_history)
    # Only the actions themselves: a catch-all {action} would also match .../history and make a
    # POST there a 404 with "Allow: POST" instead of a 405 with "Allow: GET".
    actions = "|".join(re.escape(a) for a in access.CONSOLE_ACTIONS)
    app.router.add_post(f"{API}/appeals/{{number}}/{{action:{actions}}}", appeal_action)
    app.router.add_get(f"{API}/reports/monthly", monthly_report)


# ------------------------------------------------------------------------------- OpenAPI


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_ERRORS = {
    str(code): _json(_ref("Error"), text)
    for code, text in (
        (400, "invalid input"),
        (401, "missing or invalid token"),
        (403, "role may not do this"),
        (404, "no such appeal, or not visible to this user"),
        (409, "not allowed in the appeal's current status"),
        (503, "store unavailable"),
    )
}
# Required text: the API strips it and refuses what is left empty.
_TEXT = {"type": "string", "minLength": 1, "pattern": r"\S"}
_NUMBER = {"name": "number", "in": "path", "required": True, "schema": {"type": "string"}}
_PAGING = [
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 500}},
    {
        "name": "offset",
        "in": "query",
        "schema": {"type": "integer", "minimum": 0, "maximum": 10**9},
    },
]


def _one_of(values: list[str]) -> dict[str, Any]:
    return {"type": "string", "enum": values} if values else _TEXT


def action_bodies(policy: AppealPolicy | None = None) -> dict[str, dict[str, Any]]:
    """The JSON body of each appeal step; with ``policy``, unit ids and categories are enums."""
    units = [u.id for u in policy.units] if policy else []
    categories = list(policy.category_days) if policy else []
    return {
        "dispatch": {
            "type": "object",
            "required": ["unit_id", "category"],
            "properties": {"unit_id": _one_of(units), "category": _one_of(categories)},
        },
        "respond": {
            "type": "object",
            "required": ["notes"],
            "properties": {
                "notes": _TEXT,
                "promised_date": {"type": "string", "format": "date"},
            },
        },
        "evaluate": {
            "type": "object",
            "required": ["satisfied"],
            "properties": {"satisfied": {"type": "boolean"}, "reason": {"type": "string"}},
        },
        "follow-up": {"type": "object", "required": ["note"], "properties": {"note": _TEXT}},
        "revisit": {"type": "object", "required": ["note"], "properties": {"note": _TEXT}},
    }


def check_body(schema: dict[str, Any], body: dict[str, Any]) -> None:
    """``body`` against its ``action_bodies`` schema (the few keywords used there): a JSON client
    gets 400 for a wrong type, a blank text or a bad date, not a silent reading of it."""
    for key in schema.get("required", ()):
        if key not in body:
            raise InvalidInput(f"{key} is required")
    for key, rule in schema["properties"].items():
        if key not in body:
            continue
        value = body[key]
        if rule["type"] == "boolean":
            if not isinstance(value, bool):
                raise InvalidInput(f"{key} must be true or false")
            continue
        if not isinstance(value, str):
            raise InvalidInput(f"{key} must be a string")
        if "enum" in rule and value not in rule["enum"]:
            raise InvalidInput(f"unknown {key} {value!r}; known: {', '.join(rule['enum'])}")
        if "pattern" in rule and not re.search(rule["pattern"], value):
            raise InvalidInput(f"{key} must not be blank")
        if rule.get("format") == "date":
            try:
                date.fromisoformat(value)
            except ValueError:
                raise InvalidInput(f"{key} must be a date YYYY-MM-DD") from None


def _page_of(item: str) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "total": {"type": "integer"},
            "offset": {"type": "integer"},
            "limit": {"type": "integer"},
            "items": {"type": "array", "items": _ref(item)},
        },
    }


def openapi_document(policy: AppealPolicy | None = None) -> dict[str, Any]:
    """The API's OpenAPI 3.0 description (kept beside the routes; a test compares them). The
    served one is given the store's policy, so it lists the unit ids and categories."""
    nullable_str = {"type": "string", "nullable": True}
    appeal_props: dict[str, Any] = {
        "id": {"type": "integer"},
        "number": {"type": "string"},
        "dispatching_unit": {"type": "string"},
        "received_at": {"type": "string", "format": "date-time"},
        "enterprise": {"type": "string"},
        "contact": {"type": "string"},
        "phone": {"type": "string"},
        "content": {"type": "string"},
        "channel": {"type": "string"},
        "status": {"type": "string", "enum": [s.value for s in Status]},
        "status_label": {"type": "string"},
        "category": nullable_str,
        "time_limit_days": {"type": "integer", "nullable": True},
        "unit_id": nullable_str,
        "unit_name": nullable_str,
        "handling_notes": nullable_str,
        "promised_date": {"type": "string", "format": "date", "nullable": True},
        "opinion": nullable_str,
        "opinion_reason": nullable_str,
        "closing": nullable_str,
        "round": {"type": "integer"},
        "dispatch_due_date": {"type": "string", "format": "date", "nullable": True},
        "handling_due_date": {"type": "string", "format": "date", "nullable": True},
        "dispatch_due_provisional_year": {"type": "integer", "nullable": True},
        "handling_due_provisional_year": {"type": "integer", "nullable": True},
        "markers": {"type": "array", "items": {"type": "string"}},
        "actions": {"type": "array", "items": {"type": "string"}},
    }
    paths: dict[str, Any] = {
        f"{API}/me": {
            "get": {
                "summary": "The token's user",
                "responses": {"200": _json(_ref("Me")), **_ERRORS},
            }
        },
        f"{API}/units": {
            "get": {
                "summary": "Responsible units",
                "responses": {"200": _json({"type": "array", "items": _ref("Unit")}), **_ERRORS},
            }
        },
        f"{API}/inbox": {
            "get": {
                "summary": "Appeals waiting for dispatch, with suggestions (coordinator)",
                "parameters": _PAGING,
                "responses": {"200": _json(_page_of("InboxItem")), **_ERRORS},
            }
        },
        f"{API}/appeals": {
            "get": {
                "summary": "Appeals visible to the user",
                "parameters": [
                    {
                        "name": "status",
                        "in": "query",
                        "schema": {"type": "string", "enum": [s.value for s in Status]},
                    },
                    {"name": "unit_id", "in": "query", "schema": {"type": "string"}},
                    {"name": "q", "in": "query", "schema": {"type": "string"}},
                    *_PAGING,
                ],
                "responses": {"200": _json(_page_of("Appeal")), **_ERRORS},
            }
        },
        f"{API}/appeals/{{number}}": {
            "get": {
                "summary": "One appeal",
                "parameters": [_NUMBER],
                "responses": {"200": _json(_ref("Appeal")), **_ERRORS},
            }
        },
        f"{API}/appeals/{{number}}/history": {
            "get": {
                "summary": "The appeal's event log",
                "parameters": [_NUMBER],
                "responses": {"200": _json({"type": "array", "items": _ref("Event")}), **_ERRORS},
            }
        },
        f"{API}/reports/monthly": {
            "get": {
                "summary": "月度通报 per unit",
                "parameters": [
                    {
                        "name": "month",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "string", "pattern": MONTH_PATTERN},
                    }
                ],
                "responses": {"200": _json(_ref("MonthlyReport")), **_ERRORS},
            }
        },
    }
    bodies = action_bodies(policy)
    for action in access.CONSOLE_ACTIONS:
        operation: dict[str, Any] = {
            "summary": f"Appeal step: {action}",
            "parameters": [_NUMBER],
            "responses": {"200": _json(_ref("Appeal")), **_ERRORS},
        }
        if action in bodies:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": bodies[action]}},
            }
        paths[f"{API}/appeals/{{number}}/{action}"] = {"post": operation}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Qihu staff console API (企呼工作台)", "version": "1"},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": {
                        "error": {"type": "string"},
                        "message": {"type": "string"},
                        "detail": {"type": "string"},
                    },
                },
                "Me": {
                    "type": "object",
                    "properties": {
                        "username": {"type": "string"},
                        "display_name": {"type": "string"},
                        "role": {"type": "string", "enum": [r.value for r in Role]},
                        "unit_id": nullable_str,
                    },
                },
                "Unit": {
                    "type": "object",
                    "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
                },
                "Appeal": {"type": "object", "properties": appeal_props},
                "InboxItem": {
                    "allOf": [
                        _ref("Appeal"),
                        {
                            "type": "object",
                            "properties": {
                                "suggestion": {
                                    "type": "object",
                                    "properties": {
                                        "unit_id": nullable_str,
                                        "category": {"type": "string"},
                                        "reasons": {"type": "array", "items": {"type": "string"}},
                                        "alternatives": {
                                            "type": "array",
                                            "items": {"type": "string"},
                                        },
                                    },
                                }
                            },
                        },
                    ]
                },
                "Event": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "appeal_id": {"type": "integer"},
                        "at": {"type": "string", "format": "date-time"},
                        "actor": {"type": "string"},
                        "action": {"type": "string"},
                        "from_status": nullable_str,
                        "to_status": {"type": "string"},
                        "note": nullable_str,
                        "round": {"type": "integer"},
                        "unit_id": nullable_str,
                    },
                },
                "MonthlyReport": {
                    "type": "object",
                    "properties": {
                        "month": {"type": "string"},
                        "units": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "unit_id": {"type": "string"},
                                    "unit_name": {"type": "string"},
                                    "assigned": {"type": "integer"},
                                    "closed": {"type": "integer"},
                                    "responded": {"type": "integer"},
                                    "on_time": {"type": "integer"},
                                    "evaluations": {"type": "integer"},
                                    "satisfied": {"type": "integer"},
                                    "closure_rate": {"type": "number", "nullable": True},
                                    "timeliness_rate": {"type": "number", "nullable": True},
                                    "satisfaction_rate": {"type": "number", "nullable": True},
                                },
                            },
                        },
                    },
                },
            },
        },
    }
