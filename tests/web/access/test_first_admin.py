"""First run without the terminal (issue 17): `crosswalk serve` on a workspace with no users
prints a one-time link; in Chromium the link creates the first admin, who adds the first
user; the link then no longer works."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import ARTIFACTS, free_port

PASSWORD = "correct horse battery staple"


def _serve(folder: Path, port: int) -> tuple[subprocess.Popen[str], str]:
    server = subprocess.Popen(
        [sys.executable, "-m", "crosswalk", "serve", "--port", str(port)],
        cwd=folder,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    assert server.stderr is not None
    deadline = time.monotonic() + 60
    seen = ""
    while time.monotonic() < deadline:
        line = server.stderr.readline()
        seen += line
        found = re.search(r"(http://\S+/setup\?token=\S+)", line)
        if found:
            return server, found.group(1)
        if not line and server.poll() is not None:
            break
    server.kill()
    raise AssertionError(f"no setup link printed:\n{seen}")


def _wait_up(url: str) -> None:
    import urllib.request

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/healthz", timeout=1)
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the server did not answer")


def test_first_run_from_the_console_link_to_the_first_user(page: Any, tmp_path: Path) -> None:
    folder = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "crosswalk", "init", str(folder)], check=True)
    port = free_port()
    server, link = _serve(folder, port)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_up(base)
        page.goto(f"{base}/login")
        assert "crosswalk serve" in page.inner_text("body")  # says how to get in
        page.goto(link.replace("localhost", "127.0.0.1"))
        page.fill("input[name=email]", "ada@example.com")
        page.fill("input[name=name]", "Ada")
        page.fill("input[name=password]", PASSWORD)
        page.fill("input[name=repeated]", PASSWORD + "x")
        page.click("button[type=submit]")
        assert "The two passwords differ" in page.inner_text("body")
        page.fill("input[name=password]", PASSWORD)
        page.fill("input[name=repeated]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r".*/users.*"))
        assert "You are the first admin" in page.inner_text("body")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "first-admin.png"), full_page=True)
        # the admin adds the first user from the Users page
        page.click("summary:has-text('Add a user')")
        page.fill("#user-add input[name=email]", "editor@example.com")
        page.select_option("#user-add select[name=role]", "editor")
        page.fill("#user-add input[name=password]", PASSWORD)
        page.click("#user-add button[type=submit]")
        page.wait_for_selector("#user-table >> text=editor@example.com")
        # the link is used up
        page.goto(link.replace("localhost", "127.0.0.1"))
        assert "already has an admin" in page.inner_text("body")
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    # a refused form answers 400 and a used link 403, on purpose; no script failed
    assert [e for e in page.console_errors if "Failed to load resource" not in e] == []


@pytest.mark.parametrize("token", ["", "nope"])
def test_a_setup_post_without_the_link_changes_nothing(tmp_path: Path, token: str) -> None:
    from fastapi.testclient import TestClient

    from crosswalk.services.access.users import list_users
    from crosswalk.store.engine import session_scope
    from crosswalk.store.workspace import open_workspace
    from crosswalk.web.app import create_app
    from crosswalk.web.settings import WebSettings

    folder = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "crosswalk", "init", str(folder)], check=True)
    with TestClient(create_app(WebSettings(workspace=folder))) as http:
        data = {"token": token, "email": "x@example.com", "password": PASSWORD}
        answer = http.post("/setup", data={**data, "repeated": PASSWORD})
        assert answer.status_code == 403
        assert "setup link" in answer.text
    opened = open_workspace(folder)
    try:
        with session_scope(opened.engine) as session:
            assert list_users(session) == []
    finally:
        opened.close()
