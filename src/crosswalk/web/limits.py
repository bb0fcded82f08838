"""How much one worker takes on at once."""

from __future__ import annotations

import asyncio
import ctypes
import os
import weakref
from collections.abc import Mapping

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


HANDED_BACK_ABOVE = 128 * 1024  # bytes


def hand_back_large_buffers(environ: Mapping[str, str] | None = None) -> bool:
    """Have glibc give buffers over 128 KiB back to the system as soon as they are freed.

    A node storing evidence in a bucket passes each upload through several such buffers (the
    form parser, the hash, the S3 client); glibc keeps freed ones for reuse, so eight uploads
    at once left a node about 30 MB larger for good (168 MB instead of 145 at 1,000 uploads
    of 1 MB by 8 clients, `bench/bench_s3_upload.py`), for about a third more throughput.
    Not on another C library, and not when the operator set glibc's own variables."""
    env = os.environ if environ is None else environ
    if any(name.startswith("MALLOC_") for name in env):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    trim_threshold, mmap_threshold = -1, -3  # M_TRIM_THRESHOLD, M_MMAP_THRESHOLD
    return bool(
        libc.mallopt(mmap_threshold, HANDED_BACK_ABOVE)
        and libc.mallopt(trim_threshold, HANDED_BACK_ABOVE)
    )
