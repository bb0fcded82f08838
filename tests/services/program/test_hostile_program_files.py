"""Program folders written to hurt or by mistake (an impossible date, 100,000 nested brackets,
a few lines of aliases that expand to a billion values, a NUL, a file of megabytes) are
refused by `apply` naming the file (and line), quickly, and nothing is applied."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from crosswalk.catalogs.loader import Library
from crosswalk.domain.errors import CrosswalkError
from crosswalk.services.controls.controls import ControlInput, add_control
from crosswalk.services.isms.risk_method import read_method_file
from crosswalk.services.program.files import apply_program, export_program
from crosswalk.store.engine import session_scope
from crosswalk.store.workspace import Workspace
from tests.fuzzing import workspace_fingerprint

LAUGHS = "".join(
    f"  l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 10) if n else 'lol'}]\n" for n in range(9)
)


def exported(workspace: Workspace, folder: Path) -> Path:
    with session_scope(workspace.engine) as session:
        add_control(session, ControlInput("AC-1", "Access review", owner="Dana"))
        add_control(session, ControlInput("AC-2", "Backups tested", owner="Sam"))
        session.commit()
        export_program(session, folder)
    return folder / "controls" / "AC-1.yaml"


def refused(workspace: Workspace, library: Library, folder: Path, seconds: float = 2.0) -> str:
    before = workspace_fingerprint(workspace)
    started = time.perf_counter()
    with session_scope(workspace.engine) as session, pytest.raises(CrosswalkError) as caught:
        apply_program(session, library, folder)
        session.commit()
    assert time.perf_counter() - started < seconds
    assert workspace_fingerprint(workspace) == before
    return str(caught.value)


def test_an_impossible_date_is_named_by_file_and_line(
    sqlite_workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    path = exported(sqlite_workspace, tmp_path / "program")
    path.write_text(
        path.read_text() + "retired:\n  date: 2026-02-30\n  reason: merged\n", encoding="utf-8"
    )
    message = refused(sqlite_workspace, library, tmp_path / "program")
    assert message.startswith(f"{path} at line 12: not valid YAML")
    assert "'2026-02-30': day is out of range for month" in message


def test_an_impossible_date_in_an_isms_record_is_named_too(
    sqlite_workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    exported(sqlite_workspace, tmp_path / "program")
    record = tmp_path / "program" / "objectives" / "OBJ-01.yaml"
    record.parent.mkdir(exist_ok=True)
    record.write_text(
        "format: crosswalk/objective@1\nobjective_id: OBJ-01\ntitle: Patch fast\n"
        "measure: days\ntarget: 14\nowner: Jonas\ndue_on: 2026-02-30\nstatus: open\n",
        encoding="utf-8",
    )
    message = refused(sqlite_workspace, library, tmp_path / "program")
    assert message.startswith(f"{record} at line 7: not valid YAML")


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("!!timestamp x", "'x' is not a timestamp"),
        ("!!bool maybe", "'maybe' is not a bool"),
        ("!!int " + "9" * 5000, f"{'9' * 60!r}...: Exceeds the limit (4300 digits)"),
    ],
)
def test_a_tag_on_a_value_it_does_not_fit_is_named_by_file_and_line(
    sqlite_workspace: Workspace, library: Library, tmp_path: Path, value: str, problem: str
) -> None:
    """Found by fuzzing: PyYAML's constructors raised AttributeError and KeyError (and a
    ValueError, shown cut short, for a number of 5,000 digits)."""
    path = exported(sqlite_workspace, tmp_path / "program")
    path.write_text(path.read_text().replace("evidence: ''", f"evidence: {value}"))
    message = refused(sqlite_workspace, library, tmp_path / "program")
    assert message.startswith(f"{path} at line 9: not valid YAML: {problem}")


def test_a_hundred_thousand_nested_brackets_are_refused_by_name(
    sqlite_workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    path = exported(sqlite_workspace, tmp_path / "program")
    path.write_text(
        path.read_text().replace("evidence: ''", "evidence: " + "[" * 100_000 + "]" * 100_000),
        encoding="utf-8",
    )
    message = refused(sqlite_workspace, library, tmp_path / "program")
    assert message.startswith(f"{path} at line ")
    assert "nested more than 200 levels deep; refused before parsing" in message


def test_aliases_expanding_to_a_billion_values_are_refused_at_once(
    sqlite_workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    """Eleven lines; pydantic took over 30 s to describe the wrong type of the value."""
    path = exported(sqlite_workspace, tmp_path / "program")
    text = "laughs:\n" + LAUGHS + path.read_text().replace("evidence: ''", "evidence: *l8")
    path.write_text(text, encoding="utf-8")
    message = refused(sqlite_workspace, library, tmp_path / "program")
    assert message.startswith(f"{path}: not valid YAML: anchors and aliases")


def test_a_nul_in_a_value_is_refused_on_every_database(
    workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    """PostgreSQL cannot store a NUL in text: it was a traceback there."""
    path = exported(workspace, tmp_path / "program")
    path.write_text(
        path.read_text().replace("title: Access review", 'title: "Access\\0review"'),
        encoding="utf-8",
    )
    assert "NUL character" in refused(workspace, library, tmp_path / "program")


def test_a_raw_nul_byte_is_named_by_file_and_line(
    sqlite_workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    """Found by fuzzing: PyYAML refuses the character before parsing, with an error raised
    where nothing caught it (a ReaderError traceback)."""
    path = exported(sqlite_workspace, tmp_path / "program")
    path.write_bytes(path.read_bytes().replace(b"title: Access", b"title: Acc\x00ess"))
    message = refused(sqlite_workspace, library, tmp_path / "program")
    assert message == f"{path} at line 3: not valid YAML: character '\\x00' is not allowed in YAML"


def test_a_record_file_of_megabytes_is_refused_before_it_is_read(
    sqlite_workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    path = exported(sqlite_workspace, tmp_path / "program")
    path.write_text(
        path.read_text().replace("description: ''", "description: " + "x" * 3_000_000),
        encoding="utf-8",
    )
    message = refused(sqlite_workspace, library, tmp_path / "program")
    assert message == f"{path}: 2.9 MiB, more than the 2 MiB a record file may be; nothing was read"


def test_the_risk_method_file_is_read_the_same_way(tmp_path: Path) -> None:
    path = tmp_path / "method.yaml"
    path.write_text("format: crosswalk/risk-method@1\nx:\n" + LAUGHS + "likelihood: *l8\n")
    started = time.perf_counter()
    with pytest.raises(CrosswalkError, match="anchors and aliases"):
        read_method_file(path)
    assert time.perf_counter() - started < 2


def test_export_replaces_a_file_saved_in_another_encoding(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    """Export compared the file it would overwrite as UTF-8 text: a control file the user had
    saved as Latin-1 stopped `export program` with a UnicodeDecodeError."""
    path = exported(sqlite_workspace, tmp_path / "program")
    written = path.read_bytes()
    path.write_bytes(written.replace(b"Access review", b"Revue des acc\xe8s"))
    with session_scope(sqlite_workspace.engine) as session:
        export_program(session, tmp_path / "program")
    assert path.read_bytes() == written
