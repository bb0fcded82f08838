"""The program journey from the command line, as a user runs it."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.cli.conftest import Run, as_json

INVENTORY = (
    "Control #,Control Name,Control Activity,Control Owner,Frequency,TSC Reference(s),Status\n"
    'AC-1,Access review,Managers review access,Dana (IT),Annual,"CC6.2, CC 6.3",Operating\n'
    "CHG-1,Change approval,PRs need approval,Sam (Eng),Per change,CC8.1,Operating\n"
    "BCP-1,DR tabletop,Never run yet,,Annually,A1.3,On paper\n"
)


def test_init_import_list_show_and_gap(workspace_dir: Path, run: Run) -> None:
    inventory = workspace_dir / "inventory.csv"
    inventory.write_text(INVENTORY, encoding="utf-8")
    dry = as_json(run("import", "controls", str(inventory), "--dry-run", "--json"))
    assert sorted(dry["created"]) == ["AC-1", "BCP-1", "CHG-1"] and dry["dry_run"]
    assert as_json(run("controls", "list", "--json")) == []
    imported = as_json(run("import", "controls", str(inventory), "--json"))
    assert len(imported["created"]) == 3
    again = as_json(run("import", "controls", str(inventory), "--json"))
    assert sorted(again["unchanged"]) == ["AC-1", "BCP-1", "CHG-1"]

    listed = {c["control_id"]: c for c in as_json(run("controls", "list", "--json"))}
    assert "unowned" in listed["BCP-1"]["flags"] and listed["BCP-1"]["status"] == "on paper"
    shown = as_json(run("controls", "show", "AC-1", "--json"))
    # CC6.3's quarterly is a criterion's cadence: suggested to the owner, not applied
    assert shown["effective_frequency"]["frequency"] == "annual"
    assert any("soc2-tsc-2017:CC6.3 suggests quarterly" in s for s in shown["suggested_cadences"])
    text = run("controls", "show", "AC-1")
    assert "Suggestion, not applied" in " ".join(text.stdout.split())

    explained = as_json(run("gap", "--explain", "A.8.32", "--json"))
    assert explained["verdict"] == "covered" and explained["routes"][0]["control_id"] == "CHG-1"
    summary = run("gap")
    assert summary.exit_code == 0 and "Net-new ISMS work" in summary.stderr
    assert run("gap", "--check").exit_code == 1  # gaps remain: a CI gate can rely on it


def test_controls_add_edit_tag_untag(workspace_dir: Path, run: Run) -> None:
    added = run(
        "controls",
        "add",
        "ISMS-1",
        "--title",
        "ISMS scope statement",
        "--owner",
        "CISO",
        "--frequency",
        "Annually",
        "--tag",
        "iso27001-2022:4.3",
        "--json",
    )
    assert as_json(added)["tags"][0]["requirement"] == "iso27001-2022:4.3"
    assert run("controls", "edit", "ISMS-1", "--status", "implemented").exit_code == 0
    assert as_json(run("controls", "tag", "ISMS-1", "iso27001-2022:4.4", "--json"))["tagged"] == [
        "iso27001-2022:4.4"
    ]
    assert as_json(run("controls", "untag", "ISMS-1", "iso27001-2022:4.4", "--json"))[
        "untagged"
    ] == ["iso27001-2022:4.4"]
    gap = as_json(run("gap", "--explain", "4.3", "--json"))
    assert gap["verdict"] == "partial" and not gap["net_new"]  # implemented, tagged directly
    bad = run("controls", "edit", "ISMS-1", "--frequency", "every blue moon")
    assert bad.exit_code == 2 and "not a frequency" in bad.stderr
    assert run("controls", "show", "ISMS-9").exit_code == 2
    assert run("controls", "tag", "ISMS-1", "iso27001-2022:A.9.9").exit_code == 2


def test_failed_import_exits_2_listing_rows(workspace_dir: Path, run: Run) -> None:
    bad = workspace_dir / "bad.csv"
    bad.write_text(
        INVENTORY + "AC-1,Dup,x,Dana,Annual,CC6.2,Operating\nZ-1,X,y,Dana,Annual,CC10.1,Operating\n"
    )
    result = run("import", "controls", str(bad))
    assert result.exit_code == 2
    assert (
        "row 5" in result.stdout
        and "row 6" in result.stdout
        and "nothing was imported" in result.stderr
    )
    assert as_json(run("controls", "list", "--json")) == []


def test_commands_outside_a_workspace_say_how_to_start(tmp_path: Path, run: Run) -> None:
    previous = Path.cwd()
    os.chdir(tmp_path)
    try:
        result = run("controls", "list")
    finally:
        os.chdir(previous)
    assert result.exit_code == 2 and "crosswalk init" in result.stderr


def test_export_and_apply_from_the_command_line(workspace_dir: Path, run: Run) -> None:
    run("controls", "add", "A-1", "--title", "One", "--tag", "cc6.1")
    assert run("export", "program", "program").exit_code == 0
    path = workspace_dir / "program" / "controls" / "A-1.yaml"
    assert "soc2-tsc-2017:CC6.1" in path.read_text()
    path.write_text(path.read_text().replace("title: One", "title: One, renamed"))
    dry = as_json(run("apply", "program", "--dry-run", "--json"))
    assert dry["updated"] == ["A-1"]
    assert as_json(run("controls", "show", "A-1", "--json"))["title"] == "One"
    assert as_json(run("apply", "program", "--json"))["updated"] == ["A-1"]
    assert as_json(run("controls", "show", "A-1", "--json"))["title"] == "One, renamed"


def test_gap_report_files_in_every_format(workspace_dir: Path, run: Run) -> None:
    run("controls", "add", "A-1", "--title", "One", "--tag", "cc8.1")
    for fmt in ("json", "md", "html", "xlsx"):
        out = workspace_dir / f"gap.{fmt}"
        assert run("gap", "--format", fmt, "-o", str(out)).exit_code == 0
        assert out.stat().st_size > 1000
    data = json.loads((workspace_dir / "gap.json").read_text())
    assert data["annex_a_summary"]["total"] == 93
    markdown = (workspace_dir / "gap.md").read_text()
    assert "## ISO clauses 4-10" in markdown and "### Net-new" in markdown
    assert "SOC 2 head start" in markdown
    piped = run("gap", "--format", "xlsx")  # no -o and not a terminal: the workbook on stdout
    assert piped.exit_code == 0 and piped.stdout_bytes.startswith(b"PK")
