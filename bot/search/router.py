"""Which layer answers a message: the decision rule of docs/answering.md, in code.

Why a rule on top of the intents: the intent classifier is good at what a person wants to *do*
(appeal, status, evaluation, cancel, help) but weak at *which fact* they ask about in their own
words. So every knowledge action first asks ``route`` whether the message is a complaint to
take down, a question about another place, or a question about one fact; only otherwise does
the intent's own answer (a whole list, a scheme card) go out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import yaml

from bot.answers import (
    Answer,
    Button,
    answer_hotline,
    answer_materials,
    answer_package,
    primary_contact,
    resolve_hotlines,
    resolve_stages,
)
from bot.answers import _match as match_terms
from bot.knowledge import KnowledgeBase, Stage, Treatment, get_knowledge
from bot.search.followup import answer_scheme, hours_note, with_notes
from bot.search.index import Hit, KnowledgeSearch, get_search
from bot.search.materials import analyse, render
from bot.search.text import expand, has_chinese, norm, strip_notes

PLACES_FILE = Path(__file__).resolve().parent / "places.yaml"

# Scores of KnowledgeSearch.search (cosine of TF-IDF char 1-3-grams), see docs/answering.md.
STATE_FACT = 0.42  # at or above: the best unit is stated
SUGGEST = 0.12  # at or above (and below the rules below): a "您是不是想问" candidate
TOPIC_CARD = 0.22  # a topic whose best hit scores at least this (below STATE_FACT) ...
TOPIC_MARGIN = 0.7  # ... and no other topic within this share of it: that topic's whole answer

_COMPLAINT_ACT = re.compile(
    r"(我|我们|俺|要|想|帮我|给我|请|再|来)[^，。？！?]{0,4}(投诉|反映|举报|申诉|提.{0,2}诉求|登记.{0,3}(投诉|诉求))"
    r"|^(提|登记)个?(诉求|投诉)|要求重新交办|重新交办|诉求提交|file a complaint|complain"
)
_CHANNEL_QUESTION = re.compile(
    r"(电话|号码|热线|邮箱)[^，。]{0,3}(多少|好多|几|发|给|是啥)|哪个部门|哪个单位|找哪个|找谁|向哪|"
    r"打哪|打.{0,8}行不|渠道|网站|公众号|怎么投诉|咋个投诉|在哪.{0,3}(投诉|反映)|找哪|哪里投诉"
)


@dataclass(frozen=True)
class Route:
    """The layer's decision: ``kind`` is appeal, other_place, fact or none."""

    kind: str
    answer: Answer | None = None
    topic: str | None = None


# --- complaints ---------------------------------------------------------------------------------


_HOW_TO_COMPLAIN = re.compile(r"(咋个|咋|怎么|怎样|如何)(投诉|反映|举报)")
_WHERE_TO = re.compile(
    r"电话|号码|热线|邮箱|网站|网址|公众号|哪个部门|哪个单位|找哪|找谁|向哪|打哪|哪里投诉|打.{0,8}行不"
)
MIN_PROBLEM_CHARS = 10  # a how-to-complain question describing at least this much is a complaint


def is_complaint(text: str) -> bool:
    """The user wants to lodge a complaint now, not ask where or how to complain.

    "燃气公司收了好几千材料费，清单都不给看，这种咋个投诉嘛" describes the problem and asks how:
    that is a complaint too; "投诉电话是好多" or "找哪个部门投诉" ask for a channel.
    """
    t = norm(text)
    if _COMPLAINT_ACT.search(t):
        return not _CHANNEL_QUESTION.search(t)
    how = _HOW_TO_COMPLAIN.search(t)
    if how is None or _WHERE_TO.search(t):
        return False
    problem = t[: how.start()] + t[how.end() :]
    return sum(c.isalnum() for c in problem) >= MIN_PROBLEM_CHARS


# --- other places -------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _places() -> tuple[tuple[str, ...], tuple[str, ...]]:
    data = yaml.safe_load(PLACES_FILE.read_text(encoding="utf-8"))
    names: set[str] = set()
    for full in [*data["chongqing"], *data["provinces"]]:
        names.add(full)
        stem = re.sub(r"(经开区|新区|区|县)$", "", full)
        if len(stem) >= 2:
            names.add(stem)
    home = tuple(data["home"]) + tuple(data["reference"])
    return tuple(sorted(names, key=len, reverse=True)), home


