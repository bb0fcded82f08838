"""`crosswalk users` bootstraps and manages web accounts; `crosswalk serve` runs the app."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli.conftest import Run, as_json
from tests.web.conftest import free_port

PASSWORD = "a long enough password"


def test_users_add_bootstraps_an_admin_and_lists_it(workspace_dir: Path, run: Run) -> None:
    added = as_json(
        run("users", "add", "Lead@Example.com", "--role", "admin", "--password", PASSWORD, "--json")
    )
    assert added == {"email": "lead@example.com", "role": "admin", "owner_name": None}
    listed = as_json(run("users", "list", "--json"))
    assert [(u["email"], u["role"], u["active"]) for u in listed] == [
        ("lead@example.com", "admin", True)
    ]
    assert "password" not in str(listed).lower()  # no hash ever leaves the store


def test_users_refuses_bad_input_and_changes_nothing(workspace_dir: Path, run: Run) -> None:
    bad_role = run("users", "add", "a@example.com", "--role", "root", "--password", PASSWORD)
    assert bad_role.exit_code == 2
    assert "unknown role 'root'" in bad_role.stderr
    short = run("users", "add", "a@example.com", "--role", "editor", "--password", "short")
    assert short.exit_code == 2
    assert "at least 12 characters" in short.stderr
    owner = run("users", "add", "o@example.com", "--role", "control_owner", "--password", PASSWORD)
    assert owner.exit_code == 2
    assert "--owner" in owner.stderr
    assert as_json(run("users", "list", "--json")) == []


def test_roles_windows_and_disabling(workspace_dir: Path, run: Run) -> None:
    run("users", "add", "aud@example.com", "--role", "auditor", "--password", PASSWORD)
    window = as_json(
        run(
            "users",
            "set-window",
            "aud@example.com",
            "--start",
            "2026-01-01",
            "--end",
            "2026-06-30",
            "--json",
        )
    )
    assert window["window"] == ["2026-01-01", "2026-06-30"]
    backwards = run(
        "users", "set-window", "aud@example.com", "--start", "2026-06-30", "--end", "2026-01-01"
    )
    assert backwards.exit_code == 2
    changed = as_json(
        run("users", "set-role", "aud@example.com", "control-owner", "--owner", "Dana", "--json")
    )
    assert changed == {"email": "aud@example.com", "role": "control_owner", "owner_name": "Dana"}
    assert as_json(run("users", "disable", "aud@example.com", "--json"))["active"] is False
    assert (
        as_json(
            run("users", "password", "aud@example.com", "--password", PASSWORD + "!", "--json")
        )["password_changed"]
        is True
    )


def _wait_for(url: str, process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    import httpx2

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"server exited: {process.stderr.read().decode() if process.stderr else ''}"
            )
        try:
            if httpx2.get(url, timeout=1).status_code == 200:
                return
        except httpx2.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer in {seconds} s")


def _serve(
    workspace: Path, database_url: str | None, workers: int
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = [sys.executable, "-m", "crosswalk", "--workspace", str(workspace)]
    if database_url:
        command += ["--database-url", database_url]
    command += ["serve", "--port", str(port), "--workers", str(workers)]
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
        env={**os.environ, "CROSSWALK_PASSWORD": PASSWORD},
    )
    return process, f"http://127.0.0.1:{port}"


def _stop(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_serve_signs_in_and_any_worker_serves_the_session(
    tmp_path: Path, run: Run, backend: str, request: pytest.FixtureRequest
) -> None:
    import httpx2

    database_url = None
    workers = 1
    if backend == "postgresql":
        database_url = request.getfixturevalue("postgres_database_url")
        workers = 3  # sessions live in the database, so any worker serves any request
    folder = tmp_path / "ws"
    root = ["--database-url", database_url] if database_url else []
    assert run(*root, "init", str(folder)).exit_code == 0
    base = ["--workspace", str(folder)] + (["--database-url", database_url] if database_url else [])
    assert (
        run(
            *base, "users", "add", "lead@example.com", "--role", "admin", "--password", PASSWORD
        ).exit_code
        == 0
    )
    process, url = _serve(folder, database_url, workers)
    try:
        _wait_for(f"{url}/healthz", process)
        with httpx2.Client(base_url=url) as browser:
            form = browser.get("/login").text
            token = re.search(r'name="csrf_token" value="([^"]+)"', form)
            assert token
            signed = browser.post(
                "/login",
                data={
                    "email": "lead@example.com",
                    "password": PASSWORD,
                    "csrf_token": token.group(1),
                },
            )
            assert signed.status_code == 303
            cookie = browser.cookies["crosswalk_session"]
        for _ in range(30):  # a new connection each time: the workers share them out
            with httpx2.Client(base_url=url, cookies={"crosswalk_session": cookie}) as fresh:
                answer = fresh.get("/api/session", headers={"Connection": "close"})
                assert answer.status_code == 200, answer.text
                assert answer.json()["email"] == "lead@example.com"
    finally:
        _stop(process)


def test_serve_refuses_several_workers_on_sqlite(workspace_dir: Path, run: Run) -> None:
    refused = run("serve", "--workers", "2")
    assert refused.exit_code == 2
    message = " ".join(refused.stderr.split())
    assert "--workers 2 needs PostgreSQL" in message and "--database-url" in message
