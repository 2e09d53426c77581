"""Typed choices at a numbered picker: "2", "第二个", "那第一个呢".

Why: on WeChat buttons become numbered lines, so people type the number; the intent classifier
reads a bare "2" as anything (often goodbye). The picker's buttons are in the conversation (the
bot's last message with buttons), so the typed number maps back to the button's payload.
"""

from __future__ import annotations

import json
import re
import unicodedata

from bot.answers import Answer, answer_hotline, answer_materials, answer_package, answer_scheme
from bot.knowledge import KnowledgeBase

_CN = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CHOICE = re.compile(
    r"^(?:那|就|要|选|我选|我要)?(?:第)?([1-9]|[一二两三四五六七八九])(?:个|项|号|环节)?(?:吧|呢|嘛|的呢)?$"
)


def parse_choice(text: str) -> int | None:
    """The 1-based number a short typed choice names, if it is one."""
    t = unicodedata.normalize("NFKC", text or "")
    t = re.sub(r"[\s。.，,！!？?~～]+", "", t)
    match = _CHOICE.match(t)
    if not match:
        return None
    value = match.group(1)
    return int(value) if value.isdigit() else _CN[value]


def answer_payload(payload: str, kb: KnowledgeBase) -> Answer | None:
    """The answer a knowledge button's payload (``/intent{"entity":"value"}``) stands for."""
    match = re.match(r"^/(\w+)(\{.*\})?$", payload or "")
    if not match:
        return None
    intent = match.group(1)
    values = list(json.loads(match.group(2)).values()) if match.group(2) else []
    value = str(values[0]) if values else None
    if intent == "ask_materials" and value:
        return answer_materials(value, kb)
    if intent == "ask_hotline" and value:
        return answer_hotline(value, kb)
    if intent == "ask_one_thing" and value:
        return answer_package(value, kb)
    if intent.startswith("ask_scheme_") and intent[len("ask_scheme_") :] in kb.schemes:
        return answer_scheme(intent[len("ask_scheme_") :], kb)
    return None
