"""Sessions of one engine come from one factory: each ``sessionmaker`` makes a Session class
of its own, and SQLAlchemy sets up a new class's event dispatch on first use (some 3 % of
the web app's time under load when every request made one). The audit trail's listeners,
registered on ``Session`` itself, still reach every session."""

from __future__ import annotations

from sqlalchemy import func, select

from crosswalk.services.controls.controls import ControlInput, add_control
from crosswalk.store.engine import session_scope
from crosswalk.store.models import AuditRow
from crosswalk.store.workspace import Workspace, init_workspace


def test_sessions_of_one_engine_share_one_class_and_each_is_audited(
    sqlite_workspace: Workspace,
) -> None:
    with session_scope(sqlite_workspace.engine) as first:
        first_class = type(first)
    with session_scope(sqlite_workspace.engine, actor="a@example.com") as second:
        assert type(second) is first_class
        add_control(second, ControlInput("C-1", "A control"))
        second.commit()
    with session_scope(sqlite_workspace.engine) as third:
        written = third.scalar(select(func.count()).where(AuditRow.actor == "a@example.com"))
        assert written and written > 0, "the change reached the audit trail"


def test_each_engine_has_its_own_factory(sqlite_workspace: Workspace) -> None:
    other, _ = init_workspace(sqlite_workspace.root.parent / "other")
    try:
        with session_scope(sqlite_workspace.engine) as here, session_scope(other.engine) as there:
            assert here.get_bind() is sqlite_workspace.engine
            assert there.get_bind() is other.engine
    finally:
        other.close()
