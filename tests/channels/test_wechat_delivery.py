"""WeChat webhook: passive replies, the five-second rule, retries and pushes."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import xmltodict

from bot.channels.common import notes
from bot.channels.common.state import RedisStore
from tests.channels.conftest import MakeWeChat
from tests.channels.fake_rasa import FakeRasa
from tests.channels.wechat_callbacks import new_msg_id


@pytest.mark.parametrize("aes", [False, True], ids=["plain", "safe"])
def test_text_round_trip(make_wechat: MakeWeChat, aes: bool) -> None:
    stack = make_wechat(aes=aes)
    openid = f"o_round_trip_{int(aes)}"
    msg_id = new_msg_id()
    response, reply = stack.send(stack.account.text(openid, "燃气报装打哪个电话", msg_id))
    assert response.status_code == 200
    assert reply is not None
    assert reply["Content"] == "收到：燃气报装打哪个电话"
    assert (reply["ToUserName"], reply["FromUserName"]) == (openid, stack.account.account_id)
    assert reply["MsgType"] == "text"
    [turn] = stack.rasa.turns
    assert (turn.sender_id, turn.input_channel) == (f"wechat:{openid}", "wechat")
    assert turn.metadata["wechat"]["msg_id"] == msg_id
    assert turn.output_channel.name() == "wechat"


def test_emoji_round_trip(make_wechat: MakeWeChat) -> None:
    stack = make_wechat(aes=True)
    assert stack.say("o_emoji", "你好👋🏽，请问😀") == "收到：你好👋🏽，请问😀"


def test_same_msgid_three_times_is_one_turn(make_wechat: MakeWeChat) -> None:
    stack = make_wechat()
    xml = stack.account.text("o_retry_seq", "企业开办要多久")
    replies = [stack.send(xml)[1] for _ in range(3)]  # fresh nonce each time, as WeChat does
    assert [r["Content"] for r in replies if r] == ["收到：企业开办要多久"] * 3
    assert stack.rasa.count() == 1


def test_same_msgid_three_times_concurrently_is_one_turn(make_wechat: MakeWeChat) -> None:
    stack = make_wechat(rasa=FakeRasa(delay=0.3))
    xml = stack.account.text("o_retry_conc", "你好")
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda _: stack.send(xml), range(3)))
    assert all(response.status_code == 200 for response, _ in results)
    assert [reply["Content"] for _, reply in results if reply] == ["收到：你好"] * 3
    assert stack.rasa.count() == 1


def test_slow_turn_answers_success_then_pushes(make_wechat: MakeWeChat) -> None:
    stack = make_wechat(reply_budget=0.5, rasa=FakeRasa(delay=2.0))
    openid = "o_slow_turn"
    started = time.monotonic()
    response, reply = stack.send(stack.account.text(openid, "慢一点的问题"))
    elapsed = time.monotonic() - started
    assert (response.status_code, response.text, reply) == (200, "success", None)
    assert 0.45 < elapsed < 1.6  # the budget, not the turn's two seconds
    assert stack.api.wait_pushed(openid, 1) == ["收到：慢一点的问题"]


def test_slow_turn_retries_wait_and_never_run_twice(make_wechat: MakeWeChat) -> None:
    stack = make_wechat(reply_budget=0.4, rasa=FakeRasa(delay=1.0))
    openid = "o_slow_retry"
    xml = stack.account.text(openid, "慢问题")
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda _: stack.send(xml), range(3)))
    assert [response.text for response, _ in results] == ["success"] * 3
    assert stack.api.wait_pushed(openid, 1) == ["收到：慢问题"]
    time.sleep(0.3)
    assert stack.api.pushed_texts(openid) == ["收到：慢问题"]
    assert stack.rasa.count() == 1
    later, _ = stack.send(xml)  # a retry after the push: still no second turn
    assert later.text == "success" and stack.rasa.count() == 1


def test_messages_before_and_after_the_budget_keep_their_order(make_wechat: MakeWeChat) -> None:
    rasa = FakeRasa()
    rasa.script["分步"] = [
        {"text": "第一步"},
        {"sleep": 0.8},
        {"text": "第二步"},
        {"text": "第三步"},
    ]
    stack = make_wechat(reply_budget=0.3, rasa=rasa)
    response, _ = stack.send(stack.account.text("o_order", "分步"))
    assert response.text == "success"
    assert stack.api.wait_pushed("o_order", 3) == ["第一步", "第二步", "第三步"]


def test_long_answer_is_split_passive_first_rest_pushed(make_wechat: MakeWeChat) -> None:
    rasa = FakeRasa()
    lines = [f"第{i}项：{'办理材料说明' * 12}" for i in range(40)]  # ≈ 9 KB
    rasa.script["长"] = [{"text": "\n".join(lines)}]
    stack = make_wechat(rasa=rasa)
    first = stack.say("o_long", "长")
    assert first is not None and len(first.encode()) <= 2048
    assert first.startswith("第0项")
    rest = stack.api.wait_pushed("o_long", 4)
    assert all(len(part.encode()) <= 2048 for part in rest)
    assert "\n".join([first, *rest]).split("\n") == lines  # split on line boundaries only


def test_one_very_long_line_is_cut_within_limits(make_wechat: MakeWeChat) -> None:
    rasa = FakeRasa()
    rasa.script["长行"] = [{"text": "办" * 1000 + "😀" * 300}]  # 4200 bytes, one line
    stack = make_wechat(rasa=rasa)
    first = stack.say("o_long_line", "长行")
    rest = stack.api.wait_pushed("o_long_line", 2)
    assert first is not None
    assert all(len(part.encode()) <= 2048 for part in [first, *rest])
    assert first + "".join(rest) == "办" * 1000 + "😀" * 300


def test_cdata_terminator_in_bot_text_cannot_break_out(make_wechat: MakeWeChat) -> None:
    rasa = FakeRasa()
    evil = "a]]></Content><MsgType><![CDATA[news]]></MsgType><Content><![CDATA[b"
    rasa.script["evil"] = [{"text": evil}]
    for aes in (False, True):
        stack = make_wechat(aes=aes, rasa=rasa)
        _, reply = stack.send(stack.account.text("o_cdata", "evil"))
        assert reply is not None
        assert reply["Content"] == evil
        assert reply["MsgType"] == "text"
    plain = make_wechat(rasa=rasa)
    raw = plain.post(plain.account.signed(plain.account.text("o_cdata2", "evil"))).text
    assert list(xmltodict.parse(raw)["xml"]).count("MsgType") == 1


def test_multiple_bot_messages_join_in_one_passive_reply(make_wechat: MakeWeChat) -> None:
    rasa = FakeRasa()
    rasa.script["两条"] = [{"text": "第一段"}, {"text": "第二段"}]
    stack = make_wechat(rasa=rasa)
    assert stack.say("o_two", "两条") == "第一段\n\n第二段"


def test_numbered_buttons_round_trip(make_wechat: MakeWeChat) -> None:
    rasa = FakeRasa()
    rasa.script["/greet"] = [
        {
            "text": "您好！请选择：",
            "buttons": [
                {"title": "查办事材料", "payload": "/ask_materials"},
                {"title": "查咨询电话", "payload": '/ask_hotline{"hotline_topic":"燃气"}'},
            ],
        }
    ]
    stack = make_wechat(rasa=rasa)
    openid = "o_buttons"
    assert stack.say(openid, "/greet") == "您好！请选择：\n1. 查办事材料\n2. 查咨询电话"
    assert stack.say(openid, "２") == '收到：/ask_hotline{"hotline_topic":"燃气"}'
    assert stack.rasa.turns[-1].metadata["wechat"]["button"]["title"] == "查咨询电话"
    # The answer had no buttons: a later "1" is ordinary text again.
    assert stack.say(openid, "1") == "收到：1"
    # A number beyond the options is ordinary text too.
    stack.say(openid, "/greet")
    assert stack.say(openid, "3") == "收到：3"


def test_voice_image_and_events(make_wechat: MakeWeChat) -> None:
    stack = make_wechat(click_intents={"MENU_HOTLINE": "/ask_hotline"})
    openid = "o_kinds"
    assert stack.content(stack.account.voice(openid, "燃气报装电话是多少")) == (
        "收到：燃气报装电话是多少"
    )
    assert stack.rasa.turns[-1].metadata["wechat"]["voice"] is True
    assert stack.content(stack.account.voice(openid, None)) == notes.VOICE_UNCLEAR
    assert stack.content(stack.account.image(openid)) == notes.WECHAT_TEXT_ONLY
    assert stack.rasa.texts() == ["燃气报装电话是多少"]

    subscribe = stack.account.event(openid, "subscribe")
    for _ in range(3):  # retries of an event: FromUserName + CreateTime
        assert stack.content(subscribe) == "收到：/greet"
    click = stack.account.event(openid, "CLICK", "MENU_HOTLINE", 1700000001)
    assert stack.content(click) == "收到：/ask_hotline"
    assert stack.content(stack.account.event(openid, "CLICK", "UNKNOWN", 1700000002)) is None
    assert stack.content(stack.account.event(openid, "VIEW", "https://example.invalid/")) is None
    assert stack.rasa.texts() == ["燃气报装电话是多少", "/greet", "/ask_hotline"]


def test_unsubscribe_is_recorded_and_cleared_on_subscribe(make_wechat: MakeWeChat) -> None:
    stack = make_wechat()
    openid = "o_unsub"
    response, _ = stack.send(stack.account.event(openid, "unsubscribe", create_time=1700000100))
    assert response.text == "success"
    record = stack.server.call(stack.channel.store.get(f"unsubscribed:{openid}"))
    assert record == '{"at": 1700000100}'
    assert stack.rasa.count() == 0
    stack.send(stack.account.event(openid, "subscribe", "qrscene_district", 1700000200))
    assert stack.server.call(stack.channel.store.get(f"unsubscribed:{openid}")) is None
    assert stack.rasa.turns[-1].metadata["wechat"]["scene"] == "district"


def test_dialogue_failure_is_apologised_for(make_wechat: MakeWeChat) -> None:
    rasa = FakeRasa()
    rasa.failing.add("坏")
    stack = make_wechat(rasa=rasa)
    assert stack.say("o_fail", "坏") == notes.BUSY


def test_redis_dedupe_across_two_instances(
    make_wechat: MakeWeChat, redis_url: str, redis_prefix: str
) -> None:
    """Two server instances behind one URL share Redis: a retry on the other is no new turn."""
    rasa = FakeRasa(delay=0.2)
    first = make_wechat(rasa=rasa, store=RedisStore(redis_url, redis_prefix))
    second = make_wechat(rasa=rasa, store=RedisStore(redis_url, redis_prefix))
    xml = first.account.text("o_two_instances", "你好")
    stacks = [first, second, second]
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda s: s.send(xml), stacks))
    assert [reply["Content"] for _, reply in results if reply] == ["收到：你好"] * 3
    assert rasa.count() == 1


def test_redis_dedupe_for_slow_turns(
    make_wechat: MakeWeChat, redis_url: str, redis_prefix: str
) -> None:
    rasa = FakeRasa(delay=0.8)
    store = RedisStore(redis_url, redis_prefix)
    stack = make_wechat(
        rasa=rasa, store=store, reply_budget=0.3, redis_url=redis_url, redis_prefix=redis_prefix
    )
    xml = stack.account.text("o_redis_slow", "你好")
    assert [stack.send(xml)[0].text for _ in range(3)] == ["success"] * 3
    assert stack.api.wait_pushed("o_redis_slow", 1) == ["收到：你好"]
    assert rasa.count() == 1
    import redis

    token_key = f"{redis_prefix}wechatpy:{stack.channel.settings.appid}_access_token"
    assert redis.Redis.from_url(redis_url).get(token_key) is not None  # token shared via Redis


def test_custom_payloads_send_only_their_text(make_wechat: MakeWeChat) -> None:
    rasa = FakeRasa()
    rasa.script["自定义"] = [{"custom": {"text": "自定义文本"}}, {"custom": {"map": [1, 2]}}]
    stack = make_wechat(rasa=rasa)
    assert stack.say("o_custom", "自定义") == "自定义文本"
