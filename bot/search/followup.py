"""Elliptical follow-ups and notes that depend on how a question is asked.

Why: after "燃气报装打哪个电话", a user types "几点下班" or "要几天" — the words name no topic, so
the answer must come from the conversation's topic (``bot.search.context``). And where the
documents give no hours for a line, or only last year's dates, the answer says so instead of
letting the user assume.
"""

from __future__ import annotations

import re

from bot.answers import Answer, answer_hotline, answer_package, primary_contact
from bot.answers import answer_scheme as _answer_scheme
from bot.knowledge import KnowledgeBase
from bot.search.context import Topic, hotlines_of
from bot.search.text import norm

SHORT = 14  # characters: a message this short that names no topic is taken as a follow-up
_CONTACT_Q = re.compile(
    r"电话|号码|热线|邮箱|几点|上班|下班|周末|节假日|中午|放假|打得通|有人接|联系"
)
_HOURS_Q = re.compile(r"几点|上班|下班|周末|节假日|中午|放假|晚上|打得通|有人接|时间")
_QUESTION = re.compile(r"[？?]|多久|好久|几|啥|什么|怎么|咋|哪|吗|不$|没$")
_REFERS = re.compile(r"^(那|这|这个|那个)?.{0,4}的?呢$")  # "南川的呢", "那个呢": the same again
_THIS_YEAR = re.compile(r"今年|本年|明年")
_YEAR = re.compile(r"(20\d\d)年")


def answer_scheme(scheme_id: str, kb: KnowledgeBase) -> Answer:
    """The scheme card; the appeal scheme's also lists the dispatch sheet's time limits (简单、
    一般、复杂), which people ask about and which the plan's text gives only in part."""
    from bot.appeal_chat import time_limits_text  # bot.appeal_chat needs the store: load late

    answer = _answer_scheme(scheme_id, kb)
    if scheme_id != kb.appeal_process.id:
        return answer
    return with_notes(answer, f"交办单办结时限：{time_limits_text(kb)}")


def asks_contact(text: str) -> bool:
    return bool(_CONTACT_Q.search(text))


def is_short(text: str) -> bool:
    return 0 < len(norm(text)) <= SHORT


def hours_note(text: str, hotline_ids: list[str], kb: KnowledgeBase) -> str | None:
    """For an hours question: say which of the lines have no hours in the documents."""
    if not _HOURS_Q.search(text):
        return None
    lines = [kb.hotlines[h] for h in hotline_ids if h in kb.hotlines]
    missing = [line.name for line in lines if not line.hours]
    if not missing:
        return None
    return (
        f"文件中没有写明{'、'.join(missing)}的接听时间。需要人工帮助可拨打{primary_contact(kb)}。"
    )


def year_note(text: str, answer_text: str) -> str | None:
    """Asked about this year while the documents' dates are of an earlier year: say so."""
    if not _THIS_YEAR.search(text):
        return None
    years = sorted(set(_YEAR.findall(answer_text)))
    if not years:
        return None
    return f"注意：以上时间是文件中{'、'.join(years)}年的安排，今年的具体时间文件中没有公布。"


def with_notes(answer: Answer, *notes: str | None) -> Answer:
    extra = [n for n in notes if n]
    if not extra:
        return answer
    return Answer("\n".join([answer.text, *extra]), answer.buttons)


def follow_up(text: str, topic: Topic, kb: KnowledgeBase) -> Answer | None:
    """The answer to a short follow-up naming no topic, from the conversation's topic."""
    if not is_short(text):
        return None
    if _CONTACT_Q.search(text):
        ids = hotlines_of(topic, kb)
        if not ids:
            note = f"文件中没有给出这方面的专门电话。如需咨询，可拨打{primary_contact(kb)}。"
            if topic.kind == "scheme":  # the channels the scheme does name
                return Answer(f"{note}\n{answer_scheme(topic.id, kb).text}")
            return Answer(note)
        return with_notes(answer_hotline(" ".join(ids), kb), hours_note(text, ids, kb))
    if topic.kind == "scheme":
        return answer_scheme(topic.id, kb)
    if topic.kind == "package":
        return answer_package(topic.id, kb)
    if topic.kind == "hotline":
        line = kb.hotlines[topic.id]
        if "南川" in text and line.region.value != "南川区":  # "那南川的呢" after 奉节's line
            return answer_hotline(kb.primary_hotline.id, kb)
        if line.scheme and _QUESTION.search(text) and not _REFERS.search(text):
            return answer_scheme(line.scheme, kb)  # "报了好久来勘查" after the gas line
        return answer_hotline(topic.id, kb)
    return None


_APPEAL_TIMING = re.compile(
    r"(多久|好久|什么时候|啥时候|几天).{0,6}(联系|回复|答复|回电|处理|办结|办好|送达)|有人联系"
)


def appeal_timing(text: str, kb: KnowledgeBase) -> Answer | None:
    """When someone will act on an appeal: the dispatch and completion limits of the scheme."""
    if not _APPEAL_TIMING.search(text):
        return None
    from bot.appeal_chat import time_limits_text  # bot.appeal_chat needs the store: load late

    limits = kb.appeal_process.time_limits
    return Answer(
        f"按{kb.appeal_process.plan}，区营商办{limits.dispatch_working_days}个工作日内向承办单位"
        f"送达交办单；办结时限：{time_limits_text(kb)}。承办单位会与您联系，"
        f"也可拨打{primary_contact(kb)}查询。"
    )


# Details people ask for, and what an answer stating them looks like. A question for a detail the
# answer does not contain gets a plain "not in the documents" first, so a nearby fact is never
# taken for the answer.
_DETAILS = (
    (
        "具体金额",
        r"好多钱|多少钱|几块钱|价格是|税率|交好多税|贷好多|能贷|一方|多少费用",
        r"\d+(\.\d+)?万?元",
    ),
    ("楼层", r"几楼|哪一楼|几层|楼层", r"\d+楼|[一二三四五六七八九十]楼|\d+层"),
    ("具体时间", r"几点|上班时间|下班|营业时间|开门", r"\d{1,2}[:：]\d{2}"),
    (
        "办理时限",
        r"多久|几天|好久|多长时间",
        r"\d+(\.\d+)?个?(工作日|天|小时|个月)|半天|每[月季年周]",
    ),
)


def missing_detail_note(text: str, answer_text: str, kb: KnowledgeBase) -> str | None:
    """ "抱歉，文件中没有写明…" when the question asks for a detail the answer does not state."""
    for label, asked, stated in _DETAILS:
        if re.search(asked, text) and not re.search(stated, answer_text):
            return (
                f"抱歉，文件中没有写明您问的{label}，以下是相关内容供参考；"
                f"如需了解，请拨打{primary_contact(kb)}。"
            )
    return None


def with_lead(answer: Answer, lead: str | None) -> Answer:
    if not lead:
        return answer
    return Answer(f"{lead}\n{answer.text}", answer.buttons)
