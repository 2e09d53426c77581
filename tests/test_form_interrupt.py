"""Which messages typed into the appeal form are not answers (bot.form_interrupt)."""

from __future__ import annotations

import pytest

from bot.form_interrupt import GOODBYE, QUESTION, STATUS, kind


@pytest.mark.parametrize(
    ("text", "intent", "slot", "expected"),
    [
        ("好了先不说了 拜拜", "goodbye", "contact_name", GOODBYE),
        ("我那个诉求现在到哪一步了", "ask_appeal_status", "contact_phone", STATUS),
        ("对了，限下招标监管电话是好多", "ask_hotline", "enterprise_name", QUESTION),
        ("一码办热线多少", "ask_hotline", "contact_name", QUESTION),
        ("李大海", "ask_hotline", "contact_name", None),
        ("13500001111", "ask_hotline", "contact_phone", None),
        # a complaint worded as a question is the content, not a side question
        ("说好两天通水 为啥十天了还没通", "ask_scheme_water", "appeal_content", None),
        ("/affirm", "affirm", "contact_name", None),
    ],
)
def test_interruptions(text: str, intent: str, slot: str, expected: str | None) -> None:
    assert kind(text, intent, 0.9, slot) == expected
