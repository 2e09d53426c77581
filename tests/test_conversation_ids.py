"""Conversation ids namespaced by channel (issue 14 item 1)."""

from __future__ import annotations

import pytest

from bot.conversation_ids import (
    ForeignConversation,
    conversation_id,
    owner_of,
    recipient_for,
    split_conversation_id,
)


def test_each_channel_has_its_own_namespace() -> None:
    assert conversation_id("wechat", "oAbc") == "wechat:oAbc"
    assert conversation_id("telegram", "42") == "telegram:42"
    assert conversation_id("rest", "me") == "rest:me"
    assert conversation_id("rest", "wechat:oAbc") == "rest:wechat:oAbc"
    assert conversation_id("wechat", "wechat:oAbc") == "wechat:oAbc"  # already namespaced
    assert conversation_id("cmdline", "uuid") == "uuid"


def test_owner_comes_from_the_namespace_not_the_claimed_input_channel() -> None:
    assert owner_of("wechat:oAbc", "rest") == ("wechat", "oAbc")
    assert owner_of("rest:wechat:oAbc", "wechat") == ("rest", "wechat:oAbc")
    assert owner_of("oAbc", "wechat") == ("rest", "oAbc")  # a bare id proves nothing
    assert owner_of("oAbc", None) == ("rest", "oAbc")
    assert owner_of("uuid", "cmdline") == ("cmdline", "uuid")
    assert split_conversation_id("evil:1") == (None, "evil:1")


def test_output_channels_refuse_other_namespaces() -> None:
    assert recipient_for("telegram", "telegram:42") == "42"
    assert recipient_for("telegram", "42") == "42"
    assert recipient_for("wechat", "wechat:oAbc") == "oAbc"
    for channel, recipient in (("wechat", "telegram:42"), ("telegram", "rest:42")):
        with pytest.raises(ForeignConversation):
            recipient_for(channel, recipient)
