"""Validation and normalisation of what an enterprise types into the appeal form.

Kept apart from Rasa so the same rules serve the chat, the staff console and the tests.
Every function returns either the clean value or raises `InvalidField` with the Chinese
message to show the user (what was wrong and an example of what is expected).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_SEPARATORS = re.compile(r"[\s\-－—()（）]")
_MOBILE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$")
_LANDLINE = re.compile(r"^023(\d{8})$")
_REQUEST_VERB = re.compile(r"登记|反映|投诉|诉求|帮我|帮忙")
_LOCAL_LANDLINE = re.compile(r"^([2-8]\d{7})$")
# A run of digits (with the separators people type) inside a sentence, after NFKC normalisation.
_PHONE_RUN = re.compile(r"\+?\d[\d\s\-—()（）]{6,}\d")
# Answers that are not a name: acknowledgements and the bare words for "company" or "name".
_NOT_NAMES = frozenset(
    [
        "好的",
        "好",
        "错的",
        "错了",
        "不对",
        "不对的",
        "好嘛",
        "要得",
        "是的",
        "对",
        "对的",
        "嗯",
        "嗯嗯",
        "可以",
        "行",
        "没有",
        "不知道",
        "公司",
        "企业",
        "单位",
        "工厂",
        "厂",
        "厂里",
        "我们公司",
        "我公司",
        "本公司",
        "名字",
        "姓名",
        "联系人",
        "企业名称",
        "公司名称",
        "我",
        "本人",
        "先生",
        "女士",
    ]
)
_MEANINGFUL = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")

# Bare requests that say *that* there is an appeal but not *what* it is.
_GENERIC_PHRASES = (
    "我要反映问题",
    "我要反映",
    "反映问题",
    "反映个问题",
    "反映一下",
    "我要投诉",
    "投诉一下",
    "投诉",
    "我有诉求",
    "我们企业有诉求",
    "企业诉求",
    "提个诉求",
    "提诉求",
    "帮我提个诉求",
    "有个问题",
    "我想反映",
    "我要提意见",
    "你好",
    "您好",
    "请问",
    "麻烦",
)

MIN_CONTENT_CHARS = 6
MAX_CONTENT_CHARS = 2000
MAX_NAME_CHARS = 100


class InvalidField(ValueError):
    """A form answer that cannot be accepted; `message` is shown to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def meaningful_length(text: str) -> int:
    """Count Chinese characters, letters and digits; punctuation and emoji do not count."""
    return len(_MEANINGFUL.findall(text))


def clean_phone(raw: str) -> str:
    """A Chinese mobile number or a 023 (Chongqing) landline, in a canonical form.

    Full-width digits (１３９…) count, an 8-digit local number is a 023 landline typed
    without its area code, and a sentence holding exactly one number ("电话是139…") gives it.
    """
    normalized = unicodedata.normalize("NFKC", raw or "")
    compact = _SEPARATORS.sub("", normalized)
    runs = _PHONE_RUN.findall(normalized)
    if len(runs) == 1 and not compact.isdigit():  # "电话是139…", "手机 139… 谢谢": the one number
        compact = _SEPARATORS.sub("", runs[0])
    if match := _MOBILE.match(compact):
        return match.group(1)
    if match := _LANDLINE.match(compact):
        return f"023-{match.group(1)}"
    if match := _LOCAL_LANDLINE.match(compact):
        return f"023-{match.group(1)}"
    raise InvalidField(
        "电话号码格式不对。请填写11位手机号（如 138xxxxxxxx），"
        "或023开头的重庆座机号（如 023-xxxxxxxx）。"
    )


def clean_name(raw: str, label: str) -> str:
    """An enterprise or person name: non-empty, not absurdly long, not just punctuation,
    not a phone number, not a bare word such as '好的' or '公司'."""
    value = " ".join((raw or "").split())
    if meaningful_length(value) < 2:
        raise InvalidField(f"{label}好像没有填写完整，请再输入一次。")
    digits = sum(c.isdigit() for c in unicodedata.normalize("NFKC", value))
    if digits >= 5:
        raise InvalidField(f"这看起来是电话号码，请先告诉我{label}。")
    if value.strip("。.！!，,~～") in _NOT_NAMES or (
        _REQUEST_VERB.search(value) and is_request_only(value)
    ):
        example = "（如“南川区××有限公司”）" if label == "企业名称" else ""
        raise InvalidField(f"请告诉我完整的{label}{example}。")
    if len(value) > MAX_NAME_CHARS:
        raise InvalidField(f"{label}太长了，请控制在{MAX_NAME_CHARS}个字以内。")
    return value


