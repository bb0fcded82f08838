"""Text longer than its column holds is refused the same way on SQLite and PostgreSQL, naming
the record and the field, and nothing is written. PostgreSQL raised a DataError traceback
from `import controls` and `apply`; SQLite stored the text whole, past the column's size."""

from __future__ import annotations

from pathlib import Path

import pytest

from crosswalk.catalogs.loader import Library
from crosswalk.domain.errors import CrosswalkError
from crosswalk.services.controls.controls import ControlInput, add_control
from crosswalk.services.controls.imports import ImportFailed, import_controls
from crosswalk.services.program.files import apply_program, export_program
from crosswalk.store.engine import session_scope
from crosswalk.store.workspace import Workspace
from tests.fuzzing import workspace_fingerprint


def refused(workspace: Workspace, action) -> CrosswalkError:  # type: ignore[no-untyped-def]
    before = workspace_fingerprint(workspace)
    with session_scope(workspace.engine) as session, pytest.raises(CrosswalkError) as caught:
        action(session)
        session.commit()
    assert workspace_fingerprint(workspace) == before
    return caught.value


def test_any_writer_is_refused_alike_naming_the_record_and_field(workspace: Workspace) -> None:
    error = refused(
        workspace, lambda session: add_control(session, ControlInput("AC-1", "T" * 600))
    )
    assert str(error) == "control 'AC-1': title has 600 characters, more than the 500 it holds"


def test_an_inventory_title_longer_than_its_column_is_refused(
    workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    path = tmp_path / "inventory.csv"
    path.write_text("Control ID,Control Name,TSC\nAC-1," + "T" * 600 + ",CC6.1\n")
    error = refused(workspace, lambda session: import_controls(session, library, path))
    assert isinstance(error, ImportFailed)
    assert [str(problem) for problem in error.report.errors] == [
        "row 2, column 'Control Name': AC-1: 600 characters, more than the 500 a control's"
        " title holds"
    ]


def test_a_record_file_with_a_title_longer_than_its_column_is_refused(
    workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    with session_scope(workspace.engine) as session:
        add_control(session, ControlInput("AC-1", "Access review"))
        session.commit()
        export_program(session, tmp_path / "program")
    risk = tmp_path / "program" / "risks" / "R-01.yaml"
    risk.parent.mkdir(exist_ok=True)
    risk.write_text(
        "format: crosswalk/risk@1\nrisk_id: R-01\ntitle: " + "R" * 501 + "\n"
        "inherent_likelihood: 4\ninherent_impact: 5\ntreatment: modify\n",
        encoding="utf-8",
    )
    message = str(
        refused(workspace, lambda session: apply_program(session, library, tmp_path / "program"))
    )
    assert message == (f"{risk}: risk 'R-01': title has 501 characters, more than the 500 it holds")


def test_a_control_file_with_a_title_longer_than_its_column_is_refused_by_name(
    workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    with session_scope(workspace.engine) as session:
        add_control(session, ControlInput("AC-1", "Access review"))
        session.commit()
        export_program(session, tmp_path / "program")
    path = tmp_path / "program" / "controls" / "AC-1.yaml"
    path.write_text(path.read_text().replace("Access review", "A" * 501), encoding="utf-8")
    message = str(
        refused(workspace, lambda session: apply_program(session, library, tmp_path / "program"))
    )
    assert message == f"{path}: title: 501 characters, more than the 500 a control's title holds"
