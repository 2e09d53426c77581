"""Text normalisation shared by the knowledge search and its matchers.

Why one place: the user's text and the knowledge base's names must be reduced the same way
(full-width digits and colons, brackets, punctuation, case) before any comparison, otherwise
"1:500现状地形图" and "1：500现状地形图" would never meet.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import yaml

_DROP = re.compile(r"[\s\"'“”‘’「」『』《》〈〉【】、，。；;,.!！?？~～…·:\-—_/\\|]+")
_PARENS = re.compile(r"[（(][^（）()]*[）)]")
SYNONYMS_FILE = Path(__file__).resolve().parent / "synonyms.yaml"


def norm(text: str) -> str:
    """NFKC (full-width → half-width), lower case, without whitespace and punctuation.

    Brackets are kept (as ASCII) so that a material's note can still be told apart.
    """
    text = unicodedata.normalize("NFKC", text or "").lower()
    text = text.replace("：", ":")
    return _DROP.sub("", text)


def strip_notes(name: str) -> str:
    """A name without its bracketed notes: “A（含B（C）D）（E）” → “A”."""
    previous = None
    text = unicodedata.normalize("NFKC", name)
    while previous != text:
        previous, text = text, _PARENS.sub("", text)
    return text


def notes_of(name: str) -> list[str]:
    """The outermost bracketed notes of a name, in order (what "A（含B（C）D）（E）" adds to A)."""
    text = unicodedata.normalize("NFKC", name)
    notes, depth, current = [], 0, ""
    for char in text:
        if char == "(":
            depth += 1
            if depth == 1:
                current = ""
                continue
        elif char == ")":
            depth -= 1
            if depth == 0:
                notes.append(current)
                continue
        if depth >= 1:
            current += char
    return notes


def longest_common(a: str, b: str) -> int:
    """Length of the longest common substring (dynamic programming; the strings are short)."""
    if not a or not b:
        return 0
    best = 0
    prev = [0] * (len(b) + 1)
    for ca in a:
        cur = [0] * (len(b) + 1)
        for j, cb in enumerate(b, 1):
            if ca == cb:
                cur[j] = prev[j - 1] + 1
                if cur[j] > best:
                    best = cur[j]
        prev = cur
    return best


@lru_cache(maxsize=1)
def synonym_groups() -> tuple[tuple[str, ...], ...]:
    """The synonym groups of synonyms.yaml, normalised; the first entry is the KB's word."""
    data = yaml.safe_load(SYNONYMS_FILE.read_text(encoding="utf-8"))
    groups = []
    for group in data["groups"]:
        words = tuple(norm(str(w)) for w in group)
        if len(words) < 2 or not all(words):
            raise ValueError(f"{SYNONYMS_FILE.name}: bad group {group!r}")
        groups.append(words)
    return tuple(groups)


def expand(text: str) -> str:
    """The normalised text with the KB word of every synonym it contains appended.

    Single-character variants (气, 电) only count as a word of their own is impossible to tell
    in Chinese, so they are skipped here; longer variants are reliable enough.
    """
    base = norm(text)
    extra = [
        group[0]
        for group in synonym_groups()
        if group[0] not in base and any(len(w) > 1 and w in base for w in group[1:])
    ]
    if not has_chinese(base):  # an English question: only the words it stands for
        return " ".join(extra)
    return base + "".join(f" {w}" for w in extra)


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text)
