"""The web app over a copy of the demo workspace, with one user per role.

``web`` gives a fresh copy per test (tests write freely); ``client(role)`` signs a
TestClient in as that role and knows its CSRF token; ``live_server`` serves the same app
over real HTTP for the browser tests.
"""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from crosswalk.demo.builder import DemoResult
from crosswalk.store.engine import session_scope
from crosswalk.store.workspace import open_workspace
from crosswalk.web.app import create_app
from crosswalk.web.settings import WebSettings
from tests.conftest import DEMO_TODAY

PASSWORD = "correct horse battery staple"
OWNER_NAME = "Dana Ortiz (IT Manager)"  # owns IT controls in the demo
AUDIT_WINDOW = (date(2026, 1, 1), date(2026, 6, 30))
USERS = {
    "admin": ("admin@northwind.example", "admin", None),
    "editor": ("editor@northwind.example", "editor", None),
    "control_owner": ("dana@northwind.example", "control_owner", OWNER_NAME),
    "auditor": ("auditor@audit.example", "auditor", None),
}


@pytest.fixture(scope="session")
def web_template(demo: DemoResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo workspace plus one user per role, built once; tests copy it."""
    from crosswalk.services.access.users import add_user, set_window

    folder = tmp_path_factory.mktemp("web-template") / "northwind"
    shutil.copytree(demo.folder, folder)
    opened = open_workspace(folder)
    try:
        with session_scope(opened.engine, actor="test-setup") as session:
            for email, role, owner in USERS.values():
                add_user(session, email, role, PASSWORD, name=email.split("@")[0], owner_name=owner)
            set_window(session, USERS["auditor"][0], *AUDIT_WINDOW)
            session.commit()
    finally:
        opened.close()
    return folder


@dataclass
class SignedIn:
    http: TestClient
    csrf: str
    role: str

    def headers(self) -> dict[str, str]:
        return {"X-CSRF-Token": self.csrf}

    def post(self, url: str, **kwargs: Any) -> Any:
        """A form post carrying the CSRF token, as the page's forms do."""
        data = dict(kwargs.pop("data", {}) or {})
        data.setdefault("csrf_token", self.csrf)
        return self.http.post(url, data=data, follow_redirects=False, **kwargs)


@dataclass
class WebWorkspace:
    folder: Path
    settings: WebSettings
    app: Any
    clients: list[TestClient]

    @contextmanager
    def session(self) -> Iterator[Session]:
        """The workspace's database outside the app, as the CLI would see it."""
        opened = open_workspace(self.folder)
        try:
            with session_scope(opened.engine) as session:
                yield session
        finally:
            opened.close()

    def client(self, role: str | None = None) -> SignedIn:
        """A TestClient, signed in as ``role`` (or not signed in when None)."""
        http = TestClient(self.app)
        http.__enter__()
        self.clients.append(http)
        if role is None:
            return SignedIn(http, "", "anonymous")
        sign_in(http, USERS[role][0])
        csrf = http.get("/api/session").json()["csrf_token"]
        return SignedIn(http, csrf, role)


def login_token(page_html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page_html)
    assert found, "the sign-in form carries a CSRF token"
    return found.group(1)


def sign_in(http: TestClient, email: str, password: str = PASSWORD) -> Any:
    token = login_token(http.get("/login").text)
    response = http.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return response


@pytest.fixture
def web(web_template: Path, tmp_path: Path) -> Iterator[WebWorkspace]:
    folder = tmp_path / "northwind"
    shutil.copytree(web_template, folder)
    settings = WebSettings(workspace=folder, today=DEMO_TODAY)
    made = WebWorkspace(folder, settings, create_app(settings), [])
    try:
        yield made
    finally:
        for http in made.clients:
            http.__exit__(None, None, None)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(app: Any) -> Iterator[str]:
    """``app`` served by Uvicorn on a free local port, in a thread; yields its base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the web server did not start in 20 s")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def live_server(web: WebWorkspace) -> Iterator[str]:
    """The demo's app served on a free local port; yields its base URL."""
    with served(web.app) as url:
        yield url


SignIn = Callable[[Any, str], None]


@pytest.fixture
def browser_sign_in(live_server: str) -> SignIn:
    """Sign a Playwright page in through the real form."""

    def go(page: Any, role: str) -> None:
        page.goto(f"{live_server}/login")
        page.fill("input[name=email]", USERS[role][0])
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server}/")

    return go


ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
