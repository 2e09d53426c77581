"""Fact-level answers about the land-approval stages: one material, a stage's outcome or effect.

Why apart from the TF-IDF search: a material question names a stage and a material in free
words ("签出让合同 还要带营业执照复印件去不"), and the answer must be that material's row of the
table in that stage, not the whole list and not another stage's row (the same material has
different sources in different stages). Stages are found by the KB's names and aliases
(``bot.answers.resolve_stages``), materials by the longest common substring with their names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.knowledge import KnowledgeBase, Material, Stage, Treatment
from bot.knowledge.schema import APPLICANT
from bot.search.text import expand, longest_common, norm, strip_notes

MIN_COMMON = 4  # characters a message must share with a material's name to name it
MIN_COMMON_WITH_STAGE_WORDS = 6  # when the shared part may be a stage's name instead

_OUTCOME = re.compile(
    r"拿到|能拿|拿个|拿啥|得到|成果|发个|发啥|发什么|出件|给个|给啥|会给|啥子证|啥证|什么证|文书|领到|领个"
)
_EFFECT = re.compile(
    r"减了|减少|精简|几项|多少项|好多项|几样|跑几|跑好多|几趟|几次|并行|一起办|同时办|挨到|减为|"
    r"剩|只交|只要交|简化"
)
_SUBMIT = re.compile(r"交|提供|带|填|获取|从哪|哪来|哪个出|谁出|谁来|免|材料|复印件|原件")
_LIST = re.compile(r"哪[几些3三两]项|哪[几两]样|是哪样|剩的")


@dataclass(frozen=True)
class StageFacts:
    """What a message asks about the stages: the stages, materials per stage and the aspects."""

    stages: list[Stage]
    materials: dict[str, list[Material]]
    outcome: bool
    effect: bool

    @property
    def any_fact(self) -> bool:
        return bool(self.materials) or self.outcome or self.effect


def _material_score(query: str, material: Material) -> int:
    return longest_common(query, norm(material.name))


def _find_materials(query: str, stages: list[Stage], minimum: int) -> dict[str, list[Material]]:
    found: dict[str, list[Material]] = {}
    for stage in stages:
        scored = [(_material_score(query, m), m) for m in stage.materials]
        best = [m for s, m in scored if s >= minimum]
        if best:
            found[stage.id] = best
    return found


def _without(query: str, terms: list[str]) -> str:
    for term in sorted({norm(t) for t in terms}, key=len, reverse=True):
        if term:
            query = query.replace(term, "|")
    return query


def analyse(text: str, kb: KnowledgeBase, stages: list[Stage]) -> StageFacts:
    """Which materials of ``stages`` (or of every stage, when none is named) ``text`` names."""
    query = expand(text)  # with the KB's words for 身份证, 执照, 地型图 …
    candidates = stages or kb.stages
    stage_words = [w for s in kb.stages for w in (s.name, *s.aliases)]
    stage_words += [a.term for a in kb.land.ambiguous_terms]
    found = _find_materials(_without(query, stage_words), candidates, MIN_COMMON)
    if not found:
        # Aliases such as 出让合同 may be part of a material's name; a stage's full name is not
        # ("出让国有建设用地使用权首次登记要哪些材料" names the stage, not its 出让合同 material).
        stage_names = [s.name for s in kb.stages]
        found = _find_materials(
            _without(query, stage_names), candidates, MIN_COMMON_WITH_STAGE_WORDS
        )
    if found and not stages and not _SUBMIT.search(query):
        # No stage named and no word about handing something in: only a long match counts
        # ("开办企业营业执照多久能拿到" is about the business licence, not a stage's material).
        found = _find_materials(query, candidates, MIN_COMMON_WITH_STAGE_WORDS)
    if found and not stages:
        stages = [s for s in kb.stages if s.id in found]
    elif found:
        stages = [s for s in stages if s.id in found] or stages
    return StageFacts(
        stages=stages,
        materials=found,
        outcome=bool(_OUTCOME.search(query)),
        effect=bool(_EFFECT.search(query)) or (bool(_LIST.search(query)) and not found),
    )


def material_line(m: Material) -> str:
    """The table's row for one material, verbatim, with a plain reading of the treatment."""
    cells = [f"改变做法：{m.treatment.value}", f"来源渠道：{m.source}"]
    if m.acquisition:
        cells.append(f"获取方式：{m.acquisition}")
    if m.treatment is Treatment.EXEMPT:
        reading = "您无需提交，由部门通过来源渠道获取"
    elif m.treatment is Treatment.ADVANCED:
        reading = "提前到本环节提交"
    elif m.treatment is Treatment.MERGED:
        reading = "不再单独提交，并入建设工程设计方案"
    elif m.source == APPLICANT:
        reading = "仍需您提交"
    else:
        reading = "仍需提供，但由来源渠道提供"
    return f"• {m.name}：{reading}（{'；'.join(cells)}）"


def _still_submitted(stage: Stage) -> list[Material]:
    return [
        m
        for m in stage.materials
        if m.source == APPLICANT and m.treatment in (Treatment.KEEP, Treatment.ADVANCED)
    ]


def render(facts: StageFacts) -> str:
    """The facts asked about, stage by stage, in the knowledge base's words."""
    blocks = []
    for stage in facts.stages:
        lines = [f"【{stage.name}】（用地审批“一码办”第{stage.number}个环节）"]
        lines += [material_line(m) for m in facts.materials.get(stage.id, [])]
        if facts.outcome:
            if stage.outcomes:
                lines.append(f"办理成果：{'、'.join(stage.outcomes)}")
            else:
                lines.append("文件未列出本环节的办理成果。")
        if facts.effect or (facts.outcome and not facts.materials):
            lines.append(f"最终成效：{stage.effect}")
            if not facts.materials:
                kept = "、".join(strip_notes(m.name) for m in _still_submitted(stage))
                if kept:
                    lines.append(f"仍需申请人提交：{kept}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
