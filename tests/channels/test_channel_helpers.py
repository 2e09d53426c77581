"""Pure helpers: text limits, XML safety, choices, stores and dedupe."""

from __future__ import annotations

import asyncio
import time

import pytest
import xmltodict

from bot.channels.common.buttons import ButtonMemory, choice_number, render_numbered
from bot.channels.common.dedupe import PASSIVE, Deliveries, NonceGuard, Outcome
from bot.channels.common.state import MemoryStore, RedisStore, StateStore
from bot.channels.common.text import cdata_safe, split_text, utf8_len, utf16_len
from bot.channels.wechat.output import render_text_reply
from bot.channels.wechat.xmlsafe import XmlRejected, parse_xml


def test_split_text_respects_byte_limits_and_lines() -> None:
    text = "\n".join(["甲" * 300, "乙" * 300, "丙" * 300])  # 900 bytes per line
    assert split_text(text, 2048) == ["甲" * 300 + "\n" + "乙" * 300, "丙" * 300]
    assert split_text("", 2048) == [] and split_text("\n\n", 2048) == []
    emoji = "😀" * 3000  # two UTF-16 code units each
    parts = split_text(emoji, 4096, utf16_len)
    assert [utf16_len(p) for p in parts] == [4096, 1904]
    assert "".join(parts) == emoji
    assert all(utf8_len(p) <= 10 for p in split_text("办办办办办", 10))


def test_cdata_safe_round_trips_through_an_xml_parser() -> None:
    for text in ("a]]>b", "]]>]]>", "x\x00y\x1bz", "正常文本", "<b>&amp;</b>"):
        document = f"<xml><C><![CDATA[{cdata_safe(text)}]]></C></xml>"
        parsed = xmltodict.parse(document)["xml"]["C"] or ""
        assert parsed == text.replace("\x00", "").replace("\x1b", "")


def test_text_reply_content_is_escaped() -> None:
    xml = render_text_reply("a]]><x/>", "gh_1", "o_1")
    assert parse_xml(xml)["Content"] == "a]]><x/>"


def test_parse_xml_refuses_dtds() -> None:
    with pytest.raises(XmlRejected):
        parse_xml('<!DOCTYPE xml SYSTEM "file:///etc/passwd"><xml><a>1</a></xml>')
    with pytest.raises(XmlRejected):
        parse_xml(b"\xff\xfe<\x00x\x00")
    assert parse_xml("<xml><a><![CDATA[<!DOCTYPE x>]]></a></xml>") == {"a": "<!DOCTYPE x>"}


def test_choice_numbers() -> None:
    assert [choice_number(t) for t in ("1", " 2 ", "３", "1.", "2、", "第3项", "10")] == [
        1,
        2,
        3,
        1,
        2,
        3,
        10,
    ]
    assert [choice_number(t) for t in ("", None, "1个电话", "12345", "一", "1 2")] == [None] * 6
    assert (
        render_numbered("请选择", [{"title": "甲"}, {"title": "乙"}], 3) == "请选择\n3. 甲\n4. 乙"
    )


async def _store_semantics(store: StateStore) -> None:
    assert await store.claim("k", "v1", 0.3)
    assert not await store.claim("k", "v2", 0.3)
    assert await store.get("k") == "v1"
    await asyncio.sleep(0.4)
    assert await store.get("k") is None
    assert await store.claim("k", "v3", 5)
    await store.delete("k")
    assert await store.get("k") is None

    deliveries = Deliveries(store, ttl=5, poll_interval=0.01)
    assert await deliveries.claim("m1")
    assert not await deliveries.claim("m1")
    assert await deliveries.wait("m1", 0.05) is None  # still pending

    async def finish_later() -> None:
        await asyncio.sleep(0.1)
        await deliveries.finish("m1", Outcome(PASSIVE, "答复"))

    started = time.monotonic()
    _, outcome = await asyncio.gather(finish_later(), deliveries.wait("m1", 2))
    assert outcome == Outcome(PASSIVE, "答复") and time.monotonic() - started < 1

    nonces = NonceGuard(store, ttl=5)
    assert await nonces.accept("1700000000", "n1", "digest-a")
    assert await nonces.accept("1700000000", "n1", "digest-a")  # a retry
    assert not await nonces.accept("1700000000", "n1", "digest-b")  # a replay

    memory = ButtonMemory(store, ttl=5)
    await memory.remember("u", [{"title": "甲", "payload": "/a"}])
    assert await memory.resolve("u", "1") == {"title": "甲", "payload": "/a"}
    assert await memory.resolve("u", "2") is None
    await memory.remember("u", [])
    assert await memory.resolve("u", "1") is None


def test_memory_store() -> None:
    asyncio.run(_store_semantics(MemoryStore("t:")))


def test_memory_store_sweeps_expired_keys() -> None:
    store = MemoryStore()

    async def fill() -> None:
        for i in range(MemoryStore.SWEEP_EVERY * 2):
            await store.set(f"k{i}", "v", 0.001)
            if i == 10:
                await asyncio.sleep(0.01)

    asyncio.run(fill())
    assert len(store) < MemoryStore.SWEEP_EVERY * 2


def test_redis_store(redis_url: str, redis_prefix: str) -> None:
    asyncio.run(_store_semantics(RedisStore(redis_url, redis_prefix)))


def test_redis_claim_is_atomic_under_contention(redis_url: str, redis_prefix: str) -> None:
    store = RedisStore(redis_url, redis_prefix)

    async def race() -> list[bool]:
        return list(await asyncio.gather(*(store.claim("same", "x", 5) for _ in range(50))))

    assert sum(asyncio.run(race())) == 1
