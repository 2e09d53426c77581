"""schemathesis against the live console: its CLI reads ``/api/openapi.json`` and calls every
operation with generated valid and invalid parameters and bodies (and undocumented methods, and
no token), as the coordinator and as a unit handler, on SQLite and on PostgreSQL. No answer may
be 5xx, and every answer must match the document: status code, content type, response schema,
valid data accepted, invalid data refused, ``Allow`` of a 405, 401 without the token.

schemathesis runs from its own venv, ``.venv-schemathesis`` (``make schemathesis-venv``, pinned
in requirements-schemathesis.txt), never from ``.venv``: that keeps its dependencies and its
pytest plugin out of Rasa's pinned venv. Real appeal numbers, in every status a step can start
from, are offered to the generator through a schemathesis dictionary, so many calls get past the
404 and reach the permission checks and the state machine. Fixed seed and bounded examples: the
same cases every run. schemathesis writes its files (.schemathesis/, .hypothesis/, the JUnit
report) under the test's tmp_path, never into the repository.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from bot.console.api import openapi_document
from tests.console.conftest import UNIT_A, UNIT_B, World

ROOT = Path(__file__).resolve().parents[2]
SCHEMATHESIS = ROOT / ".venv-schemathesis" / "bin" / "schemathesis"
CHECKS = (  # every check of schemathesis 4.30
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "positive_data_acceptance",
    "negative_data_rejection",
    "missing_required_header",
    "unsupported_method",
    "allow_header_conformance",
    "use_after_free",
    "ensure_resource_availability",
    "ignored_auth",
)
MAX_EXAMPLES = 40
SEED = 20250303
TIMEOUT_S = 600


def _seed_appeals(world: World) -> list[str]:
    """Appeals in each status a step starts from: submitted, dispatched (to A and to B), and,
    held by unit A, responded, satisfied and closed."""
    service = world.service
    numbers = [
        world.new_appeal("燃气报装").number,
        world.new_appeal().number,
        world.dispatched(UNIT_A).number,
        world.dispatched(UNIT_A, "食品经营许可证延续").number,
        world.dispatched(UNIT_B).number,
    ]
    for steps in (1, 2, 3):
        number = world.dispatched(UNIT_A, "道路临时占用审批").number
        service.start(number, "test")
        service.respond(number, "已上门办理", "test")
        if steps >= 2:
            service.evaluate(number, True, None, "test")
        if steps >= 3:
            service.close(number, "test")
        numbers.append(number)
    return numbers


def _config(numbers: list[str]) -> str:
    """schemathesis.toml: the seeded numbers (and unit ids for the list filter), offered half of
    the time; the other half stays generated."""
    units = [UNIT_A, UNIT_B, "no_such_unit"]
    return "\n".join(
        [
            "[dictionaries.appeals]",
            f"values = {json.dumps(numbers, ensure_ascii=False)}",
            "[dictionaries.units]",
            f"values = {json.dumps(units)}",
            "[parameters]",
            '"path.number" = { dictionary = "appeals", probability = 0.5 }',
            '"query.unit_id" = { dictionary = "units", probability = 0.5 }',
            "",
        ]
    )


@pytest.mark.parametrize("user", ["coord", "ha"])
def test_schemathesis_finds_nothing(world: World, user: str, tmp_path: Path) -> None:
    if not SCHEMATHESIS.exists():
        pytest.fail(f"{SCHEMATHESIS.relative_to(ROOT)} is missing: run `make schemathesis-venv`")
    config = tmp_path / "schemathesis.toml"
    config.write_text(_config(_seed_appeals(world)), encoding="utf-8")
    command = [
        str(SCHEMATHESIS),
        "--config-file", str(config),
        "run", f"{world.url}/api/openapi.json",
        "--url", world.url,
        "--header", f"Authorization: Bearer {world.tokens[user]}",
        "--checks", ",".join(CHECKS),
        "--phases", "examples,coverage,fuzzing",  # stateful needs OpenAPI links: none here
        "--max-examples", str(MAX_EXAMPLES),
        "--seed", str(SEED),
        "--generation-database", "none",
        "--suppress-health-check", "too_slow",  # a busy CI machine is no finding
        "--workers", "1",  # one request at a time: the same order, the same states
        "--request-timeout", "10",
        "--report", "junit",
        "--report-dir", str(tmp_path / "report"),
        "--no-color",
    ]  # fmt: skip
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "120"}
    started = time.monotonic()
    result = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=TIMEOUT_S
    )
    elapsed = time.monotonic() - started
    output = f"{result.stdout}\n{result.stderr}".strip()
    print(f"schemathesis ({world.backend}, {user}), {elapsed:.1f} s:\n{output}")  # pytest -rP
    assert result.returncode == 0, (
        f"schemathesis ({world.backend}, {user}) exited {result.returncode} after {elapsed:.0f} s"
        f" (reproduce a case with the curl line it prints):\n{output}"
    )
    operations = sum(len(ops) for ops in openapi_document()["paths"].values())
    cases = re.search(r"(\d+) generated, (\d+) passed", output)
    assert f"Tested: {operations}" in output and cases is not None, output
    assert int(cases[1]) == int(cases[2]) >= 20 * operations, output