def other_place(text: str) -> str | None:
    """The first place outside this assistant's coverage that ``text`` names, if any."""
    names, home = _places()
    t = norm(text)
    if any(h in t for h in home[:2]):  # 南川 named too ("我在成都，问南川的燃气电话"): ours
        return None
    for h in home:
        t = t.replace(h, "|")
    for name in names:
        if name in t:
            return name
    return None


def answer_other_place(place: str, kb: KnowledgeBase) -> Answer:
    region = kb.one_thing.region.value
    text = (
        f"抱歉，我只提供南川区的营商环境信息（另有{region}“一件事一次办”的资料供参考），"
        f"没有{place}的办事信息和联系电话，请向{place}当地的部门咨询。"
        f"如是南川区的企业诉求，可拨打{primary_contact(kb)}。"
    )
    return Answer(text, (Button("我能做什么", "/help"),))


# --- packages -----------------------------------------------------------------------------------


def named_package(text: str, kb: KnowledgeBase) -> str | None:
    """The one package ``text`` names by its name or an alias, ignoring the words several
    packages share ("奉节职工退休一件事 公积金能一起提取不" is about 职工退休 only)."""
    terms = {t: [p.id] for p in kb.packages.values() for t in (p.id, p.name, *p.aliases)}
    found = match_terms(text, terms)
    return found[0] if len(found) == 1 else None


# --- contact channels -----------------------------------------------------------------------------

_CONTACT_ASK = re.compile(
    r"电话|电活|点话|号码|热线|专门的号|打哪|打啥|邮箱|网址|网站|公众号|联系方式|怎么联系|咋个联系"
)
_FILLER = re.compile(r"有没有|有没得|没得|是多少|多少|好多|找哪个|哪个|啥子|什么|请问|吗|呢|嘛|的")
SCHEME_OF_CONTACT = 0.2  # search score at which a contact question is taken to be about a scheme


def contact_answer(text: str, kb: KnowledgeBase) -> Answer | None:
    """A question for a number or channel: the channels named, else those of the scheme it is
    about, else (the documents give none for that scheme) a plain statement and its card."""
    if not _CONTACT_ASK.search(norm(text)):
        return None
    lines = resolve_hotlines(text, kb)
    if lines:
        answer = answer_hotline(text, kb)
        return with_notes(answer, hours_note(text, [h.id for h in lines], kb))
    topic_words = _FILLER.sub("", _CONTACT_ASK.sub("", norm(text)))  # what it is for
    hits = get_search().search(topic_words, k=1, kinds=("scheme_line", "milestone"))
    if not hits or hits[0].score < SCHEME_OF_CONTACT:
        return None
    scheme = kb.schemes[hits[0].unit.topic.partition(":")[2]]
    if scheme.hotlines:
        answer = answer_hotline(" ".join(scheme.hotlines), kb)
        return with_notes(answer, hours_note(text, list(scheme.hotlines), kb))
    note = (
        f"文件中没有给出{scheme.name}的专门电话，以下是文件写明的办理渠道；"
        f"如需咨询，可拨打{primary_contact(kb)}。"
    )
    return Answer(f"{note}\n{answer_scheme(scheme.id, kb).text}")


def channel_question(text: str, kb: KnowledgeBase) -> Answer | None:
    """Asks where or how to complain ("投诉电话是好多", "办电的问题找哪个部门投诉"): the
    channel, when the knowledge base names one for it."""
    if not _CHANNEL_QUESTION.search(norm(text)) or is_complaint(text):
        return None  # a problem described with "咋个投诉" is a complaint to take down
    answer = contact_answer(text, kb)
    if answer is None and resolve_hotlines(text, kb):
        answer = answer_hotline(text, kb)
    return answer


# --- facts --------------------------------------------------------------------------------------


_EXEMPT_ASKED = re.compile(
    r"免提交|免交|不用(我们|我|企业)?[交提]|无需提交|谁去调|哪个去调|部门.{0,2}(调|取)"
)


def _without_material_names(text: str, kb: KnowledgeBase) -> str:
    """The text without the material names it quotes, so that "不动产登记申请书" does not also
    name the stages called "不动产登记"."""
    names = {strip_notes(m.name) for s in kb.stages for m in s.materials}
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, "|")
    return text