def strip_generic(text: str) -> str:
    """Remove bare request phrases so only the substance of an appeal remains."""
    rest = text or ""
    for phrase in sorted(_GENERIC_PHRASES, key=len, reverse=True):
        rest = rest.replace(phrase, "")
    return rest.strip(" ，,。.!！?？:：")


def clean_content(raw: str) -> str:
    """The appeal itself: it must say what the problem is, within a sane length."""
    value = (raw or "").strip()
    if meaningful_length(strip_generic(value)) < MIN_CONTENT_CHARS:
        raise InvalidField(
            "请具体说说遇到了什么问题，比如事项、地点、时间和希望怎么解决（至少6个字）。"
        )
    if len(value) > MAX_CONTENT_CHARS:
        raise InvalidField(
            f"诉求内容太长了，请精简到{MAX_CONTENT_CHARS}字以内，详细材料可稍后补充。"
        )
    return value


def content_from_opening(text: str) -> str | None:
    """The appeal content already in the opening message ('园区路灯坏了好久没人管'), if any."""
    try:
        return clean_content(text) if not text.startswith("/") else None
    except InvalidField:
        return None


@dataclass(frozen=True)
class Draft:
    """The four answers of the intake form."""

    enterprise_name: str
    contact_name: str
    contact_phone: str
    content: str

    def summary(self) -> str:
        return (
            f"企业名称：{self.enterprise_name}\n"
            f"联系人：{self.contact_name}\n"
            f"联系电话：{self.contact_phone}\n"
            f"诉求内容：{self.content}"
        )


# --- the problem described just before "帮我登记一下" -------------------------------------------

_REQUEST_WORDS = re.compile(
    r"要得|好的|好嘛|行|那就|那|就|帮我|帮忙|帮|给我|麻烦|请|把|这个|那个|这件|的|事情|事|情况|问题|"
    r"登记|反映|投诉|提个|提|诉求|一下|一哈|下|我要|我想|想|要|我们|我|吧|嘛|哈|呢|了|个|件"
)
_CLAUSES = re.compile(r"[？?。！!；;，,\n]+")
_QUESTION_CLAUSE = re.compile(
    r"多少|好多|电话|号码|热线|几天|哪个|哪里|找谁|谁管|咋个|怎么|咋办|吗$|不$|没得$|嘛$"
)
_LEADING = re.compile(r"^(还有|另外|对了|然后|而且)")


def is_request_only(text: str) -> bool:
    """'帮我登记一哈', '帮我把停水的事登记一下': asks to register but says no problem."""
    rest = _REQUEST_WORDS.sub("", text or "")
    return meaningful_length(rest) < 4


def content_from_history(current: str, previous: str | None) -> str | None:
    """The problem the user described in the message before a bare request to register it.

    Only the statements of that message are kept; its questions ('燃气报装电话多少？') are not
    part of the problem.
    """
    if not previous or not is_request_only(current) or previous.startswith("/"):
        return None
    clauses = [c.strip() for c in _CLAUSES.split(previous) if c.strip()]
    problems = [_LEADING.sub("", c) for c in clauses if not _QUESTION_CLAUSE.search(c)]
    if not problems:
        return None
    return content_from_opening("，".join(problems))


# --- a correction that already carries the new value ("电话错了，是139…") ---------------------

_NEW_VALUE = re.compile(r"(?:应该是|应为|改成|改为|换成|是|叫)[:：]?\s*(.+?)[。.!！]*$")
_DIGITS = re.compile(r"[0-9０-９][0-9０-９\s\-－]{6,}[0-9０-９]")


def inline_value(field: str, text: str) -> str | None:
    """The clean new value a correction message gives for ``field``, if it gives a valid one."""
    try:
        if field == "contact_phone":
            match = _DIGITS.search(text or "")
            return clean_phone(match.group(0)) if match else None
        match = _NEW_VALUE.search(text or "")
        if not match:
            return None
        if field == "enterprise_name":
            return clean_name(match.group(1), "企业名称")
        if field == "contact_name":
            return clean_name(match.group(1), "联系人")
        if field == "appeal_content":
            return clean_content(match.group(1))
    except InvalidField:
        return None
    return None
