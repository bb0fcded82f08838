"""Import of a SOC 2 inventory: all or nothing, warnings flagged, idempotent, on both databases."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crosswalk.catalogs.loader import Library
from crosswalk.services.controls.controls import control_flags, get_control
from crosswalk.services.controls.imports import ImportFailed, import_controls
from crosswalk.store.engine import session_scope
from crosswalk.store.models import ControlRow, TagRow
from crosswalk.store.workspace import Workspace

GOOD = (
    "Control ID,Control Name,Control Activity,Owner,Frequency,TSC\n"
    'AC-1,Quarterly access review,Managers review access,Dana (IT),Quarterly,"CC6.2, CC6.3"\n'
    "AC-2,MFA everywhere,SSO enforces MFA,,Continuous,CC6.1\n"
    "RA-1,Annual risk assessment,Risk workshop,CISO,Annually,CC3.1-CC3.4\n"
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(workspace: Workspace, library: Library, path: Path, dry_run: bool = False):  # type: ignore[no-untyped-def]
    with session_scope(workspace.engine) as session:
        report = import_controls(session, library, path, dry_run=dry_run)
        session.commit()
        return report


def count(workspace: Workspace) -> tuple[int, int]:
    with session_scope(workspace.engine) as session:
        return (
            session.scalar(select(func.count()).select_from(ControlRow)) or 0,
            session.scalar(select(func.count()).select_from(TagRow)) or 0,
        )


def test_import_creates_then_reimport_reports_everything_unchanged(
    workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    path = write(tmp_path, "inventory.csv", GOOD)
    first = run(workspace, library, path)
    assert sorted(first.created) == ["AC-1", "AC-2", "RA-1"]
    assert count(workspace) == (3, 7)
    again = run(workspace, library, path)
    assert again.created == [] and again.updated == []
    assert sorted(again.unchanged) == ["AC-1", "AC-2", "RA-1"]
    assert count(workspace) == (3, 7)


def test_empty_owner_is_a_warning_and_the_control_is_flagged(
    workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    report = run(workspace, library, write(tmp_path, "inventory.csv", GOOD))
    assert any("AC-2" in str(w) and "no owner" in str(w) for w in report.warnings)
    with session_scope(workspace.engine) as session:
        assert "unowned" in control_flags(get_control(session, "AC-2"))
        assert "unowned" not in control_flags(get_control(session, "AC-1"))


def test_changed_rows_are_updated_and_the_fields_named(
    workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    run(workspace, library, write(tmp_path, "inventory.csv", GOOD))
    changed = GOOD.replace('Dana (IT),Quarterly,"CC6.2, CC6.3"', "Dana (IT),Monthly,CC6.2")
    report = run(workspace, library, write(tmp_path, "inventory.csv", changed))
    assert report.updated == ["AC-1"]
    assert report.changes["AC-1"] == ["frequency", "frequency_text", "criteria"]
    with session_scope(workspace.engine) as session:
        assert [t.key for t in get_control(session, "AC-1").tags] == ["soc2-tsc-2017:CC6.2"]


def test_dry_run_changes_nothing(workspace: Workspace, library: Library, tmp_path: Path) -> None:
    report = run(workspace, library, write(tmp_path, "inventory.csv", GOOD), dry_run=True)
    assert len(report.created) == 3
    assert count(workspace) == (0, 0)


def test_bad_file_lists_every_problem_and_changes_nothing(
    workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    run(workspace, library, write(tmp_path, "inventory.csv", GOOD))
    before = count(workspace)
    database = Path(workspace.database_url.removeprefix("sqlite:///"))
    digest = hashlib.sha256(database.read_bytes()).hexdigest() if database.exists() else None
    bad = (
        GOOD
        + "AC-1,Duplicate,Again,Dana,Quarterly,CC6.2\nX-9,New control,Unknown,Ann,Annual,CC10.1\n"
    )
    with pytest.raises(ImportFailed) as failure:
        run(workspace, library, write(tmp_path, "bad.csv", bad))
    errors = [str(e) for e in failure.value.report.errors]
    assert any(
        e.startswith("row 5, column 'Control ID': duplicate control id 'AC-1'") for e in errors
    )
    assert any(e.startswith("row 6, column 'TSC'") and "CC10.1" in e for e in errors)
    assert count(workspace) == before
    if digest is not None:  # SQLite: the file is byte-for-byte what it was
        assert hashlib.sha256(database.read_bytes()).hexdigest() == digest


def test_imports_of_the_same_ids_at_once_run_one_after_the_other(
    workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    """Four imports of one file started together: one creates, the others wait for it and
    find nothing to change. Before, two inserted the same ids and one died on a duplicate."""
    rows = ["Control ID,Control Name,Control Activity,Owner,Frequency,TSC"]
    rows += [f"C-{n},Control {n},Does {n},Dana,Quarterly,CC6.{1 + n % 8}" for n in range(200)]
    path = write(tmp_path, "inventory.csv", "\n".join(rows) + "\n")
    start = threading.Barrier(4)
    outcomes: list[object] = []

    def one() -> None:
        start.wait()
        try:
            report = run(workspace, library, path)
            outcomes.append(len(report.created))
        except Exception as error:
            outcomes.append(error)

    threads = [threading.Thread(target=one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes, key=str) == [0, 0, 0, 200], outcomes
    assert count(workspace)[0] == 200
