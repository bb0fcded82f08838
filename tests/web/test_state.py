"""The per-process result cache: right after any change, never stacked up under load."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from crosswalk.catalogs.loader import Library
from crosswalk.services.controls.controls import ControlInput, add_control
from crosswalk.store.engine import session_scope
from crosswalk.store.workspace import Workspace
from crosswalk.web.context import AppState
from crosswalk.web.settings import WebSettings


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
