"""Text helpers shared by the channels: platform length limits and XML safety.

Why: WeChat limits messages in UTF-8 bytes and Telegram in UTF-16 code units, not in
Python characters, and a bot text is placed verbatim inside a CDATA section of WeChat's
XML reply, so both need care that `len()` and string formatting do not give.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# Characters XML 1.0 forbids anywhere, CDATA included (tab, LF and CR are allowed).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_safe(text: str) -> str:
    """Drop the characters that would make the XML document invalid."""
    return _XML_ILLEGAL.sub("", text)


def cdata_safe(text: str) -> str:
    """Text that can sit inside `<![CDATA[...]]>` and parse back to itself.

    A `]]>` in the text would close the section early; splitting it across two sections
    keeps the content identical for any XML parser.
    """
    return xml_safe(text).replace("]]>", "]]]]><![CDATA[>")


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int, measure: Callable[[str], int] = utf8_len) -> list[str]:
    """Split `text` into chunks of at most `limit` (as `measure` counts), on line boundaries.

    Lines are kept whole when they fit; a single line longer than the limit is cut between
    characters. Blank chunks are dropped, so an empty text gives an empty list.
    """
    if limit < 4:
        raise ValueError("limit too small to hold any character")
    chunks: list[str] = []
    lines: list[str] = []
    size = 0

    def flush() -> None:
        nonlocal lines, size
        chunk = "\n".join(lines).strip("\n")
        if chunk.strip():
            chunks.append(chunk)
        lines, size = [], 0

    for line in text.strip().split("\n"):
        line_size = measure(line)
        if line_size > limit:
            flush()
            chunks.extend(piece for piece in _cut(line, limit, measure) if piece.strip())
            continue
        needed = line_size if not lines else size + measure("\n") + line_size
        if needed > limit:
            flush()
            lines, size = [line], line_size
        else:
            lines.append(line)
            size = needed
    flush()
    return chunks


def _cut(line: str, limit: int, measure: Callable[[str], int]) -> list[str]:
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for char in line:
        char_size = measure(char)
        if size + char_size > limit:
            pieces.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += char_size
    if current:
        pieces.append("".join(current))
    return pieces
