"""Signed WeChat callbacks, built the way the WeChat server builds them (tests, bench).

The signature is computed here independently of the channel's code; safe-mode bodies are
encrypted with wechatpy's WeChatCrypto, the same crypto the platform's SDKs use.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import os
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import xmltodict
from wechatpy.crypto import WeChatCrypto

_msg_ids = itertools.count(int(time.time() * 1000) * 1000)


def new_msg_id() -> str:
    return str(next(_msg_ids))


def new_aes_key() -> str:
    """A random EncodingAESKey (43 characters, as the official account console shows)."""
    return base64.b64encode(os.urandom(32)).decode("ascii").rstrip("=")


def sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def _cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


@dataclass
class Callback:
    params: dict[str, str]
    body: bytes


@dataclass
class WeChatAccount:
    token: str
    appid: str
    aes_key: str | None = None
    account_id: str = "gh_qihu0test"
    crypto: WeChatCrypto | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        if self.aes_key:
            self.crypto = WeChatCrypto(self.token, self.aes_key, self.appid)

    # -- messages -------------------------------------------------------------------------

    def xml(self, openid: str, msg_type: str, fields: dict[str, str], create_time: int) -> str:
        parts = [
            f"<ToUserName>{_cdata(self.account_id)}</ToUserName>",
            f"<FromUserName>{_cdata(openid)}</FromUserName>",
            f"<CreateTime>{create_time}</CreateTime>",
            f"<MsgType>{_cdata(msg_type)}</MsgType>",
        ]
        for name, value in fields.items():
            body = value if name in ("MsgId",) else _cdata(value)
            parts.append(f"<{name}>{body}</{name}>")
        return "<xml>" + "".join(parts) + "</xml>"

    def text(self, openid: str, content: str, msg_id: str | None = None) -> str:
        fields = {"Content": content, "MsgId": msg_id or new_msg_id()}
        return self.xml(openid, "text", fields, int(time.time()))

    def voice(self, openid: str, recognition: str | None, msg_id: str | None = None) -> str:
        fields = {"MediaId": "media-1", "Format": "amr"}
        if recognition is not None:
            fields["Recognition"] = recognition
        fields["MsgId"] = msg_id or new_msg_id()
        return self.xml(openid, "voice", fields, int(time.time()))

    def image(self, openid: str, msg_id: str | None = None) -> str:
        fields = {
            "PicUrl": "http://127.0.0.1/p.jpg",
            "MediaId": "m",
            "MsgId": msg_id or new_msg_id(),
        }
        return self.xml(openid, "image", fields, int(time.time()))

    def event(self, openid: str, event: str, key: str = "", create_time: int | None = None) -> str:
        fields = {"Event": event}
        if key:
            fields["EventKey"] = key
        return self.xml(openid, "event", fields, create_time or int(time.time()))

    # -- signing --------------------------------------------------------------------------

    def signed(
        self,
        xml: str,
        timestamp: int | None = None,
        nonce: str | None = None,
        openid: str = "",
    ) -> Callback:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        nonce = nonce or secrets.token_hex(5)
        params = {"signature": sign(self.token, ts, nonce), "timestamp": ts, "nonce": nonce}
        if openid:
            params["openid"] = openid
        if self.crypto is None:
            return Callback(params, xml.encode("utf-8"))
        envelope = xmltodict.parse(self.crypto.encrypt_message(xml, nonce, ts))["xml"]
        encrypt = envelope["Encrypt"]
        params["encrypt_type"] = "aes"
        params["msg_signature"] = sign(self.token, ts, nonce, encrypt)
        body = f"<xml><ToUserName>{_cdata(self.account_id)}</ToUserName>"
        body += f"<Encrypt>{_cdata(encrypt)}</Encrypt></xml>"
        return Callback(params, body.encode("utf-8"))

    def read_reply(self, text: str) -> dict[str, Any] | None:
        """The reply message as a dict (decrypted in safe mode), None for "success"."""
        if text in ("success", ""):
            return None
        doc = xmltodict.parse(text)["xml"]
        if self.crypto is None:
            return dict(doc)
        assert doc["MsgSignature"] == sign(
            self.token, doc["TimeStamp"], doc["Nonce"], doc["Encrypt"]
        )
        plain = self.crypto.decrypt_message(
            {"Encrypt": doc["Encrypt"]}, doc["MsgSignature"], doc["TimeStamp"], doc["Nonce"]
        )
        return dict(xmltodict.parse(plain)["xml"])
