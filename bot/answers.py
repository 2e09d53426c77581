"""Resolve what the user asked about and render the answer from the knowledge base.

Used by the Rasa action server; the names and signatures here are a contract. Why this module
holds no facts: every phone number, time limit and material name in an answer is read from the
validated knowledge base (``bot.knowledge``), so the documents are the single source of truth.
Only wording (labels such as "需要您提供") is written here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.knowledge import (
    Hotline,
    HotlineKind,
    KnowledgeBase,
    Material,
    Package,
    Region,
    Stage,
    Treatment,
    get_knowledge,
)
from bot.knowledge.schema import APPLICANT, OwnerSource


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class Answer:
    text: str
    buttons: tuple[Button, ...] = ()


# --- matching -----------------------------------------------------------------------------------

_IGNORED = re.compile(r"[\s“”\"'‘’「」『』《》]+")
_CN_DIGITS = "一二三四五六七八九"
_AREA_CODE = re.compile(r"^\d+-")


def _norm(text: str) -> str:
    """Drop whitespace and quote marks, unify brackets and case, so user text meets KB terms."""
    text = _IGNORED.sub("", text).replace("(", "（").replace(")", "）")
    return text.lower()


def _match(query: str | None, terms: Mapping[str, Iterable[str]]) -> list[str]:
    """Targets of the terms found in ``query``, longest term first.

    A term only counts where it does not overlap a longer term already found, so
    “建设工程规划许可” does not also count as “规划许可”.
    """
    text = _norm(query or "")
    if not text:
        return []
    table: dict[str, list[str]] = {}
    for term, targets in terms.items():
        key = _norm(term)
        if key:
            table.setdefault(key, [])
            table[key] += [t for t in targets if t not in table[key]]
    covered = [False] * len(text)
    found: list[str] = []
    for term in sorted(table, key=lambda t: (-len(t), t)):
        start = text.find(term)
        while start != -1:
            end = start + len(term)
            if not any(covered[start:end]):
                covered[start:end] = [True] * (end - start)
                found += [t for t in table[term] if t not in found]
            start = text.find(term, start + 1)
    return found


def _stage_terms(kb: KnowledgeBase) -> dict[str, list[str]]:
    terms: dict[str, list[str]] = {}
    for stage in kb.stages:
        n = stage.number
        ordinals = [str(n), _CN_DIGITS[n - 1]] if n <= len(_CN_DIGITS) else [str(n)]
        names = [stage.id, stage.name, *stage.aliases]
        names += [f"{p}{o}{s}" for o in ordinals for p, s in (("第", "环节"), ("第", "个环节"))]
        for term in names:
            terms.setdefault(term, []).append(stage.id)
    for amb in kb.land.ambiguous_terms:
        terms.setdefault(amb.term, []).extend(amb.stages)
    return terms


def resolve_stages(query: str | None, kb: KnowledgeBase) -> list[Stage]:
    """Stages meant by ``query``: an id (button payload), a name, an alias or a whole message."""
    ids = set(_match(query, _stage_terms(kb)))
    return [s for s in kb.stages if s.id in ids]


def resolve_hotlines(query: str | None, kb: KnowledgeBase) -> list[Hotline]:
    """Contact channels meant by ``query``: an id, a number, a name or a topic word."""
    terms: dict[str, list[str]] = {}
    for line in kb.hotlines.values():
        names = [line.id, line.value, line.display, line.name, *line.other_names, *line.topics]
        if line.is_phone:
            names.append(_AREA_CODE.sub("", line.value))  # users often omit the area code
        for term in names:
            terms.setdefault(term, []).append(line.id)
    ids = set(_match(query, terms))
    return [h for h in kb.hotlines.values() if h.id in ids]


def resolve_packages(query: str | None, kb: KnowledgeBase) -> list[Package]:
    """Fengjie “一件事” packages meant by ``query``: an id, a name, an alias or a message."""
    terms: dict[str, list[str]] = {}
    for package in kb.packages.values():
        for term in [package.id, package.name, *package.aliases]:
            terms.setdefault(term, []).append(package.id)
    for amb in kb.one_thing.ambiguous_terms:
        terms.setdefault(amb.term, []).extend(amb.packages)
    ids = set(_match(query, terms))
    return [p for p in kb.packages.values() if p.id in ids]


# --- rendering helpers --------------------------------------------------------------------------


def _payload(intent: str, entity: str, value: str) -> str:
    return f"/{intent}" + json.dumps({entity: value}, ensure_ascii=False, separators=(",", ":"))


def _stage_button(stage: Stage) -> Button:
    return Button(stage.name, _payload("ask_materials", "stage", stage.id))


def _package_button(package: Package) -> Button:
    return Button(package.name, _payload("ask_one_thing", "package", package.id))


def _hotline_button(line: Hotline) -> Button:
    return Button(line.name, _payload("ask_hotline", "hotline_topic", line.id))


def _units(kb: KnowledgeBase, unit_ids: list[str]) -> str:
    return "、".join(kb.unit_names(unit_ids))


def _contact_line(line: Hotline) -> str:
    """One line: the channel's name and its number or address, “<name>：<display>”."""
    return line.name if line.display == line.name else f"{line.name}：{line.display}"


