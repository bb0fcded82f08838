"""Files that are not what their names say get a one-line refusal naming them, never a
traceback or a hang: a folder named x.csv, a pipe, a program file that is not UTF-8."""

from __future__ import annotations

import os
from pathlib import Path

from tests.cli.conftest import Run


def test_a_folder_or_a_pipe_is_refused_by_import(workspace_dir: Path, run: Run) -> None:
    (workspace_dir / "x.csv").mkdir()
    folder = run("import", "controls", "x.csv")
    assert folder.exit_code == 2 and "x.csv: is a folder, not a file" in folder.stderr
    os.mkfifo(workspace_dir / "pipe.csv")
    pipe = run("import", "controls", "pipe.csv")
    assert pipe.exit_code == 2 and "pipe.csv: not a regular file" in pipe.stderr


def test_a_program_file_that_is_not_utf8_is_named_and_nothing_changes(
    workspace_dir: Path, run: Run
) -> None:
    assert run("controls", "add", "AC-1", "--title", "Access review").exit_code == 0
    assert run("export", "program", "program").exit_code == 0
    path = workspace_dir / "program" / "controls" / "AC-1.yaml"
    path.write_bytes(path.read_bytes().replace(b"Access review", b"Revue des acc\xe8s"))
    refused = run("apply", "program")
    assert refused.exit_code == 2
    message = " ".join(refused.stderr.split())
    assert "AC-1.yaml, line 3: byte 0xe8" in message and "UTF-8" in message
    shown = run("controls", "show", "AC-1")
    assert "Access review" in shown.stdout


def test_an_output_path_that_cannot_be_written_is_one_line(workspace_dir: Path, run: Run) -> None:
    (workspace_dir / "notes.txt").write_text("a file, not a folder\n")
    result = run("gap", "--format", "md", "-o", "notes.txt/gap.md")
    assert result.exit_code == 2
    assert "notes.txt" in result.stderr and "Traceback" not in result.stderr + result.stdout
