"""The per-process result cache: right after any change, never stacked up under load."""

from __future__ import annotations

import threading
import time
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from crosswalk.catalogs.loader import Library
from crosswalk.domain.controls import OperatingStatus
from crosswalk.reports.serialize import to_jsonable
from crosswalk.services.controls.controls import ControlInput, add_control, edit_control
from crosswalk.services.program.dashboard import build_dashboard
from crosswalk.store.engine import session_scope
from crosswalk.store.workspace import Workspace, open_workspace
from crosswalk.web.app import create_app
from crosswalk.web.context import AppState
from crosswalk.web.settings import WebSettings
from tests.conftest import DEMO_TODAY
from tests.web.conftest import USERS, WebWorkspace, sign_in


def _change(workspace: Workspace, actor: str, control_id: str) -> None:
    with session_scope(workspace.engine, actor=actor) as session:
        add_control(session, ControlInput(control_id, "A control"))
        session.commit()


def test_a_result_is_reused_until_the_data_changes(
    sqlite_workspace: Workspace, library: Library
) -> None:
    state = AppState(WebSettings(today=date(2026, 11, 27)), sqlite_workspace, library)
    calls: list[int] = []
    with session_scope(sqlite_workspace.engine) as session:
        assert state.cached(session, "n", lambda: calls.append(1) or len(calls)) == 1
        assert state.cached(session, "n", lambda: calls.append(1) or len(calls)) == 1
    _change(sqlite_workspace, "a@example.com", "C-1")
    with session_scope(sqlite_workspace.engine) as session:
        assert state.cached(session, "n", lambda: calls.append(1) or len(calls)) == 2
        assert state.cached(session, "other", lambda: "x", "key") == "x"


