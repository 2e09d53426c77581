"""Write the endpoints file one run of the stack uses.

Rasa reads the action server's URL from the endpoints file, so a stack started on another
action port (`ACTION_PORT=5056 make run`, the end-to-end tests' free ports) needs a copy of
endpoints.yml whose `action_endpoint` points at that port; every other section (tracker
store, lock store, ...) is kept as the project configures it.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]


def run_endpoints(
    action_url: str, source: Path = ROOT / "endpoints.yml", overrides: str = ""
) -> dict[str, Any]:
    """`source`'s sections, replaced by those in `overrides` (YAML), with the action URL set."""
    sections = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    if not isinstance(sections, dict):
        raise ValueError(f"{source}: expected a mapping of endpoint sections")
    sections.update(yaml.safe_load(overrides) or {})
    sections["action_endpoint"] = {**(sections.get("action_endpoint") or {}), "url": action_url}
    return sections


def write_run_endpoints(
    target: Path, action_url: str, source: Path = ROOT / "endpoints.yml", overrides: str = ""
) -> Path:
    """Write `run_endpoints(...)` to `target` and return it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        yaml.safe_dump(run_endpoints(action_url, source, overrides), allow_unicode=True),
        encoding="utf-8",
    )
    return target


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--action-port", type=int, required=True)
    parser.add_argument("--source", type=Path, default=ROOT / "endpoints.yml")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    url = f"http://127.0.0.1:{args.action_port}/webhook"
    print(write_run_endpoints(args.out, url, args.source))


if __name__ == "__main__":
    main()
