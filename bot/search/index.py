"""A ranked search over every fact unit of the knowledge base.

Why: people ask about one fact ("71423026 这个是啥热线", "综合查一次统筹了几个部门") in words the
intent classifier never saw. Every fact of ``bot.knowledge`` becomes one unit here, built at
start-up from the loaded YAML (nothing is copied), and a TF-IDF model over character 1-3-grams
(robust to typos and to Chinese word boundaries) ranks the units for a message. The text a unit
shows is the knowledge base's own wording.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from sklearn.feature_extraction.text import TfidfVectorizer

from bot.knowledge import KnowledgeBase, get_knowledge
from bot.search.text import expand, norm, strip_notes


@dataclass(frozen=True)
class FactUnit:
    """One fact: what it is about (``topic``), the words that find it and the text to state."""

    id: str
    kind: str  # material | outcome | effect | hotline | scheme_line | milestone | package | ...
    topic: str  # stage_3, scheme:gas, hotline:gas_hotline, package:<id>
    index_text: str
    answer: str
    question: str  # a short question a button may offer ("您是不是想问")
    payload: str = ""


@dataclass(frozen=True)
class Hit:
    unit: FactUnit
    score: float


@dataclass
class KnowledgeSearch:
    """TF-IDF over the fact units; ``search`` returns the best units with cosine scores."""

    units: list[FactUnit]
    _vectorizer: TfidfVectorizer = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
        self._matrix = self._vectorizer.fit_transform([expand(u.index_text) for u in self.units])

    def search(self, query: str, k: int = 5, kinds: tuple[str, ...] = ()) -> list[Hit]:
        text = expand(query)
        if not text:
            return []
        scores = (self._matrix @ self._vectorizer.transform([text]).T).toarray().ravel()
        order = scores.argsort()[::-1]
        hits: list[Hit] = []
        for i in order:
            unit = self.units[int(i)]
            if kinds and unit.kind not in kinds:
                continue
            if scores[i] <= 0:
                break
            hits.append(Hit(unit, float(scores[i])))
            if len(hits) == k:
                break
        return hits


def _payload(intent: str, entity: str = "", value: str = "") -> str:
    if not entity:
        return f"/{intent}"
    return f'/{intent}{{"{entity}":"{value}"}}'


def _stage_units(kb: KnowledgeBase) -> list[FactUnit]:
    units = []
    for stage in kb.stages:
        names = " ".join([stage.name, *stage.aliases])
        list_payload = _payload("ask_materials", "stage", stage.id)
        for m in stage.materials:
            units.append(
                FactUnit(
                    id=f"{stage.id}.m{m.number}",
                    kind="material",
                    topic=stage.id,
                    index_text=f"{names} {m.name} {m.treatment.value} {m.source}",
                    answer=f"【{stage.name}】{m.name}：{m.treatment.value}，{m.source}",
                    question=f"{stage.name}：{strip_notes(m.name)}怎么提供？",
                    payload=list_payload,
                )
            )
        if stage.outcomes:
            units.append(
                FactUnit(
                    id=f"{stage.id}.outcome",
                    kind="outcome",
                    topic=stage.id,
                    index_text=f"{names} 办理成果 办完拿到 {' '.join(stage.outcomes)}",
                    answer=f"【{stage.name}】办理成果：{'、'.join(stage.outcomes)}",
                    question=f"{stage.name}办完能拿到什么？",
                    payload=list_payload,
                )
            )
        units.append(
            FactUnit(
                id=f"{stage.id}.effect",
                kind="effect",
                topic=stage.id,
                index_text=f"{names} 最终成效 减少 {stage.effect}",
                answer=f"【{stage.name}】最终成效：{stage.effect}",
                question=f"{stage.name}的材料精简了多少？",
                payload=list_payload,
            )
        )
    return units


def _hotline_units(kb: KnowledgeBase) -> list[FactUnit]:
    units = []
    for line in kb.hotlines.values():
        words = [line.name, *line.other_names, *line.topics, line.value, line.purpose or ""]
        words += [*line.notes, line.hours or "", *line.locations]
        label = line.name if line.display == line.name else f"{line.name}：{line.display}"
        if line.region.value != "南川区":
            label += f"（{line.region.value}）"
        units.append(
            FactUnit(
                id=f"hotline.{line.id}",
                kind="hotline",
                topic=f"hotline:{line.id}",
                index_text=" ".join(words),
                answer=label,
                question=f"{line.name}是多少？" if line.is_phone else f"{line.name}在哪里？",
                payload=_payload("ask_hotline", "hotline_topic", line.id),
            )
        )
    return units


def _scheme_units(kb: KnowledgeBase) -> list[FactUnit]:
    units = []
    for scheme in kb.schemes.values():
        head = f"{scheme.name} {scheme.plan}"
        payload = _payload(f"ask_scheme_{scheme.id}")
        lines = list(scheme.summary)
        for value in scheme.facts.values():
            if isinstance(value, str) and not any(value in s for s in lines):
                lines.append(value)
        for i, line in enumerate(lines):
            units.append(
                FactUnit(
                    id=f"scheme.{scheme.id}.{i}",
                    kind="scheme_line",
                    topic=f"scheme:{scheme.id}",
                    index_text=f"{head} {line}",
                    answer=f"{line}（{scheme.name}）",
                    question=f"{scheme.name}是怎么规定的？",
                    payload=payload,
                )
            )
        for i, m in enumerate(scheme.milestones):
            units.append(
                FactUnit(
                    id=f"scheme.{scheme.id}.ms{i}",
                    kind="milestone",
                    topic=f"scheme:{scheme.id}",
                    index_text=f"{head} 什么时候 完成时间 {m.name} {m.deadline} {m.detail or ''}",
                    answer=f"{m.name}：{m.deadline}（{scheme.name}）",
                    question=f"{scheme.name}什么时候完成？",
                    payload=payload,
                )
            )
    return units


def _package_units(kb: KnowledgeBase) -> list[FactUnit]:
    units = []
    region = kb.one_thing.region.value
    one = kb.one_thing
    units.append(
        FactUnit(
            id="package.overview",
            kind="package",
            topic="package:overview",
            index_text=f"{region} {one.task_name} 一件事 套餐 打包 几种 几个 多少个 {one.headline}",
            answer=f"{region}{one.task_name}：{one.headline}（共{one.package_count}个）",
            question=f"{region}“一件事一次办”有哪些套餐？",
            payload=_payload("ask_one_thing"),
        )
    )
    for package in kb.packages.values():
        parts = "、".join(package.components) or (package.description or "")
        units.append(
            FactUnit(
                id=f"package.{package.id}",
                kind="package",
                topic=f"package:{package.id}",
                index_text=f"{region} 一件事 {package.name} {' '.join(package.aliases)} {parts}",
                answer=f"【{package.name}】（{region}）{parts}",
                question=f"{region}{package.name}包括什么？",
                payload=_payload("ask_one_thing", "package", package.id),
            )
        )
    return units


def build_units(kb: KnowledgeBase) -> list[FactUnit]:
    """Every fact unit of ``kb``: materials, outcomes, effects, hotlines, schemes, packages."""
    return [*_stage_units(kb), *_hotline_units(kb), *_scheme_units(kb), *_package_units(kb)]


def build_search(kb: KnowledgeBase) -> KnowledgeSearch:
    return KnowledgeSearch(build_units(kb))


@lru_cache(maxsize=1)
def get_search() -> KnowledgeSearch:
    """The search over the default knowledge base, built once per process."""
    return build_search(get_knowledge())


__all__ = [
    "FactUnit",
    "Hit",
    "KnowledgeSearch",
    "build_search",
    "build_units",
    "get_search",
    "norm",
]
