"""Real HTTP servers on 127.0.0.1 for the channel tests: Sanic apps and stand-in APIs."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sanic import Sanic


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RunningApp:
    base_url: str
    loop: asyncio.AbstractEventLoop

    def call(self, coro: Any, timeout: float = 30) -> Any:
        """Run a coroutine on the server's own event loop and return its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)


@contextmanager
def serve_sanic(app: Sanic) -> Iterator[RunningApp]:
    """Serve `app` on a free loopback port from a background thread."""
    port = free_port()
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    failure: list[BaseException] = []
    holder: dict[str, Any] = {}

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            server = loop.run_until_complete(
                app.create_server(
                    host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False
                )
            )
            assert server is not None
            loop.run_until_complete(server.startup())
            loop.run_until_complete(server.before_start())
            loop.run_until_complete(server.after_start())
            holder["server"] = server
        except BaseException as error:  # reported to the test thread
            failure.append(error)
            ready.set()
            return
        ready.set()
        loop.run_forever()
        loop.run_until_complete(server.before_stop())
        server.close()
        loop.run_until_complete(server.wait_closed())
        loop.run_until_complete(server.after_stop())
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.close()

    thread = threading.Thread(target=run, name=f"sanic-{port}", daemon=True)
    thread.start()
    if not ready.wait(15) or failure:
        raise RuntimeError(f"test server did not start: {failure}")
    try:
        yield RunningApp(f"http://127.0.0.1:{port}", loop)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(15)


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    answer: Any = None


@dataclass
class StandIn:
    """A loopback HTTP server that records requests and answers through `respond`."""

    respond: Callable[[Recorded], tuple[int, Any]]
    requests: list[Recorded] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    base_url: str = ""

    def record(self, request: Recorded) -> None:
        with self.lock:
            self.requests.append(request)

    def calls(self, path_suffix: str) -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if r.path.endswith(path_suffix)]

    def wait_for(self, path_suffix: str, count: int = 1, timeout: float = 10.0) -> list[Recorded]:
        deadline = time.monotonic() + timeout
        while True:
            found = self.calls(path_suffix)
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.02)

    def clear(self) -> None:
        with self.lock:
            self.requests.clear()


def _decode_body(content_type: str, raw: bytes) -> Any:
    if not raw:
        return {}
    if "json" in content_type or raw[:1] in (b"{", b"["):
        return json.loads(raw.decode("utf-8"))
    if "x-www-form-urlencoded" in content_type:
        return {k: v[-1] for k, v in parse_qs(raw.decode("utf-8")).items()}
    return raw


@contextmanager
def serve_standin(stand_in: StandIn) -> Iterator[StandIn]:
    """Serve a stand-in API on a free loopback port (stdlib, threaded)."""

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            request = Recorded(
                self.command,
                parts.path,
                {k: v[-1] for k, v in parse_qs(parts.query).items()},
                _decode_body(self.headers.get("content-type", ""), raw),
            )
            status, payload = stand_in.respond(request)
            request.answer = payload
            stand_in.record(request)
            data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = _handle
        do_POST = _handle

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    stand_in.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stand_in
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
