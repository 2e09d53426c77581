"""Read the knowledge YAML files, validate them and check their cross-references.

Why one strict entry point: every answer the assistant gives is rendered from this data, so a
broken file must fail loudly, naming the file and the field (``land_approval.yaml: stages -> 2 ->
materials -> 0 -> treatment: ...``), before anything is said to a user.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import ValidationError

from bot.knowledge.schema import (
    SCHEME_IDS,
    AppealProcessScheme,
    HotlinesFile,
    KnowledgeBase,
    LandApprovalFile,
    Model,
    PackagesFile,
    Scheme,
    SchemesFile,
)

DEFAULT_DIR = Path(__file__).resolve().parent
LAND_FILE = "land_approval.yaml"
HOTLINES_FILE = "hotlines.yaml"
SCHEMES_FILE = "schemes.yaml"
PACKAGES_FILE = "one_thing_packages.yaml"
FILES = (LAND_FILE, HOTLINES_FILE, SCHEMES_FILE, PACKAGES_FILE)

Path_ = tuple[str | int, ...]
Problem = tuple[str, Path_, str]
M = TypeVar("M", bound=Model)


class KnowledgeError(ValueError):
    """The knowledge files are missing, malformed or inconsistent; one line per problem."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(_format(*p) for p in self.problems))


def _format(file: str, path: Path_, message: str) -> str:
    shown = " -> ".join(str(p) for p in path if p != "__root__")
    return f"{file}: {shown}: {message}" if shown else f"{file}: {message}"


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate mapping keys (PyYAML silently keeps the last one)."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _read_yaml(directory: Path, name: str) -> Any:
    path = directory / name
    try:
        with path.open(encoding="utf-8") as stream:  # a stream, so errors show the file name
            return yaml.load(stream, Loader=_StrictLoader)
    except FileNotFoundError:
        raise KnowledgeError([(name, (), f"file not found: {path}")]) from None
    except yaml.YAMLError as exc:
        raise KnowledgeError([(name, (), f"YAML syntax error: {exc}")]) from exc


def _parse(model: type[M], data: Any, name: str, prefix: Path_ = ()) -> M:
    try:
        return model.parse_obj(data)
    except ValidationError as exc:
        problems = [(name, (*prefix, *err["loc"]), err["msg"]) for err in exc.errors()]
        raise KnowledgeError(problems) from exc


