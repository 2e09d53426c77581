"""Callback authentication for the WeChat webhook: signatures and timestamp freshness.

Why our own code rather than `wechatpy.utils.check_signature`: that compares with `!=`,
which leaks timing; here every comparison is `hmac.compare_digest`. The signature scheme
itself is WeChat's: SHA-1 over the sorted, concatenated parts.
"""

from __future__ import annotations

import hashlib
import hmac
import time


def wechat_signature(*parts: str) -> str:
    """SHA-1 hex digest of the parts sorted and joined (WeChat's callback signature)."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def signature_ok(given: str | None, *parts: str) -> bool:
    """Constant-time check of `given` against the signature of `parts`."""
    if not given:
        return False
    expected = wechat_signature(*parts).encode("ascii")
    # Not wechatpy's check_signature: its `!=` returns sooner the earlier a character
    # differs, so response times would let a caller guess the signature byte by byte.
    return hmac.compare_digest(expected, given.encode("utf-8", "replace"))


def fresh(timestamp: str | None, window: float, now: float | None = None) -> bool:
    """True when the timestamp (Unix seconds) is within `window` seconds of now.

    Both directions count: a timestamp far in the future would otherwise stay "fresh"
    for longer than the nonce memory lasts.
    """
    if not timestamp or not timestamp.isdigit() or len(timestamp) > 12:
        return False
    current = time.time() if now is None else now
    return abs(current - int(timestamp)) <= window
