"""Accounts, sign-in and sessions, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crosswalk.services.access.users import (
    MAX_FAILURES_PER_ACCOUNT,
    LoginLimited,
    LoginRefused,
    UserError,
    add_user,
    authenticate,
    end_session,
    find_session,
    set_active,
    set_password,
    set_role,
    start_session,
)
from crosswalk.store.auth_models import UserRow
from crosswalk.store.engine import session_scope
from crosswalk.store.workspace import Workspace

PASSWORD = "twelve chars at least"


def test_passwords_are_argon2_hashes_and_verify(workspace: Workspace) -> None:
    with session_scope(workspace.engine) as session:
        row = add_user(session, "Lead@Example.com", "admin", PASSWORD)
        assert not hasattr(row, "password_hash")  # the view clients get carries no hash
        stored = session.get(UserRow, row.id)
        assert stored is not None
        assert stored.password_hash.startswith("$argon2id$")
        assert PASSWORD not in stored.password_hash
        assert authenticate(session, "lead@example.com", PASSWORD, "10.0.0.1").id == row.id
        with pytest.raises(LoginRefused):
            authenticate(session, "lead@example.com", PASSWORD + "x", "10.0.0.1")
        with pytest.raises(LoginRefused):  # same answer for an unknown account
            authenticate(session, "nobody@example.com", PASSWORD, "10.0.0.1")


def test_the_limit_counts_failures_per_account_and_expires(workspace: Workspace) -> None:
    now = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    with session_scope(workspace.engine) as session:
        add_user(session, "a@example.com", "editor", PASSWORD)
        for _ in range(MAX_FAILURES_PER_ACCOUNT):
            with pytest.raises(LoginRefused):
                authenticate(session, "a@example.com", "wrong password!", "10.0.0.2", now)
        with pytest.raises(LoginLimited):
            authenticate(session, "a@example.com", PASSWORD, "10.0.0.3", now)
        later = now + timedelta(minutes=16)
        assert authenticate(session, "a@example.com", PASSWORD, "10.0.0.3", later).email


def test_disabled_users_cannot_sign_in_and_lose_their_sessions(workspace: Workspace) -> None:
    with session_scope(workspace.engine) as session:
        add_user(session, "admin@example.com", "admin", PASSWORD)
        user = add_user(session, "e@example.com", "editor", PASSWORD)
        started = start_session(session, user)
        assert find_session(session, started.token) is not None
        set_active(session, "e@example.com", False)
        assert find_session(session, started.token) is None
        with pytest.raises(LoginRefused):
            authenticate(session, "e@example.com", PASSWORD, "10.0.0.4")


def test_sessions_expire_end_and_follow_password_changes(workspace: Workspace) -> None:
    now = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    with session_scope(workspace.engine) as session:
        user = add_user(session, "e@example.com", "editor", PASSWORD)
        first = start_session(session, user, hours=1, now=now)
        assert find_session(session, first.token, now + timedelta(minutes=59)) is not None
        assert find_session(session, first.token, now + timedelta(minutes=61)) is None
        second = start_session(session, user)
        end_session(session, second.token)
        assert find_session(session, second.token) is None
        third = start_session(session, user)
        set_password(session, "e@example.com", PASSWORD + "!")
        assert find_session(session, third.token) is None
        assert find_session(session, "made-up-token") is None


def test_the_last_admin_cannot_be_demoted_or_disabled(workspace: Workspace) -> None:
    with session_scope(workspace.engine) as session:
        add_user(session, "admin@example.com", "admin", PASSWORD)
        with pytest.raises(UserError, match="last active admin"):
            set_role(session, "admin@example.com", "editor")
        with pytest.raises(UserError, match="last active admin"):
            set_active(session, "admin@example.com", False)
        add_user(session, "second@example.com", "admin", PASSWORD)
        assert set_role(session, "admin@example.com", "editor").role == "editor"
        assert session.get(UserRow, 1) is not None


def test_user_changes_are_in_the_audit_trail_without_the_hash(workspace: Workspace) -> None:
    from crosswalk.services.evidence.trail import list_entries

    with session_scope(workspace.engine, actor="lead@example.com") as session:
        add_user(session, "admin@example.com", "admin", PASSWORD)
        session.commit()
        entries = [e for e in list_entries(session) if e.entity == "user"]
    assert [(e.actor, e.action, e.entity_key) for e in entries] == [
        ("lead@example.com", "create", "admin@example.com")
    ]
    assert "argon2" not in (entries[0].after or "")


def test_the_session_lookup_reads_the_trail_head_in_the_same_round_trip(
    workspace: Workspace,
) -> None:
    from crosswalk.services.controls.controls import ControlInput, add_control
    from crosswalk.services.evidence.trail import trail_head

    with session_scope(workspace.engine) as session:
        user = add_user(session, "e@example.com", "editor", PASSWORD)
        started = start_session(session, user)
        session.commit()
    with session_scope(workspace.engine, actor="e@example.com") as session:
        add_control(session, ControlInput("AC-1", "Access review"))
        session.commit()
    with session_scope(workspace.engine, actor="someone@example.com") as session:
        add_control(session, ControlInput("AC-2", "Leavers"))
        session.commit()
    with session_scope(workspace.engine) as session:
        assert find_session(session, started.token).trail_head is None  # type: ignore[union-attr]
        for since in (0, 1, 10_000):
            found = find_session(session, started.token, trail_since=since)
            assert found is not None
            assert found.trail_head == trail_head(session, since, "e@example.com")
        latest, mine = trail_head(session, 0, "e@example.com")
        assert 0 < mine < latest  # the other account wrote last


def test_forty_attempts_at_once_are_counted_as_forty(workspace: Workspace) -> None:
    """Each attempt is recorded before its (slow) password check: parallel guesses cannot
    all pass the limit while none of them has been counted yet."""
    from concurrent.futures import ThreadPoolExecutor

    with session_scope(workspace.engine) as session:
        add_user(session, "target@example.com", "editor", PASSWORD)
        session.commit()

    def guess(number: int) -> str:
        with session_scope(workspace.engine) as session:
            try:
                authenticate(session, "target@example.com", f"guess {number}!", f"10.1.0.{number}")
            except LoginLimited:
                return "limited"
            except LoginRefused:
                return "refused"
            finally:
                session.commit()
            return "signed in"

    with ThreadPoolExecutor(max_workers=40) as pool:
        outcomes = list(pool.map(guess, range(40)))
    assert outcomes.count("refused") == MAX_FAILURES_PER_ACCOUNT
    assert outcomes.count("limited") == 40 - MAX_FAILURES_PER_ACCOUNT
    # The right password too, until the window passes.
    with session_scope(workspace.engine) as session, pytest.raises(LoginLimited):
        authenticate(session, "target@example.com", PASSWORD, "10.2.0.1")


def test_sign_ins_at_once_never_starve_a_small_pool(workspace: Workspace) -> None:
    """An attempt used to hold the request's connection while it took a second one to record
    itself: as many sign-ins at once as the pool has connections then waited for each other
    until the pool timed out. Now each takes one connection at a time."""
    import threading

    from sqlalchemy import create_engine

    with session_scope(workspace.engine) as session:
        add_user(session, "target@example.com", "editor", PASSWORD)
        session.commit()
    small = create_engine(workspace.database_url, pool_size=2, max_overflow=0, pool_timeout=5)
    start = threading.Barrier(6)
    outcomes: list[str] = []

    def sign_in(number: int) -> None:
        with session_scope(small) as session:
            start.wait()
            try:
                authenticate(session, "target@example.com", PASSWORD, f"10.3.0.{number}")
                session.commit()
                outcomes.append("signed in")
            except Exception as error:
                outcomes.append(type(error).__name__)

    threads = [threading.Thread(target=sign_in, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    small.dispose()
    assert outcomes == ["signed in"] * 6
