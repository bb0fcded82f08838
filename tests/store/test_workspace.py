from __future__ import annotations

from pathlib import Path

import pytest

from crosswalk.store.locate import WORKSPACE_FILE
from crosswalk.store.workspace import (
    WorkspaceError,
    init_workspace,
    open_workspace,
)


def test_init_creates_the_workspace_and_is_idempotent(tmp_path: Path) -> None:
    folder = tmp_path / "acme"
    workspace, created = init_workspace(folder, name="ACME")
    workspace.close()
    assert created and (folder / WORKSPACE_FILE).is_file() and (folder / "crosswalk.db").is_file()
    config = (folder / WORKSPACE_FILE).read_text(encoding="utf-8")
    again, created_again = init_workspace(folder, name="Other name")
    again.close()
    assert not created_again
    assert (folder / WORKSPACE_FILE).read_text(encoding="utf-8") == config  # never overwritten
    assert again.name == "ACME"


def test_commands_find_the_workspace_from_a_subfolder(tmp_path: Path) -> None:
    workspace, _ = init_workspace(tmp_path / "acme")
    workspace.close()
    nested = tmp_path / "acme" / "evidence" / "2026"
    nested.mkdir(parents=True)
    found = open_workspace(start=nested)
    found.close()
    assert found.root == (tmp_path / "acme").resolve()


def test_no_workspace_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="run `crosswalk init`"):
        open_workspace(start=tmp_path)
    with pytest.raises(WorkspaceError, match="is not a Crosswalk workspace"):
        open_workspace(explicit=tmp_path)


def test_database_url_overrides_the_sqlite_default(tmp_path: Path) -> None:
    other = tmp_path / "elsewhere.db"
    workspace, _ = init_workspace(tmp_path / "acme", database_url=f"sqlite:///{other}")
    workspace.close()
    assert other.exists()
    assert not (tmp_path / "acme" / "crosswalk.db").exists()
    reopened = open_workspace(explicit=tmp_path / "acme")
    reopened.close()
    assert reopened.database_url == f"sqlite:///{other}"


def test_unreachable_or_unknown_databases_are_clear_errors(tmp_path: Path) -> None:
    from crosswalk.store.engine import DatabaseError

    with pytest.raises(
        DatabaseError, match=r"cannot use postgresql\+psycopg://nobody:\*\*\*@127.0.0.1:1/db"
    ):
        init_workspace(
            tmp_path / "a", database_url="postgresql+psycopg://nobody:secret@127.0.0.1:1/db"
        )
    with pytest.raises(DatabaseError, match="'mysql' databases are not supported"):
        init_workspace(tmp_path / "b", database_url="mysql://x@localhost/db")


def test_the_database_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    """It holds password and session hashes: 0600 like the evidence blobs, its WAL too."""
    import stat

    from crosswalk.services.controls.controls import ControlInput, add_control
    from crosswalk.store.engine import session_scope

    workspace, _created = init_workspace(tmp_path / "acme")
    with session_scope(workspace.engine) as session:
        add_control(session, ControlInput("AC-1", "Access review"))
        session.commit()
        files = sorted((tmp_path / "acme").glob("crosswalk.db*"))
        assert [f.name for f in files][:2] == ["crosswalk.db", "crosswalk.db-shm"]
        for path in files:
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    workspace.close()
