"""A worker runs at most so many requests at once; the others wait their turn."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from crosswalk.web.limits import InFlight


def test_no_more_requests_run_at_once_than_the_limit() -> None:
    running, most = 0, 0

    async def slow_app(scope: Any, receive: Any, send: Any) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.02)
        running -= 1

    gated = InFlight(slow_app, limit=2)

    async def nothing() -> dict[str, Any]:
        return {}

    async def send(_message: Any) -> None:
        return None

    async def burst() -> None:
        await asyncio.gather(*(gated({"type": "http"}, nothing, send) for _ in range(7)))

    # A loop of its own, in a thread of its own (other tests may leave one running here).
    runner = threading.Thread(target=lambda: asyncio.run(burst()))
    runner.start()
    runner.join(10)
    assert most == 2
    assert running == 0
