"""Errors the store raises on purpose, each one something a caller can show to a person."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar, cast

from sqlalchemy import exc as sa_exc


class StoreError(Exception):
    """Base class of everything below."""


class AppealNotFound(StoreError, LookupError):
    """No appeal carries the given number."""

    def __init__(self, number: str) -> None:
        self.number = number
        super().__init__(f"no appeal numbered {number!r}")


class IllegalTransition(StoreError):
    """The requested step is not allowed from the appeal's current status; nothing was changed."""

    def __init__(self, number: str, action: str, status: str, allowed: tuple[str, ...]) -> None:
        self.number = number
        self.action = action
        self.status = status
        self.allowed = allowed
        hint = ", ".join(allowed) if allowed else "nothing (final status)"
        super().__init__(
            f"appeal {number}: cannot {action} while {status}; allowed from {status}: {hint}"
        )


class InvalidInput(StoreError, ValueError):
    """An argument is unusable (unknown unit or category, empty content, naive datetime...)."""


class StoreUnavailable(StoreError):
    """The database cannot be reached or is busy.

    The chat should ask the user to try again or call the appeal hotline (taken from the knowledge
    base, not from here).
    """

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(f"appeal store unavailable: {detail}")


_UNAVAILABLE = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
    sa_exc.TimeoutError,
)


@contextmanager
def unavailable_as_store_error() -> Iterator[None]:
    """Turn connection-level failures into :class:`StoreUnavailable`."""
    try:
        yield
    except _UNAVAILABLE as exc:
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0:1]
        raise StoreUnavailable(detail[0] if detail else type(exc).__name__) from exc


F = TypeVar("F", bound=Callable[..., object])


def translate_errors(func: F) -> F:
    """Decorator form of :func:`unavailable_as_store_error`."""

    @functools.wraps(func)
    def wrapper(*args: object, **kwargs: object) -> object:
        with unavailable_as_store_error():
            return func(*args, **kwargs)

    return cast(F, wrapper)
