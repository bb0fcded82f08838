"""How much one worker takes on at once."""

from __future__ import annotations

import asyncio
import weakref

from starlette.types import ASGIApp, Receive, Scope, Send


class InFlight:
    """Pure ASGI middleware: at most ``limit`` requests of this worker run at once; the
    others wait their turn here, before any of them opens a database session. So a burst
    never checks out connections beyond the pool (on PostgreSQL each one beyond it is a
    server process started and stopped for one request), and the requests that run are not
    slowed down by more threads than the interpreter can run."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self._gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()  # one per worker; test clients bring their own
        gate = self._gates.get(loop)
        if gate is None:
            gate = self._gates[loop] = asyncio.Semaphore(self.limit)
        async with gate:
            await self.app(scope, receive, send)
