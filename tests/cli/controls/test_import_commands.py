"""`import controls --dry-run` shows each row as read before anything is written: frequency
words, criteria ranges expanded, the status applied; in a table, in JSON and as a workbook."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from tests.cli.conftest import Run, as_json

INVENTORY = (
    "Control ID,Control Name,Owner,Frequency,TSC Reference(s),Artifacts,Control Type\n"
    "AC-1,Access reviews,Dana,quarterly,CC3.1-CC3.4,Jira tickets,Preventive\n"
    "HR-1,Onboarding training,,upon hire,CC1.4,LMS export,Directive\n"
)


def test_a_dry_run_previews_every_row_and_writes_nothing(
    workspace_dir: Path, run: Run, tmp_path: Path
) -> None:
    path = tmp_path / "inventory.csv"
    path.write_text(INVENTORY, encoding="utf-8")
    preview = tmp_path / "preview.xlsx"
    report = as_json(
        run("import", "controls", str(path), "--dry-run", "--preview-xlsx", str(preview), "--json")
    )
    rows = {r["control_id"]: r for r in report["preview"]}
    assert rows["AC-1"]["criteria"] == ["CC3.1", "CC3.2", "CC3.3", "CC3.4"]
    assert rows["AC-1"]["action"] == "create" and rows["AC-1"]["status"] == "implemented"
    assert rows["HR-1"]["frequency_written"] == "upon hire" and rows["HR-1"]["owner"] is None
    assert report["ignored"] == ["Control Type"]
    assert any("status: no column; all 2 set to 'implemented'" in d for d in report["defaults"])
    assert as_json(run("controls", "list", "--json")) == []  # nothing written
    sheet = load_workbook(preview).active
    assert sheet is not None
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:3] == ["row", "id", "action"] and values[1][1] == "AC-1"

    text = run("import", "controls", str(path), "--dry-run")
    assert text.exit_code == 0
    assert "AC-1\tcreate\tAccess reviews" in text.stdout  # piped: the preview as TSV rows
    assert "ignored columns: 'Control Type'" in " ".join(text.stdout.split())

    operating = as_json(run("import", "controls", str(path), "--status", "operating", "--json"))
    assert {r["status"] for r in operating["preview"]} == {"operating"}
    listed = as_json(run("controls", "list", "--json"))
    assert {c["status"] for c in listed} == {"operating"}
    assert run("import", "controls", str(path), "--status", "done").exit_code == 2


def test_an_ignored_column_is_kept_as_notes_when_asked(
    workspace_dir: Path, run: Run, tmp_path: Path
) -> None:
    path = tmp_path / "inventory.csv"
    path.write_text(INVENTORY, encoding="utf-8")
    report = as_json(run("import", "controls", str(path), "--notes", "control type", "--json"))
    assert report["ignored"] == [] and report["columns"]["notes"] == "Control Type"
    shown = as_json(run("controls", "show", "AC-1", "--json"))
    assert shown["description"] == "Control Type: Preventive"
    unknown = run("import", "controls", str(path), "--notes", "Risk rating")
    assert unknown.exit_code == 2
    assert "--notes names 'Risk rating', which is not in the header row" in " ".join(
        unknown.stderr.split()
    )
    taken = run("import", "controls", str(path), "--notes", "Owner")
    assert taken.exit_code == 2 and "already read as owner" in taken.stderr


def test_a_file_that_is_not_utf8_is_refused_unless_its_encoding_is_named(
    workspace_dir: Path, run: Run, tmp_path: Path
) -> None:
    path = tmp_path / "inventaire.csv"
    path.write_bytes(INVENTORY.replace("Access reviews", "Revue des accès").encode("cp1252"))
    refused = run("import", "controls", str(path))
    assert refused.exit_code == 2
    message = " ".join(refused.stderr.split())
    assert "row 2: byte 0xe8" in message and "--encoding cp1252" in message
    assert as_json(run("controls", "list", "--json")) == []  # nothing written
    assert run("import", "controls", str(path), "--encoding", "cp1252").exit_code == 0
    assert as_json(run("controls", "show", "AC-1", "--json"))["title"] == "Revue des accès"