_WHOLE = re.compile(r"整个|一共|总共|全部环节|所有环节|加起来")
_LAND = re.compile(r"一码办|用地审批|环节|材料")
MAX_FACT_QUESTION = 150  # characters
MAX_TYPO_TEXT = 80  # longer messages (a pasted complaint) are not searched for typos: too slow


def correct_stage_typos(text: str, kb: KnowledgeBase) -> str:
    """The text with a stage name typed with one wrong character put right ("用地规化许可证").

    Only names of four characters or more, only where the text as typed names no single
    stage, and only when the corrected text names exactly one.
    """
    if len(text) > MAX_TYPO_TEXT or len(resolve_stages(text, kb)) == 1:
        return text
    terms = {t for s in kb.stages for t in (s.name, *s.aliases)}
    for term in sorted((t for t in terms if len(t) >= 4), key=len, reverse=True):
        for start in range(len(text) - len(term) + 1):
            window = text[start : start + len(term)]
            if sum(a != b for a, b in zip(window, term, strict=True)) == 1:
                fixed = text[:start] + term + text[start + len(term) :]
                if len(resolve_stages(fixed, kb)) == 1:
                    return fixed
    return text


def stage_fact(text: str, kb: KnowledgeBase, context: Stage | None = None) -> Route:
    """A fact about a land-approval stage (one material, the outcome, the effect), if asked.

    ``context`` is the stage the conversation is about, used when the message names none.
    A long message (a pasted complaint) is not a question about one material.
    """
    if len(text) > MAX_FACT_QUESTION:
        return Route("none")
    if _WHOLE.search(text) and _LAND.search(text) and len(resolve_stages(text, kb)) != 1:
        head = kb.land.headline  # "整个一码办一共减了好多": the whole process, not one stage
        return Route("fact", Answer(f"{head.plan}：{head.summary}。"), head.scheme)
    stages = resolve_stages(_without_material_names(text, kb), kb)
    if not stages and context is not None:
        stages = [context]
    facts = analyse(text, kb, stages)
    if not facts.materials and stages and _EXEMPT_ASKED.search(norm(text)):
        exempt = {s.id: [m for m in s.materials if m.treatment is Treatment.EXEMPT] for s in stages}
        facts = replace(facts, materials={k: v for k, v in exempt.items() if v})
    if not facts.any_fact or not facts.stages:
        return Route("none")
    if len(facts.stages) > 1 and not facts.materials:
        return Route("none")  # an ambiguous stage without a material: the list answer asks which
    buttons = tuple(
        Button(f"查看{s.name}全部材料", f'/ask_materials{{"stage":"{s.id}"}}')
        for s in facts.stages[:3]
    )
    topic = facts.stages[0].id if len(facts.stages) == 1 else None
    return Route("fact", Answer(render(facts), buttons), topic)


def _suggestions(hits: list[Hit], kb: KnowledgeBase) -> Answer:
    seen: list[Hit] = []
    for hit in hits:
        if hit.score >= SUGGEST and all(h.unit.question != hit.unit.question for h in seen):
            seen.append(hit)
        if len(seen) == 3:
            break
    contact = f"也可以拨打{primary_contact(kb)}咨询。"
    if not seen:
        text = f"抱歉，我没能理解您的问题。您可以换个说法再问我，{contact}"
        return Answer(text, (Button("我能做什么", "/help"),))
    lines = ["抱歉，我不太确定您问的是什么。您是不是想问："]
    lines += [f"{i}. {h.unit.question}" for i, h in enumerate(seen, 1)]
    lines.append(contact)
    return Answer("\n".join(lines), tuple(Button(h.unit.question, h.unit.payload) for h in seen))


def _topic_card(topic: str, kb: KnowledgeBase) -> Answer | None:
    """The whole answer for a topic of the search (scheme card, hotline, package, stage list)."""
    kind, _, key = topic.partition(":")
    if kind == "scheme":
        return answer_scheme(key, kb)
    if kind == "hotline":
        return answer_hotline(key, kb)
    if kind == "package":
        return answer_package(key, kb)
    if topic.startswith("stage_"):
        return answer_materials(topic, kb)
    return None


def _group(topic: str, kb: KnowledgeBase) -> str:
    """A hotline of a scheme counts as that scheme's topic."""
    kind, _, key = topic.partition(":")
    if kind == "hotline" and key in kb.hotlines and kb.hotlines[key].scheme:
        return f"scheme:{kb.hotlines[key].scheme}"
    return topic


