"""Damaged input files get one line naming the file and where, and exit 2, never a
traceback; nothing is imported. The attack trial's cases: a truncated sheet, a shared-string
index that is not a number, a broken archive, a file that is not a workbook at all."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import Run, as_json
from tests.io.test_xlsx_bounds import _damaged
from tests.io.xlsx_packages import FRAMEWORK, INVENTORY

CASES = (
    "truncated sheet",
    "shared-string index not a number",
    "damaged compressed data",
    "not a zip",
)


def one_line_naming(result: object, name: str) -> str:
    exit_code = getattr(result, "exit_code")  # noqa: B009 - the click Result
    stderr: str = getattr(result, "stderr")  # noqa: B009
    stdout: str = getattr(result, "stdout")  # noqa: B009
    assert exit_code == 2, stdout + stderr
    assert "Traceback" not in stdout + stderr
    message = " ".join(stderr.split())
    assert name in message
    return message


def test_import_controls_names_a_damaged_workbook(workspace_dir: Path, run: Run) -> None:
    for case in CASES:
        (workspace_dir / "inventory.xlsx").write_bytes(_damaged(INVENTORY, case))
        result = run("import", "controls", "inventory.xlsx")
        message = one_line_naming(result, "inventory.xlsx")
        if case in ("truncated sheet", "shared-string index not a number"):
            assert "sheet 'Controls', after row" in message, case
    assert as_json(run("controls", "list", "--json")) == []


def test_frameworks_import_names_a_damaged_sheet(workspace_dir: Path, run: Run) -> None:
    for case in CASES:
        (workspace_dir / "mine.xlsx").write_bytes(_damaged(FRAMEWORK, case))
        result = run("frameworks", "import", "mine.xlsx", "--id", "mine", "--name", "Mine")
        one_line_naming(result, "mine.xlsx")
    assert not (workspace_dir / "frameworks" / "mine.yaml").exists()


def test_an_impossible_date_is_one_line_from_apply_and_from_policies(
    workspace_dir: Path, run: Run
) -> None:
    assert run("controls", "add", "AC-1", "--title", "Access review").exit_code == 0
    assert run("export", "program", "program").exit_code == 0
    path = workspace_dir / "program" / "controls" / "AC-1.yaml"
    path.write_text(path.read_text() + "retired:\n  date: 2026-02-30\n  reason: merged\n")
    message = one_line_naming(run("apply", "program"), "AC-1.yaml at line")
    assert "day is out of range for month" in message
    assert as_json(run("controls", "list", "--json"))[0]["status"] != "retired"
    policies = workspace_dir / "policies"
    policies.mkdir(exist_ok=True)
    (policies / "POL-AC.md").write_text(
        "---\nid: POL-AC\ntitle: Access\nlast_reviewed: 2026-02-30\n---\n"
    )
    one_line_naming(run("policies", "list"), "POL-AC.md at line 4")
    (workspace_dir / "docs").mkdir()
    (workspace_dir / "docs" / "ac.md").write_text("---\ntitle: Access\napproved: 2026-13-01\n---\n")
    one_line_naming(run("policies", "import", "docs"), "ac.md at line 3")
