"""The action server's one appeal service, opened on first use.

Opening migrates the database; if the database is down at that moment the error reaches the
action (which tells the user) and the next call tries again, so a database that comes back later
is picked up without restarting the action server.
"""

from __future__ import annotations

import threading

from bot.store import AppealService, open_service

_lock = threading.Lock()
_service: AppealService | None = None


def get_service() -> AppealService:
    """The shared service; raises ``StoreUnavailable`` while the database cannot be reached."""
    global _service
    with _lock:
        if _service is None:
            _service = open_service()
        return _service


def reset_service() -> None:
    """Forget the service (tests point ``APPEALS_DB_URL`` elsewhere between cases)."""
    global _service
    with _lock:
        if _service is not None:
            _service.dispose()
        _service = None
