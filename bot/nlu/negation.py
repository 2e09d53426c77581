"""Negation scope for Chinese messages: which tokens a 不/没/别/取消 applies to.

Word and character n-grams see 不太满意 as 满意 plus noise, so "not quite satisfied" reads
like "satisfied" and 不接收通知 like "receive notices". Marking every token between a
negation cue and the end of its clause (punctuation or a contrast word such as 但是) gives
the classifier a separate feature for "满意 under negation".
"""

from __future__ import annotations

from collections.abc import Sequence

# Tokens that open a negation scope: jieba keeps 不/没/别 either alone or fused with the
# next word (不太, 不是, 没有, 不想, 不用), so a cue is any token starting with one of these.
CUE_PREFIXES = ("不", "没", "别", "莫", "未", "无", "甭")
# Whole tokens that negate what follows although they start with no prefix above.
CUE_WORDS = frozenset({"取消", "退订", "停止", "拒绝"})
# Lexicalised words that start like a cue but are not negations of what follows.
NOT_CUES = frozenset({"不错", "不客气", "无论", "不管", "没事", "别的", "别人", "未来"})
# A contrast word closes the scope (不满意但是态度好: 态度好 is not negated); closers are
# checked before cues, so 不过 ("but") is never read as a negation.
SCOPE_CLOSERS = frozenset({"但", "但是", "不过", "可是", "就是", "而且", "还有"})
PUNCTUATION = frozenset("，。！？；、,.!?;~…：:（）() \t\n")
PREFIX = "neg_"
CUE_MARK = PREFIX + "_cue"


def is_cue(token: str) -> bool:
    """True when the token negates what follows it in its clause."""
    if token in NOT_CUES:
        return False
    return token in CUE_WORDS or token.startswith(CUE_PREFIXES)


def closes_scope(token: str) -> bool:
    """True for punctuation and contrast words, which end a negation scope."""
    return token in SCOPE_CLOSERS or all(ch in PUNCTUATION for ch in token)


def negated_tokens(tokens: Sequence[str]) -> list[str]:
    """One entry per token: ``neg_<token>`` inside a negation scope, ``neg__cue`` for a cue,
    else an empty string.

    Every cue becomes the one shared token ``neg__cue``, so 不/没/别/莫要/取消 count as the same
    signal (a message says "no" whatever word it uses); a second cue inside a scope keeps
    the scope open (不是不满意 is rare in service chat and the plain features see both cues).
    """
    marked: list[str] = []
    in_scope = False
    for token in tokens:
        if closes_scope(token):
            in_scope = False
            marked.append("")
        elif is_cue(token):
            in_scope = True
            marked.append(CUE_MARK)
        else:
            marked.append(PREFIX + token if in_scope else "")
    return marked
