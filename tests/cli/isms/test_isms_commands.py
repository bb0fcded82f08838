"""Audits, reviews, nonconformities, objectives and readiness from the command line."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from tests.cli.conftest import Run, as_json

PAST = str(date.today() - timedelta(days=30))
SOON = str(date.today() + timedelta(days=30))


def test_an_overdue_nonconformity_shows_in_readiness_and_status(
    workspace_dir: Path, run: Run
) -> None:
    item = as_json(
        run(
            "nonconformities",
            "add",
            "NC-1",
            "--source",
            "audit",
            "--source-ref",
            "IA-1",
            "--description",
            "Leaver kept VPN access",
            "--owner",
            "Dana",
            "--raised",
            "2020-01-01",
            "--due",
            PAST,
            "--json",
        )
    )
    assert item["state"] == "overdue" and "a root cause" in item["missing_to_close"]
    run("nonconformities", "add", "NC-2", "--source", "review", "--description", "x", "--due", SOON)
    listed = as_json(run("nonconformities", "list", "--overdue", "--json"))
    assert [i["nc_id"] for i in listed] == ["NC-1"]
    assert len(as_json(run("nonconformities", "list", "--json"))) == 2

    result = run("isms", "readiness")
    assert result.exit_code == 1
    assert "NC-1" in result.stdout and "Still blocks a Stage 1 audit" in result.stdout
    report = json.loads(run("isms", "readiness", "--json").stdout)
    assert report["overdue_nonconformities"] == ["NC-1"] and report["ready"] is False
    assert len(report["artifacts"]) == 11  # the ten records and, in a workspace, its policies
    [policies] = [a for a in report["artifacts"] if a["key"] == "policies"]
    assert not policies["exists"] and "no policy in force" in " ".join(report["blockers"])

    owners = as_json(run("status", "--json"))
    [dana] = [o for o in owners if o["owner"] == "Dana"]
    assert [n["nc_id"] for n in dana["overdue_nonconformities"]] == ["NC-1"]
    assert dana["stale"] == [] and dana["fresh"] == 0  # the owner shape is kept
    text = run("status")
    assert (
        "Overdue nonconformities" in text.stderr and "NC-1" in text.stdout
    )  # piped: titles to stderr
    assert as_json(run("status", "--owner", "Sam", "--json")) == []


def test_closing_is_refused_until_the_story_is_complete(workspace_dir: Path, run: Run) -> None:
    run(
        "nonconformities",
        "add",
        "NC-1",
        "--source",
        "incident",
        "--description",
        "Backup failed silently",
        "--raised",
        "2026-03-01",
    )
    refused = run("nonconformities", "close", "NC-1", "--on", "2026-04-01")
    assert refused.exit_code == 2
    message = " ".join(refused.stderr.split())  # Rich wraps long lines
    assert "cannot be closed: it still needs a correction, a root cause" in message
    edited = as_json(
        run(
            "nonconformities",
            "edit",
            "NC-1",
            "--correction",
            "Backup re-run",
            "--root-cause",
            "No alert on failure",
            "--corrective-action",
            "Alert on failed jobs",
            "--json",
        )
    )
    assert edited["changed"] == ["correction", "root_cause", "corrective_action"]
    closed = as_json(
        run(
            "nonconformities",
            "close",
            "NC-1",
            "--on",
            "2026-04-01",
            "--effectiveness-check",
            "Failure injected, alert fired",
            "--checked-on",
            "2026-03-28",
            "--json",
        )
    )
    assert closed["state"] == "closed" and closed["closed_on"] == "2026-04-01"
    shown = as_json(run("nonconformities", "show", "NC-1", "--json"))
    assert shown["missing_to_close"] == []
    assert "NC-1" in run("nonconformities", "show", "NC-1").stdout
    assert run("nonconformities", "show", "NC-01").exit_code == 2
    assert run("nonconformities", "edit", "NC-1", "--due", "someday").exit_code == 2


def test_audits_and_the_programme(workspace_dir: Path, run: Run) -> None:
    added = as_json(
        run(
            "audits",
            "add",
            "IA-1",
            "--title",
            "ISMS core",
            "--scope",
            "4,5,6,7",
            "--scope",
            "8, 9, 10",
            "--auditor",
            "Ann",
            "--planned",
            PAST,
            "--json",
        )
    )
    assert added["state"] == "overdue" and added["scope"][:2] == ["4", "5"]
    run("audits", "add", "IA-2", "--title", "Annex A", "--scope", "a.5,a.6", "--planned", SOON)
    assert [
        a["audit_id"] for a in as_json(run("audits", "list", "--state", "overdue", "--json"))
    ] == ["IA-1"]
    start, end = str(date.today() - timedelta(days=180)), str(date.today() + timedelta(days=180))
    result = run("audits", "programme", "--start", start, "--end", end)
    assert result.exit_code == 1 and "overdue audits: IA-1" in result.stdout
    data = json.loads(run("audits", "programme", "--start", start, "--end", end, "--json").stdout)
    assert data["clauses_not_covered"] == [] and data["overdue"] == ["IA-1"]
    assert "A.8.1" in data["annex_a_not_covered"] and data["complete"] is False
    changed = as_json(run("audits", "edit", "IA-1", "--performed", PAST, "--json"))
    assert changed["changed"] == ["performed_on"]
    shown = as_json(run("audits", "show", "IA-1", "--json"))
    assert shown["state"] == "performed"
    assert shown["scope"][0] == {"ref": "4", "title": "Context of the organization"}
    assert "Context of the organization" in run("audits", "show", "IA-1").stdout
    assert (
        run(
            "audits", "add", "IA-3", "--title", "x", "--scope", "CC6.1", "--planned", SOON
        ).exit_code
        == 2
    )
    assert run("audits", "add", "IA-3", "--title", "x", "--scope", "4").exit_code == 2
    assert run("audits", "list").exit_code == 0


def test_reviews_and_objectives(workspace_dir: Path, run: Run) -> None:
    review = as_json(
        run(
            "reviews",
            "add",
            "MR-1",
            "--held",
            "2026-10-20",
            "--chair",
            "CEO",
            "--input",
            "risks=Register reviewed",
            "--input",
            "d3=IA-1: two minor findings",
            "--decisions",
            "Fund MDM",
            "--json",
        )
    )
    assert review["inputs"] == {
        "audit_results": "IA-1: two minor findings",
        "risks": "Register reviewed",
    }
    assert len(review["missing_inputs"]) == 8 and "improvement" in review["missing_inputs"]
    run("reviews", "edit", "MR-1", "--input", "improvement=MDM rollout")
    shown = as_json(run("reviews", "show", "MR-1", "--json"))
    assert len(shown["checklist"]) == 10 and "improvement" not in shown["missing"]
    assert "MISSING" in run("reviews", "show", "MR-1").stdout
    assert [r["review_id"] for r in as_json(run("reviews", "list", "--json"))] == ["MR-1"]
    assert run("reviews", "add", "MR-2", "--held", "2026-10-20", "--input", "risks").exit_code == 2
    bad = run("reviews", "add", "MR-2", "--held", "2026-10-20", "--input", "risk=typo")
    assert bad.exit_code == 2 and "did you mean risks" in " ".join(bad.stderr.split())

    run(
        "objectives",
        "add",
        "OBJ-1",
        "--title",
        "Patch fast",
        "--measure",
        "critical CVEs fixed in 14 days",
        "--target",
        "95%",
        "--owner",
        "Sam",
        "--due",
        "2026-12-31",
    )
    assert as_json(run("objectives", "edit", "OBJ-1", "--status", "at risk", "--json"))[
        "changed"
    ] == ["status"]
    [objective] = as_json(run("objectives", "list", "--json"))
    assert objective["status"] == "at risk" and objective["due_on"] == "2026-12-31"
    assert run("objectives", "edit", "OBJ-1", "--status", "done").exit_code == 2
    assert "Patch fast" in run("objectives", "list").stdout
