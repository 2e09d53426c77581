"""The holiday arrangements file (``holidays.yaml``): read, validate, and hand over as sets.

Why a loader of its own: the State Council publishes each year's arrangement before the year
starts, and the chinese_calendar package lags behind. IT staff enter a year here; a mistake in
the file (a date that does not exist, a date of another year, a day both holiday and make-up
working day) must stop start-up naming the file and the field, like the other knowledge files,
rather than move a deadline silently.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, validator

from bot.knowledge.loader import (
    DEFAULT_DIR,
    KnowledgeError,
    Model,
    Path_,
    Problem,
    _parse,
    _StrictLoader,
)

HOLIDAYS_FILE = "holidays.yaml"
HOLIDAYS_ENV = "QIHU_HOLIDAYS_FILE"  # another file (tests, a staging copy); default: this package

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class _DatesAsText(_StrictLoader):
    """Strict loader that leaves dates as text, so a bad one ('2027-02-30') is reported by
    field instead of failing inside the YAML parser."""


_DatesAsText.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _StrictLoader.yaml_implicit_resolvers.items()
}


def _real_date(value: Any) -> date:
    text = str(value)
    if not _DATE.match(text):
        raise ValueError(f"{text!r} is not a date written as YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text} is not a real date") from None


class HolidayPeriod(Model):
    """One 放假 period of the notice, e.g. 春节 from the first to the last day."""

    name: str
    first: date
    last: date

    _dates = validator("first", "last", pre=True, allow_reuse=True)(_real_date)

    @validator("last")
    def _ordered(cls, last: date, values: dict[str, Any]) -> date:
        first = values.get("first")
        if first is not None and last < first:
            raise ValueError(f"{last} is before first {first}")
        return last

    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]


class YearArrangement(Model):
    """One year's arrangement as published: holidays and make-up working days (调休)."""

    year: int = Field(..., ge=2000, le=2100)
    notice: str
    reference: str | None = None
    holidays: list[HolidayPeriod] = Field(..., min_items=1)
    workdays: list[date] = Field(default_factory=list)

    _workdays = validator("workdays", pre=True, each_item=True, allow_reuse=True)(_real_date)


class HolidaysFile(Model):
    years: list[YearArrangement]


@dataclass(frozen=True)
class Arrangement:
    """A validated year: the days off and the days worked that differ from Mon–Fri."""

    year: int
    notice: str
    holidays: frozenset[date]
    workdays: frozenset[date]

    def is_workday(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays


def _check(entries: list[YearArrangement], name: str) -> dict[int, Arrangement]:
    problems: list[Problem] = []
    found: dict[int, Arrangement] = {}
    for i, entry in enumerate(entries):
        if entry.year in found:
            problems.append((name, ("years", i, "year"), f"year {entry.year} entered twice"))
        off: set[date] = set()
        for j, period in enumerate(entry.holidays):
            for field in ("first", "last"):
                day = getattr(period, field)
                if day.year != entry.year:
                    at: Path_ = ("years", i, "holidays", j, field)
                    problems.append((name, at, f"{day} is not in {entry.year}"))
            off.update(period.days())
        for j, day in enumerate(entry.workdays):
            where: Path_ = ("years", i, "workdays", j)
            if day.year != entry.year:
                problems.append((name, where, f"{day} is not in {entry.year}"))
            if day in off:
                problems.append((name, where, f"{day} is both a holiday and a working day"))
        found[entry.year] = Arrangement(
            entry.year, entry.notice, frozenset(off), frozenset(entry.workdays)
        )
    if problems:
        raise KnowledgeError(problems)
    return found


def holidays_path() -> Path:
    """The file in use: ``$QIHU_HOLIDAYS_FILE`` or the one shipped in this package."""
    return Path(os.environ.get(HOLIDAYS_ENV) or DEFAULT_DIR / HOLIDAYS_FILE)


def load_holidays(path: Path | None = None) -> dict[int, Arrangement]:
    """Read and validate the holidays file; raises KnowledgeError naming file and field."""
    path = holidays_path() if path is None else Path(path)
    name = path.name
    try:
        with path.open(encoding="utf-8") as stream:
            data = yaml.load(stream, Loader=_DatesAsText)
    except FileNotFoundError:
        raise KnowledgeError([(name, (), f"file not found: {path}")]) from None
    except yaml.YAMLError as exc:
        raise KnowledgeError([(name, (), f"YAML syntax error: {exc}")]) from exc
    return _check(_parse(HolidaysFile, data, name).years, name)