def _kb(kb: KnowledgeBase | None) -> KnowledgeBase:
    return get_knowledge() if kb is None else kb


# --- materials ----------------------------------------------------------------------------------


def _material(m: Material, *, show_source: bool) -> str:
    """“<n>. <name>（<获取方式>）” for what the applicant brings, else with 来源渠道 too."""
    parts = [f"来源渠道：{m.source}"] if show_source else []
    if m.acquisition:
        parts.append(f"获取方式：{m.acquisition}" if show_source else m.acquisition)
    return f"{m.number}. {m.name}" + (f"（{'；'.join(parts)}）" if parts else "")


def _section(title: str, materials: list[Material], *, show_source: bool = True) -> list[str]:
    if not materials:
        return []
    return [title, *(_material(m, show_source=show_source) for m in materials)]


def _render_stage(stage: Stage, kb: KnowledgeBase) -> str:
    by = {t: [m for m in stage.materials if m.treatment is t] for t in Treatment}
    keep = by[Treatment.KEEP]
    lines = [f"【{stage.name}】（用地审批“一码办”第{stage.number}个环节）"]
    lines += _section("需要您提供：", [m for m in keep if m.source == APPLICANT], show_source=False)
    lines += _section(f"以下材料{Treatment.MERGED.value}：", by[Treatment.MERGED])
    lines += _section("前置材料（提前到本环节提交）：", by[Treatment.ADVANCED])
    lines += _section("保留（由以下渠道提供）：", [m for m in keep if m.source != APPLICANT])
    lines += _section("无需提交（由部门获取）：", by[Treatment.EXEMPT])
    if stage.outcomes:
        lines.append(f"办理成果：{'、'.join(stage.outcomes)}")
    lines.append(f"最终成效：{stage.effect}")
    hotline = kb.hotlines[kb.land.headline.hotline]
    lines.append(f"如有疑问，可拨打{hotline.name} {hotline.display}。")
    return "\n".join(lines)


def answer_materials(query: str | None, kb: KnowledgeBase | None = None) -> Answer:
    """One stage → its material list; several or none → ask which stage, with buttons."""
    kb = _kb(kb)
    stages = resolve_stages(query, kb)
    if len(stages) == 1:
        return Answer(_render_stage(stages[0], kb))
    if stages:
        text = "您说的可能是以下几个环节，请问您要办理哪一个？"
    else:
        text = f"用地审批“一码办”共{len(kb.stages)}个环节，请问您要查询哪个环节的材料？"
        stages = kb.stages
    names = [f"{s.number}. {s.name}" for s in stages]
    return Answer("\n".join([text, *names]), tuple(_stage_button(s) for s in stages))


# --- hotlines -----------------------------------------------------------------------------------


def _render_hotline(line: Hotline, kb: KnowledgeBase) -> list[str]:
    lines = [_contact_line(line)]
    if line.region is Region.FENGJIE:
        lines.append(f"注意：这是{Region.FENGJIE.value}的联系方式，不是{Region.NANCHUAN.value}的。")
    if line.owners:
        label = "负责单位" if line.owner_source is OwnerSource.EXPLICIT else "所属方案牵头单位"
        lines.append(f"{label}：{_units(kb, line.owners)}")
    if line.purpose:
        lines.append(f"用途：{line.purpose}")
    if line.hours:
        lines.append(f"时间：{line.hours}")
    if line.locations:
        lines.append(f"地点：{'、'.join(line.locations)}")
    return lines


def answer_hotline(query: str | None, kb: KnowledgeBase | None = None) -> Answer:
    """Topic matched → number(s) with owner, purpose and hours; none → Nanchuan's phone lines."""
    kb = _kb(kb)
    found = resolve_hotlines(query, kb)
    if found:
        blocks = ["\n".join(_render_hotline(line, kb)) for line in found]
        home = all(line.region is Region.NANCHUAN for line in found)
        head = (
            f"为您查到{Region.NANCHUAN.value}的以下联系方式：" if home else "为您查到以下联系方式："
        )
        return Answer(head + "\n" + "\n\n".join(blocks))
    phones = [
        h
        for h in kb.hotlines.values()
        if h.kind is HotlineKind.PHONE and h.region is Region.NANCHUAN
    ]
    lines = [f"{Region.NANCHUAN.value}的咨询和投诉电话如下，请问您要办理哪方面的事？"]
    lines += [_contact_line(h) for h in phones]
    primary = kb.primary_hotline
    if primary.hours:
        lines.append(f"{primary.name}的接听时间：{primary.hours}")
    return Answer("\n".join(lines), tuple(_hotline_button(h) for h in phones))


# --- schemes ------------------------------------------------------------------------------------


