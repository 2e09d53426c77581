"""HTTP helpers shared by the webhooks."""

from __future__ import annotations

from sanic.request import Request


class BodyTooLarge(Exception):
    """The request body exceeds the route's limit."""


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing to hold more than `limit` bytes in memory.

    Why streamed: Sanic's app-wide limit is large (Rasa uploads models through it), so a
    webhook route reads its body itself and stops at its own, much smaller, limit.
    Raises `BodyTooLarge`, or `ValueError` for a malformed Content-Length.
    """
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise ValueError("malformed Content-Length")
        if int(declared) > limit:
            raise BodyTooLarge()
    stream = getattr(request, "stream", None)
    if request.body or stream is None:  # a non-streamed route: Sanic has read it already
        body = request.body or b""
        if len(body) > limit:
            raise BodyTooLarge()
        return body
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await stream.read()
        if chunk is None:
            break
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge()
        chunks.append(chunk)
    return b"".join(chunks)
