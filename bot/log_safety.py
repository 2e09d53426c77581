"""Keep secrets and enterprises' phone numbers out of the logs.

Why: at INFO, httpx logs every request URL, and a Telegram Bot API URL carries the bot token
(``/bot<id>:<secret>/sendMessage``), so the token ended up in var/log/console.log and
reminders.log. Staff search appeals by phone number and errors may quote message texts, so full
enterprise phone numbers reached the logs too. The helpers here are used by every Qihu process
(console, reminder scheduler, Rasa server with the channels, the Telegram tool):

* :func:`mask_phone` turns ``13812345678`` into ``138****5678`` (and ``023-71234567`` into
  ``023-****4567``); use it wherever a phone number is put into a log message on purpose.
* :func:`install` logs httpx/httpcore at WARNING and redacts bot tokens and phone numbers from
  every log record created afterwards, whichever handler writes it, so nothing slips through a
  log call that forgot to mask.
"""

from __future__ import annotations

import logging
import re
from typing import Any

MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})([- ]?)\d{3,4}(\d{4})(?!\d)")
BOT_TOKEN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}")
QUIET_LOGGERS = ("httpx", "httpcore")
_installed = False


def mask_phone(text: str) -> str:
    """Phone numbers in ``text`` masked as in 138****5678 (mobile) or 023-****4567 (landline)."""
    text = MOBILE.sub(r"\1****\2", text)
    return LANDLINE.sub(r"\1\2****\3", text)


def redact(text: str) -> str:
    """``text`` without bot tokens (``<redacted>``) and with phone numbers masked."""
    return mask_phone(BOT_TOKEN.sub("<redacted>", text))


def install(level: int | None = None) -> None:
    """Quiet the HTTP client loggers and redact every later log record (idempotent).

    With ``level``, also configure the root logger (``logging.basicConfig``) at that level.
    """
    global _installed
    if level is not None:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    if _installed:
        return
    _installed = True
    make_record = logging.getLogRecordFactory()

    def redacting_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        _redact_record(record)
        return record

    logging.setLogRecordFactory(redacting_record)


def _redact_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: logging reports it later, as it always does
        return
    clean = redact(message)
    if clean != message:
        record.msg, record.args = clean, None
    if record.exc_info and record.exc_info[0] is not None:
        # Exceptions quote URLs too (requests: "Max retries exceeded with url: /bot…").
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
