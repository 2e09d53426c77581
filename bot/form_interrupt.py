"""Messages typed into the appeal form that are not answers: a goodbye, a side question, a
progress query.

Why: the form's slots take the whole text of the next message, so "对了，燃气报装电话是好多"
would become the enterprise's name and "拜拜" the contact person. These are recognised (by the
intent and the shape of the text) and answered, and the question that was asked stays open.
"""

from __future__ import annotations

import re

GOODBYE = "goodbye"
QUESTION = "question"
STATUS = "status"

KNOWLEDGE_INTENTS = ("ask_hotline", "ask_materials", "ask_one_thing", "help")
_BYE = re.compile(r"拜拜|再见|先这样|下次再|回头再|改天再|不聊了|先忙|byebye|bye")
_QUESTION = re.compile(r"[？?]|多少|好多|哪个|哪里|哪些|什么|啥|怎么|咋|几[天个点号]|吗$|不$")
_ASIDE = re.compile(r"^(对了|顺便|另外|还有|请问|问一下|问下)")
MIN_CONFIDENCE = 0.6


def kind(text: str, intent: str | None, confidence: float, slot: str) -> str | None:
    """Which interruption the message is, or None when it is an answer to ``slot``."""
    if not text or text.startswith("/"):
        return None
    t = text.strip()
    if _BYE.search(t.lower()):  # by its words only: the classifier calls a bare number goodbye
        return GOODBYE
    if intent == "ask_appeal_status" and confidence >= MIN_CONFIDENCE:
        return STATUS
    knowledge = bool(intent) and (
        str(intent) in KNOWLEDGE_INTENTS or str(intent).startswith("ask_scheme_")
    )
    if slot == "appeal_content":  # a complaint is often worded as a question: only asides
        return QUESTION if _ASIDE.search(t) and _QUESTION.search(t) else None
    if knowledge and confidence >= MIN_CONFIDENCE and _QUESTION.search(t):
        return QUESTION
    if _ASIDE.search(t) and _QUESTION.search(t):
        return QUESTION
    return None


PAUSED = "好的，这份诉求还没有提交，先为您保留；回来后可以接着填写，说“取消”可放弃。"
NOT_SUBMITTED = "这份诉求还在填写中，尚未提交，所以还查不到办理进度。"
RESUME = "（诉求登记还在进行，我们继续。）"