def _leading_group(hits: list[Hit], kb: KnowledgeBase) -> str | None:
    """The topic the hits agree on: its best score is high enough and well above any other's.

    A stated fact (STATE_FACT) is preferred to a whole topic, so a very confident hit is left
    to the fact rule.
    """
    best: dict[str, float] = {}
    for hit in hits:
        key = _group(hit.unit.topic, kb)
        best[key] = max(best.get(key, 0.0), hit.score)
    ranked = sorted(best.items(), key=lambda item: item[1], reverse=True)
    if not ranked or ranked[0][1] < TOPIC_CARD or ranked[0][1] >= STATE_FACT:
        return None
    if len(ranked) > 1 and ranked[1][1] >= TOPIC_MARGIN * ranked[0][1]:
        return None
    return ranked[0][0]


def search_answer(text: str, kb: KnowledgeBase, search: KnowledgeSearch) -> Route:
    """The best fact when the search is confident, else "您是不是想问" with candidates."""
    hits = search.search(text, k=8)
    group = _leading_group(hits, kb)
    if group is not None:
        card = _topic_card(group, kb)
        if card is not None:
            lead = (
                "我没有找到与您的问题完全对应的条文，以下是最相关的内容，供参考；"
                f"如未覆盖您的问题，请拨打{primary_contact(kb)}。"
            )
            return Route("topic", Answer(f"{lead}\n{card.text}", card.buttons), group)
    if hits and hits[0].score >= STATE_FACT:
        best = hits[0]
        same = [h for h in hits[1:3] if h.unit.topic == best.unit.topic and h.score >= STATE_FACT]
        lines = [best.unit.answer, *(h.unit.answer for h in same)]
        lines.append(f"如未解答您的问题，可拨打{primary_contact(kb)}。")
        more = Button("查看完整信息", best.unit.payload) if best.unit.payload else None
        return Route("fact", Answer("\n".join(lines), (more,) if more else ()), best.unit.topic)
    return Route("suggest", _suggestions(hits, kb))


_INSULT = re.compile(
    r"垃圾机器人|废物|傻[逼子瓜]|滚[蛋开]|破机器人|什么破|没用的东西|智障|脑残|蠢货"
)
_NO_WORDS = re.compile(r"[\w]")


def small_talk(text: str, kb: KnowledgeBase) -> Answer | None:
    """An emoji-only message gets a short acknowledgement; an insult a calm offer to help."""
    if not _NO_WORDS.search(text):
        return Answer("收到。还有什么可以帮您？")
    if _INSULT.search(text):
        return Answer(
            f"抱歉没能帮上您。如果遇到了问题，我可以帮您登记诉求，也可以拨打{primary_contact(kb)}。",
            (Button("提交诉求", "/report_appeal"),),
        )
    return None


def route(text: str, kb: KnowledgeBase | None = None, context: Stage | None = None) -> Route:
    """Decide the layer for a knowledge question (see docs/answering.md)."""
    kb = get_knowledge() if kb is None else kb
    if not text:
        return Route("none")
    if is_complaint(text):
        return Route("appeal")
    chat = small_talk(text, kb)
    if chat is not None:
        return Route("chat", chat)
    place = other_place(text)
    if place:
        return Route("other_place", answer_other_place(place, kb))
    return stage_fact(correct_stage_typos(text, kb), kb, context)


def fallback(text: str, kb: KnowledgeBase | None = None, context: Stage | None = None) -> Route:
    """The fallback layer: route first, then the search (never a guessed fact)."""
    kb = get_knowledge() if kb is None else kb
    routed = route(text, kb, context)
    if routed.kind != "none" or not text:
        return routed
    contact = contact_answer(text, kb) if has_chinese(text) else None
    if contact is not None:
        found = Route("fact", contact)
    elif not has_chinese(text) and resolve_hotlines(expand(text), kb):
        found = Route("fact", answer_hotline(expand(text), kb))
    else:
        found = search_answer(text, kb, get_search())
    if not has_chinese(text) and found.answer is not None:
        note = "（本服务使用中文。This service is in Chinese and covers Nanchuan district.）"
        found = Route(found.kind, Answer(f"{found.answer.text}\n{note}", found.answer.buttons))
    return found