class _Checks:
    """Collects cross-reference problems so that all of them are reported at once."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, name: str, path: Path_, message: str) -> None:
        self.problems.append((name, path, message))

    def unique(self, name: str, prefix: Path_, values: Iterable[object], what: str) -> None:
        seen: set[object] = set()
        for i, value in enumerate(values):
            if value in seen:
                self.add(name, (*prefix, i, what), f"duplicate {what} {value!r}")
            seen.add(value)

    def known(self, name: str, path: Path_, values: Iterable[str], known: Iterable[str]) -> None:
        allowed = set(known)
        for i, value in enumerate(values):
            if value not in allowed:
                self.add(name, (*path, i), f"unknown reference {value!r}")

    def known_one(self, name: str, path: Path_, value: str | None, known: Iterable[str]) -> None:
        if value is not None and value not in set(known):
            self.add(name, path, f"unknown reference {value!r}")


def _parse_schemes(raw: SchemesFile) -> list[Scheme]:
    schemes: list[Scheme] = []
    for i, entry in enumerate(raw.schemes):
        is_appeal = isinstance(entry, dict) and entry.get("id") == "appeal_process"
        model: type[Scheme] = AppealProcessScheme if is_appeal else Scheme
        schemes.append(_parse(model, entry, SCHEMES_FILE, ("schemes", i)))
    return schemes


def _check_land(c: _Checks, kb: KnowledgeBase) -> None:
    land, f = kb.land, LAND_FILE
    c.unique(f, ("stages",), (s.id for s in land.stages), "id")
    for i, stage in enumerate(land.stages):
        if stage.number != i + 1:
            c.add(f, ("stages", i, "number"), f"stage {i + 1} expected, got {stage.number}")
    owner_of: dict[str, str] = {}
    for i, stage in enumerate(land.stages):
        for j, term in enumerate([stage.name, *stage.aliases]):
            other = owner_of.setdefault(term, stage.id)
            if other != stage.id:
                path: Path_ = ("stages", i, "aliases", j - 1) if j else ("stages", i, "name")
                c.add(f, path, f"{term!r} also names {other}; list it in ambiguous_terms")
    stage_ids = [s.id for s in land.stages]
    for i, amb in enumerate(land.ambiguous_terms):
        c.known(f, ("ambiguous_terms", i, "stages"), amb.stages, stage_ids)
        if amb.term in owner_of:
            c.add(f, ("ambiguous_terms", i, "term"), f"{amb.term!r} is also a stage name/alias")
    c.unique(f, ("ambiguous_terms",), (a.term for a in land.ambiguous_terms), "term")
    head = land.headline
    c.known_one(f, ("headline", "owner"), head.owner, kb.units)
    c.known_one(f, ("headline", "hotline"), head.hotline, kb.hotlines)
    c.known_one(f, ("headline", "scheme"), head.scheme, kb.schemes)
    scheme = kb.schemes.get(head.scheme)
    if scheme is not None and scheme.milestones != head.milestones:
        c.add(f, ("headline", "milestones"), f"differ from {SCHEMES_FILE} {head.scheme} milestones")


def _check_hotlines(c: _Checks, kb: KnowledgeBase) -> None:
    f, lines = HOTLINES_FILE, kb.hotline_file.hotlines
    c.unique(f, ("hotlines",), (h.id for h in lines), "id")
    c.known_one(f, ("primary",), kb.hotline_file.primary, kb.hotlines)
    for i, line in enumerate(lines):
        c.known(f, ("hotlines", i, "owners"), line.owners, kb.units)
        c.known_one(f, ("hotlines", i, "scheme"), line.scheme, kb.schemes)


def _check_schemes(c: _Checks, kb: KnowledgeBase, schemes: list[Scheme]) -> None:
    f = SCHEMES_FILE
    c.unique(f, ("schemes",), (s.id for s in schemes), "id")
    missing = [s for s in SCHEME_IDS if s not in kb.schemes]
    if missing:
        c.add(f, ("schemes",), f"missing schemes: {', '.join(missing)}")
    for i, scheme in enumerate(schemes):
        c.known(f, ("schemes", i, "owners"), scheme.owners, kb.units)
        c.known(f, ("schemes", i, "operators"), scheme.operators, kb.units)
        c.known(f, ("schemes", i, "hotlines"), scheme.hotlines, kb.hotlines)
        if isinstance(scheme, AppealProcessScheme):
            for j, channel in enumerate(scheme.channels):
                c.known(f, ("schemes", i, "channels", j, "hotlines"), channel.hotlines, kb.hotlines)
            _check_units(c, (f, ("schemes", i, "responsible_units")), scheme, schemes)


def _check_units(
    c: _Checks, where: tuple[str, Path_], appeal: AppealProcessScheme, schemes: list[Scheme]
) -> None:
    f, prefix = where
    c.unique(f, prefix, (u.id for u in appeal.responsible_units), "id")
    known = [s.id for s in schemes]
    for i, unit in enumerate(appeal.responsible_units):
        c.known(f, (*prefix, i, "owns"), unit.owns, known)
        owned = {s.id for s in schemes if unit.id in s.owners}
        if set(unit.owns) != owned:
            c.add(f, (*prefix, i, "owns"), f"must list exactly its schemes: {sorted(owned)}")


def _check_packages(c: _Checks, kb: KnowledgeBase) -> None:
    f, one = PACKAGES_FILE, kb.one_thing
    c.unique(f, ("packages",), (p.id for p in one.packages), "id")
    c.unique(f, ("packages",), (p.task_number for p in one.packages), "task_number")
    owner_of: dict[str, str] = {}
    for i, package in enumerate(one.packages):
        for j, alias in enumerate(package.aliases):
            other = owner_of.setdefault(alias, package.id)
            if other != package.id:
                c.add(f, ("packages", i, "aliases", j), f"{alias!r} also names {other}")
    for i, amb in enumerate(one.ambiguous_terms):
        c.known(f, ("ambiguous_terms", i, "packages"), amb.packages, kb.packages)
        if amb.term in owner_of:
            c.add(f, ("ambiguous_terms", i, "term"), f"{amb.term!r} is also a package alias")
    c.known_one(f, ("fengjie_hotline",), one.fengjie_hotline, kb.hotlines)
    c.known_one(f, ("nanchuan_scheme",), one.nanchuan_scheme, kb.schemes)


def load_knowledge(directory: Path | None = None) -> KnowledgeBase:
    """Load and validate all knowledge files from ``directory`` (default: this package)."""
    directory = DEFAULT_DIR if directory is None else Path(directory)
    land = _parse(LandApprovalFile, _read_yaml(directory, LAND_FILE), LAND_FILE)
    hotline_file = _parse(HotlinesFile, _read_yaml(directory, HOTLINES_FILE), HOTLINES_FILE)
    raw_schemes = _parse(SchemesFile, _read_yaml(directory, SCHEMES_FILE), SCHEMES_FILE)
    schemes = _parse_schemes(raw_schemes)
    one_thing = _parse(PackagesFile, _read_yaml(directory, PACKAGES_FILE), PACKAGES_FILE)
    kb = KnowledgeBase(
        land=land,
        hotline_file=hotline_file,
        schemes={s.id: s for s in schemes},
        one_thing=one_thing,
    )
    checks = _Checks()
    _check_land(checks, kb)
    _check_hotlines(checks, kb)
    _check_schemes(checks, kb, schemes)
    _check_packages(checks, kb)
    if checks.problems:
        raise KnowledgeError(checks.problems)
    return kb


@lru_cache(maxsize=1)
def get_knowledge() -> KnowledgeBase:
    """The default knowledge base, loaded once per process."""
    return load_knowledge()
