"""The one-time link that creates the first admin (issue 17): only while no admin exists,
once, for an hour; a refused form keeps the link and saves nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crosswalk.services.access.first_admin import (
    SETUP_FILE,
    SetupRefused,
    check_link,
    create_first_admin,
    forget_link,
    has_admin,
    issue_link,
)
from crosswalk.services.access.users import UserError, add_user, list_users
from crosswalk.store.engine import session_scope
from crosswalk.store.workspace import Workspace

PASSWORD = "twelve chars at least"
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def test_the_link_creates_the_first_admin_once(sqlite_workspace: Workspace) -> None:
    root = sqlite_workspace.root
    with session_scope(sqlite_workspace.engine) as session:
        token = issue_link(session, root, NOW)
        assert token is not None
        assert (root / SETUP_FILE).stat().st_mode & 0o777 == 0o600
        assert token not in (root / SETUP_FILE).read_text()  # only its hash is kept
        with pytest.raises(SetupRefused, match="not the current one"):
            check_link(session, root, "guessed", NOW)
        with pytest.raises(UserError):  # a bad email: nothing saved, the link still good
            create_first_admin(session, root, token, "not-an-email", PASSWORD, now=NOW)
        session.rollback()
        check_link(session, root, token, NOW)
        user = create_first_admin(session, root, token, "ada@example.com", PASSWORD, "Ada", NOW)
        session.commit()
        forget_link(root)
        assert user.role == "admin" and has_admin(session)
        with pytest.raises(SetupRefused, match="already has an admin"):
            check_link(session, root, token, NOW)
        assert issue_link(session, root, NOW) is None  # no link once an admin exists
        assert [u.email for u in list_users(session)] == ["ada@example.com"]


def test_the_link_expires_after_an_hour_and_a_new_one_replaces_it(
    sqlite_workspace: Workspace,
) -> None:
    root = sqlite_workspace.root
    with session_scope(sqlite_workspace.engine) as session:
        first = issue_link(session, root, NOW)
        assert first is not None
        with pytest.raises(SetupRefused, match="expired"):
            check_link(session, root, first, NOW + timedelta(hours=1, seconds=1))
        second = issue_link(session, root, NOW)
        assert second is not None and second != first
        with pytest.raises(SetupRefused, match="not the current one"):
            check_link(session, root, first, NOW)
        check_link(session, root, second, NOW)


def test_a_workspace_with_an_admin_gets_no_link(sqlite_workspace: Workspace) -> None:
    root = sqlite_workspace.root
    with session_scope(sqlite_workspace.engine) as session:
        add_user(session, "boss@example.com", "admin", PASSWORD)
        session.commit()
        assert issue_link(session, root, NOW) is None
        assert not (root / SETUP_FILE).exists()
