"""Write the endpoints file one run of the stack uses.

Rasa reads the action server's URL from the endpoints file, so a stack started on another
action port (`ACTION_PORT=5056 make run`, the end-to-end tests' free ports) needs a copy of
endpoints.yml whose `action_endpoint` points at that port; every other section (tracker
store, lock store, ...) is kept as the project configures it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def write_run_endpoints(
    target: Path, action_port: int, source: Path = ROOT / "endpoints.yml", overrides: str = ""
) -> Path:
    """Write `source`'s sections, replaced by those in `overrides` (YAML), to `target`, with
    the action endpoint on 127.0.0.1:`action_port`; return `target`."""
    sections = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    if not isinstance(sections, dict):
        raise ValueError(f"{source}: expected a mapping of endpoint sections")
    sections.update(yaml.safe_load(overrides) or {})
    sections["action_endpoint"] = {
        **(sections.get("action_endpoint") or {}),
        "url": f"http://127.0.0.1:{action_port}/webhook",
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(sections, allow_unicode=True), encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--action-port", type=int, required=True)
    parser.add_argument("--source", type=Path, default=ROOT / "endpoints.yml")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    print(write_run_endpoints(args.out, args.action_port, args.source))


if __name__ == "__main__":
    main()
