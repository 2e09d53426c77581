"""REST channel with conversations of its own (register as `bot.channels.rest.RestInput`).

Why not Rasa's own `rest:`: it uses the caller's `sender` as the conversation id and lets the
caller pick the `input_channel`, so anyone who can reach the webhook and knows a WeChat openid
or a Telegram chat id can read, change and submit that user's appeal form. This channel keeps
Rasa's request and reply format (`{"sender": ..., "message": ...}` → a list of messages) but
maps every sender to `rest:<sender>`, so no REST caller can name another channel's
conversation, and the input channel is always `rest`.

Optionally authenticated: with `token` in the credentials file or `REST_CHANNEL_TOKEN` in the
environment, every request needs `Authorization: Bearer <token>` (compared in constant time).
Set it whenever the REST webhook is reachable from outside the machine, and add
`require_token: true` there so that a missing token stops start-up (docs/channels.md).
"""

from __future__ import annotations

import hmac
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import log_safety
from bot.channels.common.config import ChannelConfigError, optional_str
from bot.conversation_ids import REST, SEPARATOR

logger = logging.getLogger(__name__)

TOKEN_ENV = "REST_CHANNEL_TOKEN"


class RestInput(RasaRestInput):
    """Rasa's REST channel with namespaced conversation ids and an optional bearer token."""

    @classmethod
    def name(cls) -> str:
        return REST

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """``token`` (else $REST_CHANNEL_TOKEN); with ``require_token: true`` (for a published
        webhook) start-up fails while no token is set, instead of serving it unauthenticated."""
        log_safety.install()  # no full phone number in Rasa's log
        token = optional_str(credentials, "token", TOKEN_ENV)
        if (credentials or {}).get("require_token") is True and not token:
            raise ChannelConfigError(
                "The REST channel has require_token: true but no token: set "
                f"{TOKEN_ENV} (or 'token' in the credentials file)."
            )
        return cls(token)

    def __init__(self, token: str | None = None) -> None:
        self.token = token or None

    async def _extract_sender(self, req: Request) -> str | None:
        given = (req.json or {}).get("sender")
        sender = str(given) if given not in (None, "") else uuid.uuid4().hex
        # Always prefixed, even `rest:x` (-> `rest:rest:x`): a caller's sender is never taken
        # as a conversation id, whatever it looks like.
        return f"{REST}{SEPARATOR}{sender}"

    def _extract_input_channel(self, req: Request) -> str:
        """Always `rest`: a caller must not pass for another channel."""
        return REST

    def authorised(self, request: Request) -> bool:
        if self.token is None:
            return True
        scheme, _, given = (request.headers.get("Authorization") or "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode("utf-8", "replace"), self.token.encode("utf-8")
        )

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = super().blueprint(on_new_message)

        @webhook.middleware("request")
        async def require_token(request: Request) -> HTTPResponse | None:
            if self.authorised(request):
                return None
            logger.warning("REST webhook refused: missing or wrong bearer token.")
            return response.json(
                {"error": "unauthorized"}, status=401, headers={"WWW-Authenticate": "Bearer"}
            )

        return webhook