def test_while_one_request_recomputes_others_get_the_previous_result_except_the_writer(
    sqlite_workspace: Workspace, library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("crosswalk.web.state.REFRESH_SECONDS", 0.0)  # v0 is old at once
    state = AppState(WebSettings(today=date(2026, 11, 27)), sqlite_workspace, library)
    with session_scope(sqlite_workspace.engine) as session:
        assert state.cached(session, "board", lambda: "v0") == "v0"
    _change(sqlite_workspace, "writer@example.com", "C-1")
    started, release = threading.Event(), threading.Event()

    def slow() -> str:
        started.set()
        release.wait(10)
        return "v1"

    results: list[str] = []

    def first_reader() -> None:
        with session_scope(sqlite_workspace.engine, actor="reader@example.com") as session:
            results.append(state.cached(session, "board", slow))

    thread = threading.Thread(target=first_reader)
    thread.start()
    assert started.wait(10)
    with session_scope(sqlite_workspace.engine, actor="someone@example.com") as session:
        assert state.cached(session, "board", lambda: "not computed twice") == "v0"
    writer_result: list[str] = []

    def writer() -> None:  # changed the data: waits for the fresh result, never the stale one
        with session_scope(sqlite_workspace.engine, actor="writer@example.com") as session:
            writer_result.append(state.cached(session, "board", lambda: "not computed twice"))

    waiting = threading.Thread(target=writer)
    waiting.start()
    waiting.join(0.3)
    assert waiting.is_alive()  # blocked behind the recomputation
    release.set()
    thread.join(10)
    waiting.join(10)
    assert results == ["v1"]
    assert writer_result == ["v1"]


def test_others_may_read_a_result_a_few_seconds_old_the_writer_never(
    sqlite_workspace: Workspace, library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = AppState(WebSettings(today=date(2026, 11, 27)), sqlite_workspace, library)
    with session_scope(sqlite_workspace.engine) as session:
        assert state.cached(session, "board", lambda: "v0") == "v0"
    _change(sqlite_workspace, "writer@example.com", "C-1")
    with session_scope(sqlite_workspace.engine, actor="reader@example.com") as session:
        assert state.cached(session, "board", lambda: "v1") == "v0"  # seconds old: fine
    with session_scope(sqlite_workspace.engine, actor="writer@example.com") as session:
        assert state.cached(session, "board", lambda: "v1") == "v1"  # their own change
    _change(sqlite_workspace, "writer@example.com", "C-2")
    monkeypatch.setattr("crosswalk.web.state.REFRESH_SECONDS", 0.0)
    with session_scope(sqlite_workspace.engine, actor="reader@example.com") as session:
        assert state.cached(session, "board", lambda: "v2") == "v2"  # too old now


# --- the live program: shared correctly across workers ------------------------------------


def _signed_in(app: Any, email: str) -> tuple[TestClient, str]:
    http = TestClient(app)
    http.__enter__()
    sign_in(http, email)
    return http, http.get("/api/session").json()["csrf_token"]


def _status(http: TestClient, control_id: str) -> str:
    rows = http.get(f"/api/controls?q={control_id}").json()["controls"]
    return str(next(r["status"] for r in rows if r["control_id"] == control_id))


def test_an_edit_reaches_every_worker_its_author_at_once_and_others_within_seconds(
    web: WebWorkspace, library: Library
) -> None:
    """Two app instances on one workspace, as two server workers: an edit made through one
    is seen through the other by its author on their next request, by everyone else within
    seconds, and the other's figures equal a full recompute."""
    first, second = web.app, create_app(web.settings)
    editor, other = USERS["editor"][0], USERS["control_owner"][0]
    author_here, csrf = _signed_in(first, editor)
    author_there, _ = _signed_in(second, editor)
    reader_there, _ = _signed_in(second, other)
    try:
        assert _status(reader_there, "NW-GOV-02") == "operating"  # the second is primed
        answer = author_here.patch(
            "/api/controls/NW-GOV-02", json={"status": "on paper"}, headers={"X-CSRF-Token": csrf}
        )
        assert answer.status_code == 200, answer.text
        assert _status(author_there, "NW-GOV-02") == "on paper"  # at once, on either worker
        waited = time.monotonic()
        while _status(reader_there, "NW-GOV-02") != "on paper":
            assert time.monotonic() - waited < 5, "a reader of the other worker never saw it"
            time.sleep(0.05)
        with web.session() as session:
            full = build_dashboard(session, library, DEMO_TODAY, web.folder)
        assert reader_there.get("/api/dashboard").json() == to_jsonable(full)
    finally:
        for http in (author_here, author_there, reader_there):
            http.__exit__(None, None, None)


def test_uncommitted_writes_never_reach_the_program_other_requests_share(
    web: WebWorkspace, library: Library
) -> None:
    opened = open_workspace(web.folder)
    state = AppState(WebSettings(today=DEMO_TODAY, warm=False), opened, library)
    try:
        with session_scope(opened.engine, actor="editor@northwind.example") as session:
            edit_control(session, "NW-GOV-02", status=OperatingStatus.ON_PAPER)  # flushed
            mine = state.program(session, library)
            assert mine.controls["NW-GOV-02"].facts.status is OperatingStatus.ON_PAPER
            session.rollback()  # the request failed after all
        with session_scope(opened.engine) as session:
            shared = state.program(session, library)
            assert shared.controls["NW-GOV-02"].facts.status is OperatingStatus.OPERATING
            assert shared is not mine
    finally:
        opened.close()


def test_a_slow_check_does_not_hold_the_page_and_the_last_result_is_shown() -> None:
    """The trail page's chain check: a fast one answers at once; a slow one (a store of
    hundreds of thousands of records) leaves the page with the last finished result."""
    import threading

    from crosswalk.web.state import BackgroundCheck

    check: BackgroundCheck[str] = BackgroundCheck()
    assert check.get("v1", lambda: "intact at v1", wait=5) == ("intact at v1", True)
    assert check.get("v1", lambda: "never run", wait=0) == ("intact at v1", True)  # kept
    release = threading.Event()

    def slow() -> str:
        release.wait(10)
        return "intact at v2"

    assert check.get("v2", slow, wait=0.05) == ("intact at v1", False)
    # another request meanwhile neither waits nor starts a second run
    assert check.get("v2", lambda: "a second run", wait=5) == ("intact at v1", False)
    release.set()
    deadline = time.monotonic() + 10
    while check.get("v2", slow, wait=0) != ("intact at v2", True):
        assert time.monotonic() < deadline
        time.sleep(0.01)