def answer_scheme(scheme_id: str, kb: KnowledgeBase | None = None) -> Answer:
    """The facts of one reform scheme; an unknown id raises KeyError."""
    kb = _kb(kb)
    scheme = kb.schemes[scheme_id]
    lines = [f"【{scheme.name}】", f"（{scheme.plan}，牵头单位：{_units(kb, scheme.owners)}）"]
    lines += [f"• {line}" for line in scheme.summary]
    if scheme.milestones:
        lines.append("完成时间：")
        for m in scheme.milestones:
            detail = f"：{m.detail}" if m.detail else ""
            lines.append(f"• {m.name}（{m.deadline}）{detail}")
    contacts = [kb.hotlines[h] for h in scheme.hotlines]
    if contacts:
        lines.append("联系方式：")
        lines += [f"• {_contact_line(h)}" for h in contacts]
    return Answer("\n".join(lines))


# --- one-thing packages -------------------------------------------------------------------------


def _render_package(package: Package, kb: KnowledgeBase) -> str:
    one = kb.one_thing
    lines = [f"【{package.name}】（{one.region.value}）"]
    if package.components:
        more = "等" if package.components_open else ""
        lines.append(f"包括：{'、'.join(package.components)}{more}")
    if package.description:
        lines.append(f"内容：{package.description}")
    lines.append(f"承办单位：{'、'.join(package.lead_units)}")
    if package.cooperating_units:
        lines.append(f"配合单位：{'、'.join(package.cooperating_units)}")
    lines.append(f"指标牵头单位：{package.indicator_lead_unit}")
    lines.append(f"最终完成时限：{package.deadline}")
    lines.append(_region_note(kb))
    return "\n".join(lines)


def _region_note(kb: KnowledgeBase) -> str:
    one = kb.one_thing
    fengjie = kb.hotlines[one.fengjie_hotline]
    nanchuan = kb.schemes[one.nanchuan_scheme]
    primary = kb.primary_hotline
    return (
        f"说明：以上是{one.region.value}的安排（出自《{one.source}》），"
        f"不是{Region.NANCHUAN.value}的办事指南；{one.region.value}{fengjie.name}：{fengjie.display}。"
        f"{Region.NANCHUAN.value}将{one.nanchuan_note}（{nanchuan.name}），"
        f"如需咨询请拨打{primary.name} {primary.display}。"
    )


def answer_package(query: str | None, kb: KnowledgeBase | None = None) -> Answer:
    """One package → its components and units; several or none → ask which, with buttons."""
    kb = _kb(kb)
    packages = resolve_packages(query, kb)
    if len(packages) == 1:
        return Answer(_render_package(packages[0], kb))
    one = kb.one_thing
    if packages:
        text = "您想了解的可能是以下“一件事”，请选择："
    else:
        text = f"{one.region.value}{one.headline}（供参考），请问您想了解哪一个？"
        packages = list(kb.packages.values())
    names = [f"{i}. {p.name}" for i, p in enumerate(packages, 1)]
    return Answer("\n".join([text, *names]), tuple(_package_button(p) for p in packages))


# --- help and fallback --------------------------------------------------------------------------


def primary_contact(kb: KnowledgeBase) -> str:
    """The general appeal hotline with its hours, offered wherever a person should take over."""
    primary = kb.primary_hotline
    hours = f"（{primary.hours}）" if primary.hours else ""
    return f"{primary.name} {primary.display}{hours}"


def answer_help(kb: KnowledgeBase | None = None) -> Answer:
    """What the assistant can do, and the number for a person."""
    kb = _kb(kb)
    schemes = "、".join(s.name for s in kb.schemes.values())
    lines = [
        f"您好！我是{Region.NANCHUAN.value}“企呼我为”智能助手，可以帮您：",
        "1. 查询用地审批“一码办”各环节需要的材料",
        "2. 查询热线电话和联系方式",
        f"3. 介绍各项改革措施：{schemes}",
        f"4. 介绍{kb.one_thing.region.value}“一件事一次办”套餐（供参考）",
        "5. 提交企业诉求",
        "6. 查询诉求办理进度",
        f"需要人工帮助，请拨打{primary_contact(kb)}。",
    ]
    buttons = (
        Button("查材料", "/ask_materials"),
        Button("查电话", "/ask_hotline"),
        Button("一件事一次办", "/ask_one_thing"),
        Button("提交诉求", "/report_appeal"),
        Button("查询进度", "/ask_appeal_status"),
    )
    return Answer("\n".join(lines), buttons)


def answer_fallback(kb: KnowledgeBase | None = None) -> Answer:
    """Says plainly that the question was not understood; offers only the general hotline."""
    kb = _kb(kb)
    text = (
        "抱歉，我没能理解您的问题，暂时无法回答。"
        f"您可以换个说法再问我，或拨打{primary_contact(kb)}咨询。"
    )
    return Answer(text, (Button("我能做什么", "/help"),))
