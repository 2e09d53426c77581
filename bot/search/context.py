"""The topic of the conversation so far, for elliptical follow-ups ("电话呢", "这一步办完拿到啥").

Why from the message history rather than slots: the topic is whatever the user last asked
about (a stage, a scheme, a hotline, a package), which the earlier messages already say; reading
them back needs no new slot, so the trained dialogue model is unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.answers import resolve_hotlines, resolve_packages, resolve_stages
from bot.knowledge import KnowledgeBase

SCHEME_INTENT_PREFIX = "ask_scheme_"
MAX_LOOKBACK = 4  # earlier user messages searched for the topic


@dataclass(frozen=True)
class Topic:
    kind: str  # stage | scheme | hotline | package
    id: str


def topic_of(text: str, intent: str | None, kb: KnowledgeBase) -> Topic | None:
    """The one topic a single message is about, if it names exactly one."""
    from bot.search.router import correct_stage_typos  # the router uses this module

    stages = resolve_stages(correct_stage_typos(text, kb), kb)
    if len(stages) == 1:
        return Topic("stage", stages[0].id)
    if intent and intent.startswith(SCHEME_INTENT_PREFIX):
        scheme_id = intent[len(SCHEME_INTENT_PREFIX) :]
        if scheme_id in kb.schemes:
            return Topic("scheme", scheme_id)
    packages = resolve_packages(text, kb)
    if len(packages) == 1:
        return Topic("package", packages[0].id)
    hotlines = resolve_hotlines(text, kb)
    if len(hotlines) == 1:
        return Topic("hotline", hotlines[0].id)
    return None


def last_topic(history: Iterable[tuple[str, str | None]], kb: KnowledgeBase) -> Topic | None:
    """The topic of the latest earlier message that has one; ``history`` is newest first.

    Only the last few messages count: an old topic is no longer what "电话呢" refers to.
    """
    for i, (text, intent) in enumerate(history):
        if i == MAX_LOOKBACK:
            break
        topic = topic_of(text, intent, kb)
        if topic:
            return topic
    return None


def hotlines_of(topic: Topic, kb: KnowledgeBase) -> list[str]:
    """The contact channels the knowledge base gives for a topic (ids, possibly none)."""
    if topic.kind == "hotline":
        return [topic.id]
    if topic.kind == "stage":
        return [kb.land.headline.hotline]
    if topic.kind == "scheme":
        return list(kb.schemes[topic.id].hotlines)
    if topic.kind == "package":
        return [kb.one_thing.fengjie_hotline]
    return []
