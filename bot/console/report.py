"""The monthly 通报 (承办量, 办结率, 及时率, 满意率): rows, CSV, .xlsx and an inline SVG chart.

Why server-side SVG: the console must work without a JavaScript build or a CDN, and a bar chart
of three rates per unit is a few rectangles.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from openpyxl import Workbook
from openpyxl.styles import Font

from bot.store import UnitMonthlyStats

HEADERS = (
    "承办单位",
    "承办量",
    "办结数",
    "办结率",
    "反馈数",
    "按时反馈数",
    "及时率",
    "评价数",
    "满意数",
    "满意率",
)
RATES = (("closure_rate", "办结率", "#2f6fb0"), ("timeliness_rate", "及时率", "#e0a100"),
         ("satisfaction_rate", "满意率", "#3a9a5b"))  # fmt: skip


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """``2025-03`` -> Month(2025, 3); ValueError otherwise."""
        year, _, month = (text or "").strip().partition("-")
        value = cls(int(year), int(month))
        if not (1 <= value.month <= 12 and 2000 <= value.year <= 2100):
            raise ValueError(text)
        return value

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月"

    def shift(self, months: int) -> Month:
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)


def percent(rate: float | None) -> str:
    """``87.5%``; a rate without denominator is shown as ``—`` (none), never 0 %."""
    return "—" if rate is None else f"{rate * 100:.1f}%"


def rows(stats: Sequence[UnitMonthlyStats]) -> list[list[object]]:
    """Table rows in HEADERS order (rates as text)."""
    return [
        [
            s.unit_name,
            s.assigned,
            s.closed,
            percent(s.closure_rate),
            s.responded,
            s.on_time,
            percent(s.timeliness_rate),
            s.evaluations,
            s.satisfied,
            percent(s.satisfaction_rate),
        ]
        for s in stats
    ]


def to_csv(stats: Sequence[UnitMonthlyStats]) -> bytes:
    """UTF-8 with BOM, so Excel opens the Chinese headers correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    writer.writerows(rows(stats))
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(stats: Sequence[UnitMonthlyStats], title: str) -> bytes:
    """A one-sheet workbook; rates are numbers formatted as percentages (empty when none)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "月度通报"
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(list(HEADERS))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for s in stats:
        sheet.append(
            [
                s.unit_name,
                s.assigned,
                s.closed,
                s.closure_rate,
                s.responded,
                s.on_time,
                s.timeliness_rate,
                s.evaluations,
                s.satisfied,
                s.satisfaction_rate,
            ]
        )
    for column in ("D", "G", "J"):
        for cell in sheet[column][2:]:
            cell.number_format = "0.0%"
    sheet.column_dimensions["A"].width = 24
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def svg_chart(stats: Sequence[UnitMonthlyStats]) -> str:
    """Grouped horizontal bars: the three rates per unit, 0-100 %, with the 承办量 beside."""
    bar, gap, label_w, chart_w = 10, 14, 150, 420
    group_h = bar * len(RATES) + gap
    height = 40 + group_h * max(len(stats), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="月度通报图" '
        f'width="{label_w + chart_w + 120}" height="{height}" class="chart">'
    ]
    for i, (_, name, color) in enumerate(RATES):
        x = label_w + i * 90
        parts.append(f'<rect x="{x}" y="6" width="10" height="10" fill="{color}"/>')
        parts.append(f'<text x="{x + 14}" y="15" font-size="12">{name}</text>')
    for row, s in enumerate(stats):
        top = 30 + row * group_h
        parts.append(f'<text x="0" y="{top + bar * 2}" font-size="12">{escape(s.unit_name)}</text>')
        for i, (attr, name, color) in enumerate(RATES):
            rate = getattr(s, attr)
            y = top + i * bar
            width = 0 if rate is None else round(rate * chart_w, 1)
            parts.append(
                f'<rect class="track" x="{label_w}" y="{y}" width="{chart_w}" '
                f'height="{bar - 1}" fill="#eef1f5"/>'
            )
            parts.append(
                f'<rect x="{label_w}" y="{y}" width="{width}" height="{bar - 1}" fill="{color}">'
                f"<title>{escape(s.unit_name)} {name} {percent(rate)}</title></rect>"
            )
        parts.append(
            f'<text x="{label_w + chart_w + 8}" y="{top + bar * 2}" font-size="12">'
            f"承办 {s.assigned}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
