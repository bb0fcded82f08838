"""A real HTTP server on 127.0.0.1 for the collector tests: routes set per test, requests kept."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

RESPONSES = Path(__file__).parent / "responses"


@dataclass
class Route:
    status: int
    body: bytes
    content_type: str | None = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Seen:
    path: str
    headers: dict[str, str]  # lower-case names


@dataclass
class LocalServer:
    base_url: str
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[Seen] = field(default_factory=list)

    def route(
        self,
        path: str,
        body: bytes | str,
        status: int = 200,
        content_type: str | None = "application/json",
        headers: dict[str, str] | None = None,
    ) -> str:
        """Serve ``body`` at ``path``; returns the full URL."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = Route(status, data, content_type, headers or {})
        return self.base_url + path

    def recorded(self, name: str) -> str:
        """A recorded response file under tests/collectors/responses/."""
        return (RESPONSES / name).read_text(encoding="utf-8")


def _handler(server: LocalServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            server.requests.append(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}))
            route = server.routes.get(self.path, Route(404, b"no route", "text/plain"))
            self.send_response(route.status)
            if route.content_type is not None:
                self.send_header("Content-Type", route.content_type)
            for name, value in route.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            self.wfile.write(route.body)

        def log_message(self, format: str, *args: object) -> None:  # keep test output clean
            pass

    return Handler


@pytest.fixture
def serve(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], LocalServer]]:
    """Start as many local servers as a test needs; all are stopped after it."""
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)  # 127.0.0.1 must be reached directly
    started: list[tuple[ThreadingHTTPServer, threading.Thread]] = []

    def start() -> LocalServer:
        http = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
        local = LocalServer(f"http://127.0.0.1:{http.server_address[1]}")
        http.RequestHandlerClass = _handler(local)
        http.daemon_threads = True
        thread = threading.Thread(target=http.serve_forever, daemon=True)
        thread.start()
        started.append((http, thread))
        return local

    yield start
    for http, thread in started:
        http.shutdown()
        http.server_close()
        thread.join(timeout=5)


@pytest.fixture
def server(serve: Callable[[], LocalServer]) -> LocalServer:
    return serve()
