"""A day in the terminal: reports go to stdout without -o, matrix has gap's defaults, help
text flows, the version flag reads as a flag, export says what it wrote, and an unsupported
database is named as such."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from openpyxl import load_workbook

from tests.cli.conftest import Run

CROSSWALK = str(Path(sys.executable).with_name("crosswalk"))


def _real(folder: Path, *args: str, columns: int = 100) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [CROSSWALK, *args],
        cwd=folder,
        capture_output=True,
        check=False,
        env={**os.environ, "COLUMNS": str(columns)},
    )


def test_reports_go_to_stdout_without_an_output_file(workspace_dir: Path, run: Run) -> None:
    assert (
        run("controls", "add", "AC-1", "--title", "Access review", "--tag", "CC6.2").exit_code == 0
    )
    html = _real(workspace_dir, "gap", "--format", "html")
    assert html.returncode == 0 and html.stdout.startswith(b"<!doctype html>")
    markdown = _real(workspace_dir, "plan", "--format", "md", "-o", "-")
    assert markdown.returncode == 0 and markdown.stdout.startswith(b"# Plan to ISO/IEC 27001")
    workbook = _real(workspace_dir, "gap", "--format", "xlsx")  # piped: the bytes
    assert workbook.returncode == 0
    assert load_workbook(io.BytesIO(workbook.stdout)).sheetnames


def test_matrix_defaults_to_soc2_and_iso_like_gap(workspace_dir: Path, run: Run) -> None:
    shown = run("matrix", "--format", "csv")
    assert shown.exit_code == 0
    assert shown.stdout.startswith("soc2-tsc-2017,title,iso27001-2022,")
    assert "md, csv, json or xlsx" in " ".join(run("matrix", "--help").stdout.split())


def test_help_flows_and_the_version_flag_reads_as_a_flag(workspace_dir: Path) -> None:
    helped = _real(workspace_dir, "import", "controls", "--help", columns=400).stdout.decode()
    # wide enough for the paragraph: it is one line, not the docstring's lines
    assert any('"Owner", "Frequency", "TSC Reference(s)"' in line for line in helped.splitlines())
    root = _real(workspace_dir, "--help").stdout.decode()
    [line] = [x for x in root.splitlines() if "--version" in x]
    assert "<bool>" not in line


def test_export_program_counts_each_kind(workspace_dir: Path, run: Run, tmp_path: Path) -> None:
    assert run("controls", "add", "AC-1", "--title", "Access review").exit_code == 0
    assert run("settings", "set", "likely-strength", "8").exit_code == 0
    said = run("export", "program", str(tmp_path / "out"))
    assert said.exit_code == 0
    assert "1 in controls/" in said.stdout and "1 in settings/" in said.stdout


def test_an_unsupported_database_is_named(workspace_dir: Path) -> None:
    refused = _real(workspace_dir, "--database-url", "mysql://u@localhost/db", "controls", "list")
    assert refused.returncode == 2
    message = " ".join(refused.stderr.decode().split())
    assert "'mysql' databases are not supported" in message and "PostgreSQL" in message


def test_long_work_shows_progress_on_a_terminal_only(tmp_path: Path) -> None:
    import pty

    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [CROSSWALK, "demo", str(tmp_path / "shown")],
        stdout=subprocess.DEVNULL,
        stderr=follower,
        env={**os.environ, "COLUMNS": "120"},
    )
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    assert process.wait(timeout=300) == 0
    os.close(leader)
    assert b"Building the demo workspace" in seen
    piped = _real(tmp_path, "demo", str(tmp_path / "piped"))
    assert piped.returncode == 0 and b"Building the demo workspace" not in piped.stderr


def test_shell_completion_installs_with_one_command(workspace_dir: Path) -> None:
    shown = _real(workspace_dir, "--show-completion", "bash")
    assert shown.returncode == 0 and b"_crosswalk_completion" in shown.stdout
    helped = _real(workspace_dir, "--help").stdout.decode()
    assert "--install-completion" in helped
