from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from crosswalk.catalogs.loader import Library
from crosswalk.domain.controls import RecordIdError
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


def test_ids_that_used_to_share_a_file_survive_export_and_prune(
    workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    ids = ["X 1", "X_1", "X/1"]
    with session_scope(workspace.engine) as session:
        for control_id in ids:
            add_control(session, ControlInput(control_id, "Access review"))
        session.commit()
        written = export_program(session, tmp_path / "program")
    controls = sorted(p.name for p in written if p.parent.name == "controls")
    assert controls == ["X%201.yaml", "X%2F1.yaml", "X_1.yaml"]
    with session_scope(workspace.engine) as session:
        report = apply_program(session, library, tmp_path / "program", prune=True)
        session.commit()
        assert report.removed == [] and sorted(report.unchanged) == sorted(ids)
        assert sorted(session.scalars(select(ControlRow.control_id))) == sorted(ids)


@pytest.mark.tampers  # stores an id as an older version could have, behind the trail
def test_an_export_that_cannot_be_written_whole_writes_nothing(
    workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    with session_scope(workspace.engine) as session:
        add_control(session, ControlInput("AC-1", "Access review"))
        add_control(session, ControlInput("ac-1", "Leavers"))
        session.commit()
        with pytest.raises(ProgramError, match="'AC-1' and 'ac-1' would share the file"):
            export_program(session, tmp_path / "cased")
        assert not (tmp_path / "cased").exists()
        # An id stored before ids were checked: 90 characters, 360 bytes as a file name.
        session.execute(
            ControlRow.__table__.update()
            .values(control_id="\U0001f512" * 90)
            .where(ControlRow.control_id == "ac-1")
        )
        session.commit()
        with pytest.raises(ProgramError, match="too long to be a file name"):
            export_program(session, tmp_path / "long")
        assert not (tmp_path / "long").exists()


def test_ids_are_checked_where_they_are_made(
    workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    with session_scope(workspace.engine) as session:
        with pytest.raises(RecordIdError, match="5000 characters"):
            add_control(session, ControlInput("A" * 5000, "Too long"))
        add_control(session, ControlInput("AC-1", "Access review"))
        session.commit()
        export_program(session, tmp_path / "program")
    path = tmp_path / "program" / "controls" / "AC-1.yaml"
    path.write_text(path.read_text().replace("id: AC-1", 'id: "AC\\n1"'))
    with (
        session_scope(workspace.engine) as session,
        pytest.raises(ProgramError, match=r"AC-1.yaml: id: .*U\+000A"),
    ):
        apply_program(session, library, tmp_path / "program")
