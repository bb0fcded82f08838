"""``crosswalk processing`` and ``crosswalk subject-requests`` from the command line."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from tests.cli.conftest import Run, as_json


def test_an_activity_on_an_out_of_scope_asset_is_flagged_and_round_trips_as_xlsx(
    workspace_dir: Path, run: Run
) -> None:
    run("assets", "add", "crm", "--name", "CRM", "--owner", "Sales ops", "--isms-scope")
    run("assets", "add", "legacy", "--name", "Legacy DB", "--owner", "IT")
    added = run(
        "processing",
        "add",
        "PA-1",
        "--name",
        "Customer accounts",
        "--lawful-basis",
        "contract",
        "--assets",
        "crm,legacy",
        "--retention",
        "6 years",
        "--transfers",
        "US",
        "--transfer-safeguard",
        "sccs",
    )
    assert added.exit_code == 0, added.stderr
    assert "asset legacy is outside the ISMS scope" in added.stdout
    listed = run("processing", "list", "--flagged", "--json")
    assert listed.exit_code == 1  # something to fix
    refused = run(
        "processing", "add", "PA-2", "--name", "x", "--lawful-basis", "vibes", "--assets", "crm"
    )
    assert refused.exit_code == 2 and "processing activity PA-2: lawful_basis" in refused.stderr
    no_safeguard = run("processing", "add", "PA-2", "--name", "x", "--transfers", "US")
    assert no_safeguard.exit_code == 2 and "transfer_safeguard" in no_safeguard.stderr
    assert run("processing", "export", "ropa.xlsx").exit_code == 0
    assert run("processing", "edit", "PA-1", "--assets", "crm").exit_code == 0
    assert run("processing", "list").exit_code == 0  # nothing flagged now
    imported = run("processing", "import", "ropa.xlsx")
    assert imported.exit_code == 0 and "imported 1 activities" in imported.stdout
    assert as_json(run("processing", "show", "PA-1", "--json"))["assets"] == ["crm", "legacy"]


def test_subject_requests_are_due_in_a_month_and_overdue_exits_1(
    workspace_dir: Path, run: Run
) -> None:
    old = str(date.today() - timedelta(days=45))
    new = str(date.today() - timedelta(days=3))
    assert (
        run("subject-requests", "add", "DSR-1", "--kind", "access", "--received", old).exit_code
        == 0
    )
    item = as_json(
        run("subject-requests", "add", "DSR-2", "--kind", "erasure", "--received", new, "--json")
    )
    assert item["state"] == "open" and item["article"] == "Art. 17 erasure"
    late = run("subject-requests", "list", "--overdue", "--json")
    assert late.exit_code == 1 and [r["request_id"] for r in as_json_any(late)] == ["DSR-1"]
    extended = run("subject-requests", "extend", "DSR-2", "--reason", "Tape backups", "--json")
    assert as_json(extended)["extended"] is True
    bad = run("subject-requests", "add", "DSR-3", "--kind", "gossip", "--received", new)
    assert bad.exit_code == 2 and "request DSR-3: kind: 'gossip'" in bad.stderr
    done = run("subject-requests", "edit", "DSR-1", "--verified", old, "--done", new)
    assert done.exit_code == 0, done.stderr
    assert run("subject-requests", "list", "--overdue").exit_code == 0


def as_json_any(result: object) -> object:
    import json

    return json.loads(result.stdout)  # type: ignore[attr-defined]


def test_screening_a_dpia_and_the_report_from_the_command_line(
    workspace_dir: Path, run: Run
) -> None:
    run("assets", "add", "hr", "--name", "HR system", "--owner", "HR", "--isms-scope")
    run(
        "processing",
        "add",
        "PA-1",
        "--name",
        "Sick leave",
        "--lawful-basis",
        "legal obligation",
        "--special-categories",
        "health",
        "--art9-condition",
        "b",
        "--assets",
        "hr",
        "--retention",
        "3 years",
    )
    screened = run("processing", "screen", "PA-1", "--yes", "large scale")
    assert screened.exit_code == 0 and "PA-1: DPIA required" in screened.stdout
    assert "Art. 35(3)(b)" in screened.stdout
    report = as_json(run("gdpr", "report", "--json"))
    [art35] = [a for a in report["articles"] if a["ref"] == "Art. 35"]
    assert art35["state"] == "open" and "need a DPIA" in art35["explanation"]
    refused = run("processing", "dpia", "PA-1", "--completed", "2026-11-20", "--risk", "R-1")
    assert refused.exit_code == 2 and "unknown risk 'R-1'" in refused.stderr
    added = run(
        "risks",
        "add",
        "R-1",
        "--title",
        "Managers see diagnoses",
        "--likelihood",
        "3",
        "--impact",
        "4",
        "--category",
        "privacy",
        "--asset",
        "hr",
    )
    assert added.exit_code == 0, added.stderr
    done = run("processing", "dpia", "PA-1", "--completed", "2026-11-20", "--risk", "R-1")
    assert done.exit_code == 0 and "risks R-1" in done.stdout
    report = as_json(run("gdpr", "report", "--json"))
    [art35] = [a for a in report["articles"] if a["ref"] == "Art. 35"]
    assert art35["state"] == "met by this module's records"
    written = run("gdpr", "report", "-o", "gdpr.md")
    assert written.exit_code == 0
    assert "# What your ISO certificate does not cover" in Path("gdpr.md").read_text()
    assert run("gdpr", "report", "-o", "gdpr.xlsx").exit_code == 0
    table = run("gdpr", "report")
    assert table.exit_code == 0 and "Art. 35\t" in table.stdout
