"""Serve the console application from a background thread (tests and benchmarks).

Why: tests and the page-time benchmark talk real HTTP to a real server on 127.0.0.1 (cookies,
redirects, headers as a browser sees them) while the test code itself stays synchronous.
"""

from __future__ import annotations

import asyncio
import threading

from aiohttp import web


class BackgroundServer:
    """An aiohttp application on 127.0.0.1 and a free port, in its own thread and event loop."""

    def __init__(self, app: web.Application, host: str = "127.0.0.1") -> None:
        self.app = app
        self.host = host
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="console-server", daemon=True)
        self._runner = web.AppRunner(app, access_log=None)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, self.host, 0)
        self._loop.run_until_complete(site.start())
        self.port = self._runner.addresses[0][1]
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(self._runner.cleanup())
        self._loop.close()

    def start(self) -> BackgroundServer:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("console server did not start")
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"
