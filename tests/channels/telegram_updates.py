"""Telegram update payloads as the Bot API delivers them (tests)."""

from __future__ import annotations

import itertools
import time
from typing import Any

_ids = itertools.count(int(time.time()) % 100000 * 1000)


def _user(chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "is_bot": False, "first_name": "小张", "language_code": "zh-hans"}


def _message(chat_id: int, **fields: Any) -> dict[str, Any]:
    return {
        "message_id": next(_ids),
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private", "first_name": "小张"},
        "from": _user(chat_id),
        **fields,
    }


def text_update(chat_id: int, text: str) -> dict[str, Any]:
    return {"update_id": next(_ids), "message": _message(chat_id, text=text)}


def photo_update(chat_id: int) -> dict[str, Any]:
    photo = [{"file_id": "f1", "file_unique_id": "u1", "width": 90, "height": 90}]
    return {"update_id": next(_ids), "message": _message(chat_id, photo=photo)}


def callback_update(chat_id: int, data: str) -> dict[str, Any]:
    return {
        "update_id": next(_ids),
        "callback_query": {
            "id": f"cq{next(_ids)}",
            "from": _user(chat_id),
            "chat_instance": "ci-1",
            "data": data,
            "message": _message(chat_id, text="请选择："),
        },
    }
