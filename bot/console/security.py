"""Cookies, CSRF and redirects: the browser-facing security rules in one place.

(The login lock-out lives in bot/console/lockout.py: it is counted in the database.)

* Session cookie: random value (only its hash is stored), HttpOnly, SameSite=Strict, Path=/,
  Secure when ``CONSOLE_SECURE_COOKIES=1`` (behind HTTPS).
* CSRF: every form carries the session's token (synchroniser pattern); the login form, before
  any session exists, uses a double-submit cookie. Cross-origin ``Origin`` headers are refused.
* API requests authenticate with a bearer token only and ignore cookies, so they need no CSRF.
"""

from __future__ import annotations

import hmac
import secrets
import unicodedata
from collections.abc import Mapping
from urllib.parse import unquote, urlsplit

from aiohttp import web

SESSION_COOKIE = "qihu_console_session"
LOGIN_CSRF_COOKIE = "qihu_console_login_csrf"
CSRF_FIELD = "csrf_token"


def set_cookie(response: web.StreamResponse, name: str, value: str, *, secure: bool) -> None:
    response.set_cookie(
        name, value, httponly=True, samesite="Strict", secure=secure, path="/", max_age=None
    )


def clear_cookie(response: web.StreamResponse, name: str) -> None:
    response.del_cookie(name, path="/")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def same_token(expected: str | None, given: object) -> bool:
    """Constant-time comparison; missing values never match."""
    if not expected or not isinstance(given, str) or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def check_origin(request: web.Request) -> bool:
    """False when the browser says the request comes from another site."""
    origin = request.headers.get("Origin")
    if not origin or origin == "null":
        return origin is None
    host = origin.split("://", 1)[-1].rstrip("/")
    return host == request.host


def safe_next(target: str | None, default: str) -> str:
    """Only a path on this console may be a redirect target (no open redirect).

    Why so strict: browsers drop tabs and newlines from a Location header and read ``\\`` as
    ``/``, so ``/\t/evil.example/x`` (sent as ``next=/%09/evil.example/x``) became
    ``//evil.example/x``, another site. A target is accepted only when it parses as a bare path
    (no scheme, no host) that starts with one ``/`` and, as given and once percent-decoded, holds
    no control character, no backslash and no ``//``.
    """
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return default
    for form in (target, unquote(target)):
        if "\\" in form or "//" in form or any(unicodedata.category(c) == "Cc" for c in form):
            return default
    return target


def form_token(form: Mapping[str, object]) -> object:
    return form.get(CSRF_FIELD)
