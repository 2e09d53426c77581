"""Pydantic (v1) models of the knowledge files under ``bot/knowledge/``.

Why models at all: the assistant states phone numbers, time limits and materials to the public, so
a typo in the YAML must stop the bot at start-up (and in CI), not surface as a wrong answer. The
models reject unknown keys, missing keys, empty strings and bad enum values; checks that span
several entries or files (unique ids, cross-references) live in :mod:`bot.knowledge.loader`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import cached_property
from typing import Any

from pydantic import BaseModel, Extra, Field, root_validator, validator

APPLICANT = "申请人提供"  # the 来源渠道 value meaning "the applicant brings it"

SCHEME_IDS = (
    "one_window",
    "business_startup",
    "land_approval",
    "inspection",
    "energy_diagnosis",
    "power",
    "gas",
    "water",
    "bidding",
    "appeal_process",
    "fulfilment",
    "mediation",
    "best_case",
)

APPEAL_CATEGORIES = ("simple", "general", "complex")


class Model(BaseModel):
    """Strict, immutable base: unknown keys and empty strings are errors."""

    class Config:
        extra = Extra.forbid
        allow_mutation = False
        min_anystr_length = 1


class Treatment(str, Enum):
    """改变做法: what the reform did to a material."""

    KEEP = "保留"
    EXEMPT = "免提交"
    ADVANCED = "前置"
    MERGED = "合并到建设工程设计方案中"


class HotlineKind(str, Enum):
    PHONE = "phone"
    EMAIL = "email"
    WEB = "web"
    WECHAT = "wechat"
    APP = "app"
    OFFLINE = "offline"
    OTHER = "other"


class OwnerSource(str, Enum):
    """How the owner of a channel is known (see hotlines.yaml header)."""

    EXPLICIT = "explicit"
    SCHEME = "scheme"
    NONE = "none"


class Region(str, Enum):
    NANCHUAN = "南川区"
    FENGJIE = "奉节县"


class Milestone(Model):
    name: str
    deadline: str
    detail: str | None = None


# --- land_approval.yaml -----------------------------------------------------------------------


class Material(Model):
    number: int = Field(..., ge=1)
    name: str
    treatment: Treatment
    source: str
    acquisition: str | None = Field(...)  # required key; null = blank cell in the table


class Stage(Model):
    id: str = Field(..., regex=r"^stage_[1-9]$")
    number: int = Field(..., ge=1)
    name: str
    aliases: list[str] = Field(..., min_items=1)
    materials: list[Material] = Field(..., min_items=1)
    outcomes: list[str]
    effect: str

    @root_validator(skip_on_failure=True)
    def _consistent_numbers(cls, values: dict[str, Any]) -> dict[str, Any]:
        if values["id"] != f"stage_{values['number']}":
            raise ValueError(f"id {values['id']!r} does not match number {values['number']}")
        numbers = [m.number for m in values["materials"]]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValueError(f"materials must be numbered 1..{len(numbers)}, got {numbers}")
        return values


class LandHeadline(Model):
    scheme: str
    plan: str
    owner: str
    stages_before: int = Field(..., ge=1)
    stages_after: int = Field(..., ge=1)
    materials_before: int = Field(..., ge=1)
    materials_after: int = Field(..., ge=1)
    summary: str
    hotline: str
    milestones: list[Milestone] = Field(..., min_items=1)


class StageAmbiguity(Model):
    term: str
    stages: list[str] = Field(..., min_items=2)


class LandApprovalFile(Model):
    headline: LandHeadline
    stages: list[Stage] = Field(..., min_items=1)
    ambiguous_terms: list[StageAmbiguity] = []


# --- hotlines.yaml ----------------------------------------------------------------------------


class Hotline(Model):
    id: str = Field(..., regex=r"^[a-z0-9_]+$")
    kind: HotlineKind
    value: str
    display: str
    name: str
    other_names: list[str] = []
    owners: list[str]
    owner_source: OwnerSource
    purpose: str | None = None
    hours: str | None = None
    region: Region
    scheme: str | None = None
    locations: list[str] = []
    notes: list[str] = []
    topics: list[str] = Field(..., min_items=1)

    @root_validator(skip_on_failure=True)
    def _owner_and_display(cls, values: dict[str, Any]) -> dict[str, Any]:
        if (values["owner_source"] is OwnerSource.NONE) != (not values["owners"]):
            raise ValueError("owners must be empty exactly when owner_source is 'none'")
        value, display = values["value"], values["display"]
        if values["kind"] is HotlineKind.PHONE and display not in (value, f"023-{value}"):
            raise ValueError(f"display {display!r} must be the value {value!r} or 023-{value}")
        return values

    @property
    def is_phone(self) -> bool:
        return self.kind is HotlineKind.PHONE


class HotlinesFile(Model):
    primary: str
    hotlines: list[Hotline] = Field(..., min_items=1)


# --- schemes.yaml -----------------------------------------------------------------------------


class Unit(Model):
    id: str = Field(..., regex=r"^[a-z0-9_]+$")
    name: str
    owns: list[str]


class Scheme(Model):
    id: str
    name: str
    plan: str
    owners: list[str] = Field(..., min_items=1)
    operators: list[str] = []
    summary: list[str] = Field(..., min_items=1)
    facts: dict[str, str | list[str]] = {}
    milestones: list[Milestone] = []
    hotlines: list[str] = []

    @validator("id")
    def _known_id(cls, value: str) -> str:
        if value not in SCHEME_IDS:
            raise ValueError(f"unknown scheme id {value!r}; known: {', '.join(SCHEME_IDS)}")
        return value


class Channel(Model):
    name: str
    hotlines: list[str] = Field(..., min_items=1)


class TimeLimitCategory(Model):
    label: str
    working_days: int = Field(..., ge=1)


class TimeLimits(Model):
    """Machine-readable appeal time limits (working days), used by the appeal store."""

    dispatch_working_days: int = Field(..., ge=1)
    categories: dict[str, TimeLimitCategory]

    @validator("categories")
    def _all_categories(cls, value: dict[str, TimeLimitCategory]) -> dict[str, TimeLimitCategory]:
        if tuple(value) != APPEAL_CATEGORIES:
            raise ValueError(f"categories must be exactly {', '.join(APPEAL_CATEGORIES)} in order")
        return value


class SheetField(Model):
    key: str = Field(..., regex=r"^[a-z_]+$")
    label: str
    example: str | None = None
    value: str | None = None
    filled_by: str | None = None
    section: str | None = None
    options: list[str] = []


class Sheet(Model):
    title: str
    notes: list[str] = Field(..., min_items=1)


class AppealProcessScheme(Scheme):
    channels: list[Channel] = Field(..., min_items=1)
    lifecycle: list[str] = Field(..., min_items=1)
    time_limits: TimeLimits
    report_metrics: list[str] = Field(..., min_items=1)
    responsible_units: list[Unit] = Field(..., min_items=1)
    sheet: Sheet
    sheet_fields: list[SheetField] = Field(..., min_items=1)

    def sheet_field(self, key: str) -> SheetField:
        for field in self.sheet_fields:
            if field.key == key:
                return field
        raise KeyError(key)


class SchemesFile(Model):
    """Top level of schemes.yaml; each scheme is validated on its own (see loader)."""

    schemes: list[dict[str, Any]] = Field(..., min_items=1)


# --- one_thing_packages.yaml ------------------------------------------------------------------


class Package(Model):
    id: str = Field(..., regex=r"^[a-z0-9_]+$")
    task_number: int = Field(..., ge=1)
    name: str
    task: str
    components: list[str]
    components_open: bool
    description: str | None = None
    indicator_lead_unit: str
    lead_units: list[str] = Field(..., min_items=1)
    cooperating_units: list[str]
    deadline: str
    aliases: list[str] = Field(..., min_items=1)

    @root_validator(skip_on_failure=True)
    def _parts_of_task(cls, values: dict[str, Any]) -> dict[str, Any]:
        task = values["task"]
        if not values["components"] and not values["description"]:
            raise ValueError("a package needs components or a description")
        for part in [values["name"], *values["components"], values["description"] or ""]:
            if part not in task:
                raise ValueError(f"{part!r} is not part of the task text")
        return values


class PackageAmbiguity(Model):
    term: str
    packages: list[str] = Field(..., min_items=2)


class PackagesFile(Model):
    region: Region
    source: str
    task_name: str
    headline: str
    package_count: int = Field(..., ge=1)
    fengjie_hotline: str
    nanchuan_scheme: str
    nanchuan_note: str
    packages: list[Package] = Field(..., min_items=1)
    ambiguous_terms: list[PackageAmbiguity] = []

    @root_validator(skip_on_failure=True)
    def _count(cls, values: dict[str, Any]) -> dict[str, Any]:
        if values["package_count"] != len(values["packages"]):
            raise ValueError(
                f"package_count is {values['package_count']} "
                f"but {len(values['packages'])} packages are listed"
            )
        return values


# --- the whole knowledge base -----------------------------------------------------------------


@dataclass(frozen=True)
class KnowledgeBase:
    """Everything the assistant may state, validated and cross-checked (see loader)."""

    land: LandApprovalFile
    hotline_file: HotlinesFile
    schemes: dict[str, Scheme]
    one_thing: PackagesFile

    @cached_property
    def units(self) -> dict[str, Unit]:
        """Every unit by id: the appeal_process scheme's responsible_units."""
        scheme = self.schemes.get("appeal_process")
        if not isinstance(scheme, AppealProcessScheme):
            return {}
        return {u.id: u for u in scheme.responsible_units}

    @property
    def stages(self) -> list[Stage]:
        return list(self.land.stages)

    def stage(self, stage_id: str) -> Stage:
        for stage in self.land.stages:
            if stage.id == stage_id:
                return stage
        raise KeyError(stage_id)

    @cached_property
    def hotlines(self) -> dict[str, Hotline]:
        return {h.id: h for h in self.hotline_file.hotlines}

    @property
    def primary_hotline(self) -> Hotline:
        return self.hotlines[self.hotline_file.primary]

    @cached_property
    def packages(self) -> dict[str, Package]:
        return {p.id: p for p in self.one_thing.packages}

    @property
    def appeal_process(self) -> AppealProcessScheme:
        scheme = self.schemes["appeal_process"]
        assert isinstance(scheme, AppealProcessScheme)
        return scheme

    def unit_names(self, unit_ids: list[str]) -> list[str]:
        return [self.units[u].name for u in unit_ids]
