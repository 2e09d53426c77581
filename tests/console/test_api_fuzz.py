"""Schema-driven robustness of the JSON API: every operation of the OpenAPI document is called
with valid, odd and hostile parameters and bodies; none may answer 5xx, and every answer is JSON.

A small, dependency-free fuzzer that runs in .venv with the rest of the suite: values come from
each parameter's schema plus a fixed list of troublemakers (SQL, path traversal, huge numbers,
emoji, malformed JSON). schemathesis itself now runs too, from its own venv, in
test_schemathesis.py; this stays as the quick check that needs nothing beyond .venv.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from bot.console.api import openapi_document
from tests.console.conftest import UNIT_A, World

ODD_STRINGS = [
    "", " ", "0", "-1", "1e309", "9" * 40, "abc", "ncqhww2025-01'--", "%00", "\u202e反转",
    "😀" * 50, "<script>", "../../etc/passwd", "2025-13", "2025-02-30", "null", "true",
]  # fmt: skip
ODD_VALUES: list[Any] = [None, True, -1, 10**20, 1.5, "", "x" * 5000, [], {"a": 1}]


def _values(schema: dict[str, Any]) -> list[Any]:
    values: list[Any] = list(ODD_STRINGS)
    if schema.get("type") == "integer":
        values += [schema.get("minimum", 0), schema.get("maximum", 10), 10**12]
    values += list(schema.get("enum", []))
    return values


def _bodies(schema: dict[str, Any] | None) -> list[Any]:
    bodies: list[Any] = [None, {}, [], "text", 42]
    if schema:
        props = schema.get("properties", {})
        good = {"unit_id": UNIT_A, "category": "simple", "notes": "已办理", "satisfied": True,
                "note": "回访", "reason": "原因", "promised_date": "2025-03-07"}  # fmt: skip
        base = {k: good.get(k, "x") for k in props}
        bodies.append(base)
        for key in props:
            for value in ODD_VALUES:
                bodies.append({**base, key: value})
    return bodies


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    doc = openapi_document()
    return [(m, p, op) for p, ops in doc["paths"].items() for m, op in ops.items()]


@pytest.mark.parametrize("user", ["coord", "ha"])
def test_no_operation_answers_5xx(world: World, user: str) -> None:
    numbers = [
        world.new_appeal("燃气报装").number,
        world.dispatched(UNIT_A).number,
        "NCQHWW2025-01 ' OR 1=1",
    ]
    api = world.api(user)
    failures: list[str] = []
    calls = 0
    for method, path, op in _operations():
        query_params = [p for p in op.get("parameters", []) if p["in"] == "query"]
        body_schema = (
            op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
        )
        for number in numbers:
            url = world.url + path.replace("{number}", number)
            queries: list[dict[str, Any]] = [{}]
            for param in query_params:
                queries += [{param["name"]: v} for v in _values(param["schema"])]
            bodies = _bodies(body_schema) if method == "post" else [None]
            for query, body in itertools.product(
                queries, bodies[:1] if len(queries) > 1 else bodies
            ):
                if method == "get":
                    response = api.get(url, params=query)
                else:
                    response = api.post(url, params=query, json=body)
                calls += 1
                if response.status_code >= 500 or not response.headers.get(
                    "Content-Type", ""
                ).startswith("application/json"):
                    failures.append(
                        f"{method.upper()} {url} {query} {body!r:.80}: {response.status_code}"
                    )
            if method == "post":
                for body in bodies:  # every body once more, without query noise
                    response = api.post(url, json=body)
                    calls += 1
                    if response.status_code >= 500:
                        failures.append(f"POST {url} {body!r:.80}: {response.status_code}")
                raw = api.post(url, data=b"{not json", headers={"Content-Type": "application/json"})
                calls += 1
                if raw.status_code != 400:
                    failures.append(f"POST {url} malformed JSON: {raw.status_code}")
    assert calls > 500
    assert failures == []
