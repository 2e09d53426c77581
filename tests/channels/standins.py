"""Loopback stand-ins of the WeChat and Telegram HTTP APIs, answering like the platforms."""

from __future__ import annotations

import itertools
import json
import threading
import time
from typing import Any

from tests.channels.servers import Recorded, StandIn

WECHAT_TEXT_LIMIT = 2048
TELEGRAM_TEXT_LIMIT = 4096


class WeChatApi(StandIn):
    """Token endpoint, customer-service send and template send of api.weixin.qq.com."""

    def __init__(self, appid: str, secret: str) -> None:
        super().__init__(respond=self._respond)
        self.appid = appid
        self.secret = secret
        self.tokens: set[str] = set()
        self.closed_window: dict[str, int] = {}  # openid → errcode (45015, 45047)
        self._ids = itertools.count(1000)

    def reset(self) -> None:
        self.clear()
        self.closed_window.clear()

    def _respond(self, request: Recorded) -> tuple[int, Any]:
        if request.path == "/cgi-bin/token":
            q = request.query
            if q.get("appid") != self.appid or q.get("secret") != self.secret:
                return 200, {"errcode": 40125, "errmsg": "invalid appsecret"}
            token = f"ACCESS{next(self._ids)}"
            self.tokens.add(token)
            return 200, {"access_token": token, "expires_in": 7200}
        if request.query.get("access_token") not in self.tokens:
            return 200, {"errcode": 40001, "errmsg": "invalid credential"}
        body = request.body if isinstance(request.body, dict) else {}
        if request.path == "/cgi-bin/message/custom/send":
            openid = body.get("touser", "")
            if openid in self.closed_window:
                return 200, {"errcode": self.closed_window[openid], "errmsg": "out of time limit"}
            content = body.get("text", {}).get("content", "")
            if len(content.encode("utf-8")) > WECHAT_TEXT_LIMIT:
                return 200, {"errcode": 45002, "errmsg": "content size out of limit"}
            return 200, {"errcode": 0, "errmsg": "ok"}
        if request.path == "/cgi-bin/message/template/send":
            return 200, {"errcode": 0, "errmsg": "ok", "msgid": next(self._ids)}
        return 404, {"errcode": -1, "errmsg": "not found"}

    def pushed_texts(self, openid: str) -> list[str]:
        """Contents of the accepted customer-service messages to `openid`, in order."""
        return [
            r.body["text"]["content"]
            for r in self.calls("/message/custom/send")
            if r.body.get("touser") == openid and r.answer.get("errcode") == 0
        ]

    def templates(self, openid: str) -> list[dict[str, Any]]:
        """Bodies of the template messages sent to `openid`, in order."""
        return [r.body for r in self.calls("/message/template/send") if r.body["touser"] == openid]

    def wait_pushed(self, openid: str, count: int, timeout: float = 10.0) -> list[str]:
        deadline = time.monotonic() + timeout
        while len(self.pushed_texts(openid)) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.pushed_texts(openid)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class TelegramApi(StandIn):
    """The Bot API methods the channel uses, under /bot<token>/<method>."""

    def __init__(self, token: str) -> None:
        super().__init__(respond=self._respond)
        self.token = token
        self.updates: list[dict[str, Any]] = []
        self.webhook: dict[str, Any] = {}
        self.blocked: set[int] = set()  # chats whose user blocked the bot
        self._ids = itertools.count(1)
        self._updates_lock = threading.Lock()

    def reset(self) -> None:
        self.clear()
        with self._updates_lock:
            self.updates.clear()
        self.webhook = {}
        self.blocked.clear()

    def queue_update(self, update: dict[str, Any]) -> None:
        with self._updates_lock:
            self.updates.append(update)

    @staticmethod
    def _params(request: Recorded) -> dict[str, Any]:
        params = dict(request.body) if isinstance(request.body, dict) else {}
        for key in ("reply_markup", "allowed_updates"):
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        chat = params.get("chat_id")
        if isinstance(chat, str) and chat.lstrip("-").isdigit():
            params["chat_id"] = int(chat)
        return params

    def _respond(self, request: Recorded) -> tuple[int, Any]:
        prefix = f"/bot{self.token}/"
        if not request.path.startswith(prefix):
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        method = request.path[len(prefix) :]
        p = self._params(request)
        request.body = p
        if method == "getMe":
            return self._ok(
                {"id": 4242, "is_bot": True, "first_name": "企呼", "username": "qihu_test_bot"}
            )
        if method in ("sendMessage", "sendPhoto"):
            if p.get("chat_id") in self.blocked:
                description = "Forbidden: bot was blocked by the user"
                return 403, {"ok": False, "error_code": 403, "description": description}
            text = str(p.get("text", ""))
            if method == "sendMessage" and not (0 < utf16_len(text) <= TELEGRAM_TEXT_LIMIT):
                return self._bad("Bad Request: message is too long" if text else "text is empty")
            for row in (p.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if len(button.get("callback_data", "").encode("utf-8")) > 64:
                        return self._bad("Bad Request: BUTTON_DATA_INVALID")
            return self._ok(
                {
                    "message_id": next(self._ids),
                    "date": int(time.time()),
                    "chat": {"id": p.get("chat_id"), "type": "private"},
                    "text": text,
                }
            )
        if method == "answerCallbackQuery":
            return self._ok(True)
        if method == "setWebhook":
            self.webhook = {"url": p.get("url", ""), "secret_token": p.get("secret_token")}
            return self._ok(True)
        if method == "deleteWebhook":
            self.webhook = {}
            return self._ok(True)
        if method == "getWebhookInfo":
            return self._ok(
                {
                    "url": self.webhook.get("url", ""),
                    "has_custom_certificate": False,
                    "pending_update_count": len(self.updates),
                }
            )
        if method == "getUpdates":
            if self.webhook:
                return 409, {"ok": False, "error_code": 409, "description": "Conflict: webhook"}
            offset = int(p.get("offset") or 0)
            with self._updates_lock:
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
                return self._ok(list(self.updates))
        return 404, {"ok": False, "error_code": 404, "description": "Not Found"}

    @staticmethod
    def _ok(result: Any) -> tuple[int, Any]:
        return 200, {"ok": True, "result": result}

    @staticmethod
    def _bad(description: str) -> tuple[int, Any]:
        return 400, {"ok": False, "error_code": 400, "description": description}

    def sent(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Parameters of every sendMessage, optionally to one chat, in order."""
        return [
            r.body
            for r in self.calls("/sendMessage")
            if chat_id is None or r.body.get("chat_id") == chat_id
        ]
