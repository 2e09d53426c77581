"""WeChat webhook: authentication, replay protection and hostile bodies never reach Rasa."""

from __future__ import annotations

import time

import requests

from tests.channels.conftest import TOKEN, MakeWeChat
from tests.channels.wechat_callbacks import Callback, sign

OPENID = "o_security_user_0000000000001"


def test_get_verification_echoes_only_for_a_valid_signature(make_wechat: MakeWeChat) -> None:
    stack = make_wechat()
    ts, nonce = str(int(time.time())), "nonce123"
    good = {"signature": sign(TOKEN, ts, nonce), "timestamp": ts, "nonce": nonce}
    reply = requests.get(stack.url, params={**good, "echostr": "echo-4711"}, timeout=5)
    assert (reply.status_code, reply.text) == (200, "echo-4711")

    forged = {**good, "signature": sign("wrong-token", ts, nonce), "echostr": "x"}
    assert requests.get(stack.url, params=forged, timeout=5).status_code == 403
    old = str(int(time.time()) - 3600)
    stale = {"signature": sign(TOKEN, old, nonce), "timestamp": old, "nonce": nonce}
    assert requests.get(stack.url, params={**stale, "echostr": "x"}, timeout=5).status_code == 403
    assert requests.get(stack.url, params=good, timeout=5).status_code == 400  # no echostr


def test_forged_signature_is_refused(make_wechat: MakeWeChat) -> None:
    stack = make_wechat()
    callback = stack.account.signed(stack.account.text(OPENID, "你好"))
    callback.params["signature"] = sign("not-the-token", callback.params["timestamp"], "x")
    assert stack.post(callback).status_code == 403
    missing = stack.account.signed(stack.account.text(OPENID, "你好"))
    del missing.params["signature"]
    assert stack.post(missing).status_code == 403
    assert stack.rasa.count() == 0


def test_stale_and_future_timestamps_are_refused(make_wechat: MakeWeChat) -> None:
    stack = make_wechat()
    now = int(time.time())
    for ts in (now - 301, now + 301, 0):
        reply = stack.post(stack.account.signed(stack.account.text(OPENID, "你好"), timestamp=ts))
        assert reply.status_code == 403
    assert stack.post(
        stack.account.signed(stack.account.text(OPENID, "你好"), timestamp=now - 250)
    ).ok
    assert stack.rasa.count() == 1


def test_replayed_nonce_with_another_body_is_refused(make_wechat: MakeWeChat) -> None:
    stack = make_wechat()
    first = stack.account.signed(stack.account.text(OPENID, "第一条"))
    assert stack.post(first).status_code == 200
    # The captured query string carried with another body: a replay.
    replay = Callback(dict(first.params), stack.account.text(OPENID, "伪造的消息").encode())
    assert stack.post(replay).status_code == 403
    # The identical request again is WeChat retrying: answered, but no second turn.
    again = stack.post(first)
    assert again.status_code == 200
    assert (stack.account.read_reply(again.text) or {}).get("Content") == "收到：第一条"
    assert stack.rasa.texts() == ["第一条"]


def test_safe_mode_refuses_plaintext_and_bad_msg_signature(make_wechat: MakeWeChat) -> None:
    stack = make_wechat(aes=True)
    plain = stack.account.signed(stack.account.text(OPENID, "明文"))
    for key in ("encrypt_type", "msg_signature"):
        plain.params.pop(key, None)
    plain.body = stack.account.text(OPENID, "明文").encode()
    assert stack.post(plain).status_code == 403

    bad = stack.account.signed(stack.account.text(OPENID, "你好"))
    bad.params["msg_signature"] = "0" * 40
    assert stack.post(bad).status_code == 403

    tampered = stack.account.signed(stack.account.text(OPENID, "你好"))
    tampered.body = tampered.body.replace(b"<Encrypt><![CDATA[", b"<Encrypt><![CDATA[AAAA")
    assert stack.post(tampered).status_code == 403  # msg_signature no longer matches
    assert stack.rasa.count() == 0


def test_message_for_another_app_is_refused(make_wechat: MakeWeChat) -> None:
    from tests.channels.wechat_callbacks import WeChatAccount

    stack = make_wechat(aes=True)
    other = WeChatAccount(TOKEN, "wx_other_app_id_00", stack.account.aes_key)
    assert stack.post(other.signed(other.text(OPENID, "你好"))).status_code == 403
    assert stack.rasa.count() == 0


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE xml [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<xml><ToUserName><![CDATA[gh_x]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName>
<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>
<Content>&lol9;</Content><MsgId>1234567890123456</MsgId></xml>"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><ToUserName><![CDATA[gh_x]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName>
<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>
<Content>&xxe;</Content><MsgId>1234567890123457</MsgId></xml>"""


def test_xml_bomb_and_xxe_are_refused_without_expansion(make_wechat: MakeWeChat) -> None:
    for aes in (False, True):
        stack = make_wechat(aes=aes)
        for document in (BILLION_LAUGHS % OPENID, XXE % OPENID):
            started = time.monotonic()
            reply = stack.post(stack.account.signed(document))
            assert reply.status_code == 400
            assert "root:" not in reply.text
            assert time.monotonic() - started < 2
        assert stack.rasa.count() == 0


def test_oversize_and_malformed_bodies(make_wechat: MakeWeChat) -> None:
    stack = make_wechat()
    big = stack.account.text(OPENID, "长" * 30000)  # 90 KB of UTF-8
    assert stack.post(stack.account.signed(big)).status_code == 413

    def chunks(callback: Callback):  # no Content-Length: the stream is cut at the limit
        for start in range(0, len(callback.body), 4096):
            yield callback.body[start : start + 4096]

    streamed = stack.account.signed(big)
    reply = requests.post(stack.url, params=streamed.params, data=chunks(streamed), timeout=10)
    assert reply.status_code == 413

    for body in ("<xml><Content>半截", "not xml at all", "<xml><MsgType>text</MsgType></xml>"):
        assert stack.post(stack.account.signed(body)).status_code == 400
    twice = stack.account.text(OPENID, "a").replace(
        "</xml>", "<FromUserName>b</FromUserName></xml>"
    )
    assert stack.post(stack.account.signed(twice)).status_code == 400
    # Issue 14: an openid naming another channel's namespace never becomes a conversation id.
    for sender in ("telegram:42", "rest:o_x", "o x", ""):
        assert stack.post(stack.account.signed(stack.account.text(sender, "a"))).status_code == 400
    assert stack.rasa.count() == 0
