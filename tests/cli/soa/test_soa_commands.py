"""The Statement of Applicability from the command line, as a compliance lead runs it."""

from __future__ import annotations

import json
from pathlib import Path

from openpyxl import load_workbook

from crosswalk.services.mapping.library import open_library
from crosswalk.services.soa.soa import set_entry, validate
from crosswalk.store.engine import session_scope
from crosswalk.store.workspace import open_workspace
from tests.cli.conftest import Run, as_json


def test_init_show_set_and_validate(workspace_dir: Path, run: Run) -> None:
    assert (
        run("controls", "add", "AC-1", "--title", "Access review", "--tag", "cc6.2").exit_code == 0
    )
    created = as_json(run("soa", "init", "--json"))
    assert created["version"] == 1 and created["status"] == "draft" and created["total"] == 93
    again = run("soa", "init")
    assert again.exit_code == 2 and "draft v1 already exists" in again.stderr

    shown = as_json(run("soa", "show", "--json"))
    assert shown["version"]["version"] == 1 and len(shown["entries"]) == 93
    access = next(e for e in shown["entries"] if e["ref"] == "A.5.18")
    assert access["controls"] == ["AC-1"] and access["applicable"] is True
    text = run("soa", "show")
    assert text.exit_code == 0 and "draft, not approved" in text.stdout and "A.8.34" in text.stdout

    refused = run("soa", "set", "A.7.4", "--excluded")
    assert refused.exit_code == 2 and "excluding A.7.4 needs a reason" in refused.stderr
    done = as_json(run("soa", "set", "7.4", "--excluded", "--reason", "No premises", "--json"))
    assert done["ref"] == "A.7.4" and done["applicable"] is False
    assert done["exclusion_reason"] == "No premises"
    included = as_json(
        run(
            "soa",
            "set",
            "A.5.7",
            "--applicable",
            "--justification",
            "R-12 supplier compromise",
            "--kind",
            "risk",
            "--kind",
            "contractual",
            "--status",
            "planned",
            "--reviewed",
            "2026-11-20",
            "--json",
        )
    )
    assert included["justification_kinds"] == ["risk", "contractual"]
    assert included["last_reviewed"] == "2026-11-20"
    bad = run("soa", "set", "A.5.7", "--kind", "whim")
    assert bad.exit_code == 2 and "whim" in bad.stderr
    bad_date = run("soa", "set", "A.5.7", "--reviewed", "yesterday")
    assert bad_date.exit_code == 2 and "--reviewed" in bad_date.stderr

    checked = run("soa", "validate", "--json")
    assert checked.exit_code == 1
    findings = json.loads(checked.stdout)["findings"]
    unbacked = [f for f in findings if f["ref"] == "A.5.7"]
    assert unbacked and unbacked[0]["code"] == "no-control-or-treatment"
    assert all(f["ref"] != "A.5.18" for f in findings)
    text = run("soa", "validate")
    assert text.exit_code == 1 and "no-control-or-treatment" in text.stdout


def test_validate_passes_once_every_row_is_decided(workspace_dir: Path, run: Run) -> None:
    assert as_json(run("soa", "init", "--json"))["version"] == 1
    library = open_library()
    workspace = open_workspace(workspace_dir)
    try:
        with session_scope(workspace.engine) as session:
            for finding in validate(session, library):
                set_entry(session, library, finding.ref, applicable=False, exclusion_reason="n/a")
            session.commit()
    finally:
        workspace.close()
    result = run("soa", "validate")
    assert result.exit_code == 0 and "no findings" in result.stdout


def test_approve_diff_and_export(workspace_dir: Path, run: Run, tmp_path: Path) -> None:
    run("soa", "init")
    approved = run("soa", "approve", "--by", "Dana Reyes, CEO", "--on", "2026-01-10")
    assert (
        approved.exit_code == 0 and "approved by Dana Reyes, CEO on 2026-01-10" in approved.stdout
    )
    assert "open findings" in approved.stderr  # approved, with a warning
    frozen = run("soa", "set", "A.7.4", "--excluded", "--reason", "No premises")
    assert frozen.exit_code == 2 and "v1 is approved" in frozen.stderr
    assert as_json(run("soa", "init", "--json"))["version"] == 2
    run("soa", "set", "A.7.4", "--excluded", "--reason", "No premises", "--reviewed", "2026-06-01")
    as_json(run("soa", "approve", "--by", "CEO", "--on", "2026-06-02", "--json"))

    changes = as_json(run("soa", "diff", "1", "v2", "--json"))
    fields = {c["field"]: (c["before"], c["after"]) for c in changes if c["ref"] == "A.7.4"}
    assert fields["applicable"] == (True, False)
    assert fields["exclusion_reason"] == ("", "No premises")
    text = run("soa", "diff", "1", "2")
    assert text.exit_code == 0 and "A.7.4" in text.stdout and "No premises" in text.stdout
    assert "no changes" in run("soa", "diff", "2", "2").stdout
    assert run("soa", "diff", "1", "7").exit_code == 2

    xlsx = tmp_path / "soa.xlsx"
    written = as_json(
        run("soa", "export", "--format", "xlsx", "-o", str(xlsx), "--version", "1", "--json")
    )
    assert written["rows"] == 93 and written["version"] == 1
    sheet = load_workbook(xlsx)["Statement of Applicability"]
    assert sheet.max_row == 94 and sheet.freeze_panes == "A2"
    a74 = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == "A.7.4")
    assert a74[3] == "yes"  # v1: still applicable
    for output_format in ("html", "md"):
        path = tmp_path / f"soa.{output_format}"
        assert run("soa", "export", "--format", output_format, "-o", str(path)).exit_code == 0
        assert "Statement of Applicability v2 (approved)" in path.read_text(encoding="utf-8")
    assert run("soa", "export", "--format", "pdf", "-o", str(tmp_path / "x.pdf")).exit_code == 2


def test_commands_need_a_soa_first(workspace_dir: Path, run: Run) -> None:
    for args in (("show",), ("validate",), ("approve", "--by", "CEO")):
        result = run("soa", *args)
        assert result.exit_code == 2 and "crosswalk soa init" in result.stderr
