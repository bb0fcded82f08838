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


def test_a_content_length_of_non_ascii_digits_is_no_server_error() -> None:
    """``Content-Length: ¹`` (a Latin-1 byte ``str.isdigit`` accepts and ``int`` refuses) is
    no length: the body is still counted as it streams in, and the request is answered
    (the check raised ValueError)."""
    from crosswalk.web.security import Hardening
    from crosswalk.web.settings import WebSettings

    sent: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "path": "/api/session", "headers": [(b"content-length", b"\xb9")]}
    # A loop of its own, in a thread of its own (other tests may leave one running here).
    hardened = Hardening(app, WebSettings())
    runner = threading.Thread(target=lambda: asyncio.run(hardened(scope, receive, send)))
    runner.start()
    runner.join(10)
    assert sent and sent[0]["status"] == 200


def test_a_bucket_node_hands_large_buffers_back_unless_the_operator_tuned_glibc() -> None:
    """glibc's thresholds are set for a node storing evidence in a bucket (its upload peak:
    bench/bench_s3_upload.py); an operator's own MALLOC_* settings are left alone."""
    import platform

    from crosswalk.web.limits import hand_back_large_buffers

    assert hand_back_large_buffers({"MALLOC_ARENA_MAX": "2"}) is False
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        assert hand_back_large_buffers({}) is True
