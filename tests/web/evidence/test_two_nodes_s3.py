"""Two `crosswalk serve` nodes with separate working folders (no shared disk), one
PostgreSQL database and one bucket (moto's S3 server on localhost): evidence uploaded through
one node downloads through the other byte for byte."""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from crosswalk.services.access.users import add_user
from crosswalk.services.controls.controls import ControlInput, add_control
from crosswalk.store.blobs import BLOB_URL_ENV
from crosswalk.store.engine import session_scope
from crosswalk.store.trail_seal import KEY_ENV
from crosswalk.store.workspace import init_workspace
from tests.web.conftest import free_port

PASSWORD = "two nodes, one bucket, one database"
EMAIL = "editor@acme.example"


@contextmanager
def node(folder: Path, database_url: str) -> Iterator[str]:
    """`crosswalk serve` on ``folder`` (its own workspace file, nothing else shared)."""
    import httpx2

    port = free_port()
    command = [sys.executable, "-m", "crosswalk", "--workspace", str(folder)]
    command += ["--database-url", database_url, "serve", "--port", str(port)]
    log = folder.parent / f"{folder.name}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, stdout=output, stderr=output, start_new_session=True, env=dict(os.environ)
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text(errors="replace")
            try:
                if httpx2.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx2.HTTPError:
                pass
            assert time.monotonic() < deadline, f"{url} did not start"
            time.sleep(0.2)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def signed_in(url: str) -> tuple[Any, str]:
    import httpx2

    browser = httpx2.Client(base_url=url, timeout=60)
    token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/login").text)
    assert token
    answer = browser.post(
        "/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token.group(1)}
    )
    assert answer.status_code == 303, answer.text
    return browser, browser.get("/api/session").json()["csrf_token"]


@pytest.mark.slow
def test_evidence_uploaded_through_one_node_downloads_through_the_other(
    tmp_path: Path, postgres_database_url: str, s3_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(BLOB_URL_ENV, s3_url)
    monkeypatch.setenv(KEY_ENV, secrets.token_hex(32))  # the team's audit key, on every node
    first, _ = init_workspace(tmp_path / "node-a", database_url=postgres_database_url)
    with session_scope(first.engine, actor="setup") as session:
        add_control(session, ControlInput("AC-1", "Quarterly access review"))
        add_user(session, EMAIL, "editor", PASSWORD, name="editor")
        session.commit()
    first.close()
    second, _ = init_workspace(tmp_path / "node-b", database_url=postgres_database_url)
    second.close()
    content = os.urandom(2 * 1024 * 1024 + 3)

    with (
        node(tmp_path / "node-a", postgres_database_url) as a,
        node(tmp_path / "node-b", postgres_database_url) as b,
    ):
        browser_a, csrf_a = signed_in(a)
        uploaded = browser_a.post(
            "/api/evidence",
            data={"title": "Access review export", "controls": "AC-1"},
            files={"file": ("export.csv", content, "text/csv")},
            headers={"X-CSRF-Token": csrf_a},
        )
        assert uploaded.status_code == 201, uploaded.text
        evidence_id = uploaded.json()["id"]
        browser_b, _ = signed_in(b)
        download = browser_b.get(f"/evidence/{evidence_id}/download")
        assert download.status_code == 200, download.text
        assert download.content == content
        verified = browser_b.get("/api/evidence/verify?recheck=1").json()
        assert verified["intact"], verified

    for folder in ("node-a", "node-b"):
        assert not (tmp_path / folder / "evidence").exists()  # nothing on either node's disk
