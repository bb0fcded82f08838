from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from crosswalk.catalogs.loader import Library
from crosswalk.io.program_files import ProgramError
from crosswalk.services.controls.controls import ControlInput, add_control, tag_control
from crosswalk.services.program.files import apply_program, export_program
from crosswalk.store.engine import session_scope
from crosswalk.store.models import ControlRow
from crosswalk.store.workspace import Workspace, init_workspace


def seed(workspace: Workspace, library: Library) -> None:
    with session_scope(workspace.engine) as session:
        add_control(session, ControlInput("AC-1", "Access review", owner="Dana"))
        tag_control(session, library, "AC-1", ["soc2-tsc-2017:CC6.2", "iso27001-2022:A.5.18"])
        add_control(session, ControlInput("IR-1", "Incident response plan", owner="Sam"))
        session.commit()


def test_export_then_apply_reproduces_the_library(
    workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    seed(workspace, library)
    folder = tmp_path / "program"
    with session_scope(workspace.engine) as session:
        written = export_program(session, folder)
    assert sorted(p.name for p in written if p.parent.name == "controls") == [
        "AC-1.yaml",
        "IR-1.yaml",
    ]
    before = {p.name: p.read_bytes() for p in written if p.parent.name == "controls"}
    fresh, _ = init_workspace(tmp_path / "fresh")
    try:
        with session_scope(fresh.engine) as session:
            report = apply_program(session, library, folder)
            session.commit()
            assert sorted(report.created) == ["AC-1", "IR-1"]
            again = apply_program(session, library, folder)
            assert again.created == again.updated == [] and sorted(again.unchanged) == [
                "AC-1",
                "IR-1",
            ]
            export_program(session, tmp_path / "program2")
    finally:
        fresh.close()
    after = {p.name: p.read_bytes() for p in (tmp_path / "program2" / "controls").glob("*.yaml")}
    assert after == before  # the same library always writes the same bytes


def test_edit_in_the_file_is_applied_and_dry_run_changes_nothing(
    workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    seed(workspace, library)
    folder = tmp_path / "program"
    with session_scope(workspace.engine) as session:
        export_program(session, folder)
    path = folder / "controls" / "AC-1.yaml"
    path.write_text(path.read_text().replace("owner: Dana", "owner: Priya"), encoding="utf-8")
    with session_scope(workspace.engine) as session:
        dry = apply_program(session, library, folder, dry_run=True)
        assert dry.updated == ["AC-1"] and dry.changes["AC-1"] == ["owner"]
        session.rollback()
        assert (
            session.scalar(select(ControlRow.owner).where(ControlRow.control_id == "AC-1"))
            == "Dana"
        )
        apply_program(session, library, folder)
        session.commit()
        assert (
            session.scalar(select(ControlRow.owner).where(ControlRow.control_id == "AC-1"))
            == "Priya"
        )


def test_a_bad_ref_in_a_file_is_named_and_nothing_changes(
    workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    seed(workspace, library)
    folder = tmp_path / "program"
    with session_scope(workspace.engine) as session:
        export_program(session, folder)
    path = folder / "controls" / "IR-1.yaml"
    path.write_text(
        path.read_text().replace("tags: []", "tags:\n- requirement: soc2-tsc-2017:CC10.1\n"),
        encoding="utf-8",
    )
    (folder / "controls" / "NEW-1.yaml").write_text(
        (folder / "controls" / "AC-1.yaml").read_text().replace("id: AC-1", "id: NEW-1"),
        encoding="utf-8",
    )
    with session_scope(workspace.engine) as session, pytest.raises(ProgramError) as error:
        apply_program(session, library, folder)
    assert (
        "IR-1.yaml" in str(error.value)
        and "tags[0]" in str(error.value)
        and "CC10.1" in str(error.value)
    )
    with session_scope(workspace.engine) as session:
        assert session.scalar(select(func.count()).select_from(ControlRow)) == 2


def test_controls_missing_from_the_folder_are_kept_unless_pruned(
    workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    seed(workspace, library)
    folder = tmp_path / "program"
    with session_scope(workspace.engine) as session:
        export_program(session, folder)
    (folder / "controls" / "IR-1.yaml").unlink()
    with session_scope(workspace.engine) as session:
        kept = apply_program(session, library, folder)
        assert kept.not_in_files == ["IR-1"] and kept.removed == []
        pruned = apply_program(session, library, folder, prune=True)
        session.commit()
        assert pruned.removed == ["IR-1"]
        assert session.scalar(select(func.count()).select_from(ControlRow)) == 1
