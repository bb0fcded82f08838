"""Evidence, window, status and audit trail from the command line."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.conftest import Run, as_json


@pytest.fixture
def workspace_dir(tmp_path: Path, run: Run) -> Iterator[Path]:
    folder = tmp_path / "acme"
    assert run("init", str(folder)).exit_code == 0
    previous = Path.cwd()
    os.chdir(folder)
    try:
        run(
            "controls",
            "add",
            "AC-1",
            "--title",
            "Access review",
            "--frequency",
            "quarterly",
            "--tag",
            "cc6.2",
        )
        run(
            "controls",
            "add",
            "CHG-1",
            "--title",
            "Change approval",
            "--frequency",
            "per change",
            "--tag",
            "cc8.1",
        )
        yield folder
    finally:
        os.chdir(previous)


def add(run: Run, folder: Path, name: str, *args: str) -> dict[str, object]:
    path = folder / name
    path.write_text(f"evidence {name}")
    return as_json(run("evidence", "add", str(path), "--json", *args))  # type: ignore[no-any-return]


def test_quarterly_control_missing_q3_fails_the_window(workspace_dir: Path, run: Run) -> None:
    for quarter, day in (("q1", "2026-03-20"), ("q2", "2026-06-18"), ("q4", "2026-12-01")):
        add(run, workspace_dir, f"{quarter}.csv", "-c", "AC-1", "--performed", day)
    result = run("window", "--start", "2026-01-01", "--end", "2026-12-31")
    assert result.exit_code == 1
    assert "2026-Q3" in result.stdout and "2026-Q1 " not in result.stdout
    data = as_json_any(run("window", "--start", "2026-01-01", "--end", "2026-12-31", "--json"))
    [control] = [c for c in data["controls"] if c["control_id"] == "AC-1"]
    assert [p["label"] for p in control["missing"]] == ["2026-Q3"]
    out = workspace_dir / "window.xlsx"
    assert (
        run(
            "window", "--start", "2026-01-01", "--end", "2026-12-31", "-f", "xlsx", "-o", str(out)
        ).exit_code
        == 1
    )
    assert out.exists()


def as_json_any(result):  # type: ignore[no-untyped-def]
    import json

    return json.loads(result.stdout)


def test_change_population_names_the_change_without_evidence(workspace_dir: Path, run: Run) -> None:
    add(
        run,
        workspace_dir,
        "chg-1042.txt",
        "-c",
        "CHG-1",
        "--performed",
        "2026-04-02",
        "--reference",
        "CHG-1042",
    )
    population = workspace_dir / "changes.csv"
    population.write_text(
        "Change ID,Date,Summary\nCHG-1042,2026-04-01,Deploy\nCHG-1043,2026-05-02,Hotfix\n"
    )
    result = run(
        "window",
        "--start",
        "2026-01-01",
        "--end",
        "2026-12-31",
        "--population",
        str(population),
        "--control",
        "CHG-1",
    )
    assert result.exit_code == 1
    assert "CHG-1043" in result.stdout and "CHG-1042 " not in result.stdout
    mismatch = run(
        "window", "--start", "2026-01-01", "--end", "2026-12-31", "--population", str(population)
    )
    assert mismatch.exit_code == 2


def test_evidence_counts_for_iso_through_the_crosswalk(workspace_dir: Path, run: Run) -> None:
    item = add(run, workspace_dir, "review.csv", "-c", "AC-1", "--performed", "2026-03-31")
    paths = as_json(run("requirement-evidence", "iso27001-2022:A.5.18", "--json"))
    assert [p["evidence_id"] for p in paths] == [item["id"]]
    assert "soc2-tsc-2017:CC6.2" in paths[0]["path"]


def test_verify_commands_catch_tampering(workspace_dir: Path, run: Run) -> None:
    item = add(run, workspace_dir, "review.csv", "-c", "AC-1")
    assert run("evidence", "verify").exit_code == 0
    assert run("audit-log", "verify").exit_code == 0
    shown = as_json(run("evidence", "show", str(item["id"]), "--json"))
    Path(shown["stored_at"]).write_text("altered")
    assert run("evidence", "verify").exit_code == 1
    connection = sqlite3.connect(workspace_dir / "crosswalk.db")
    connection.execute("UPDATE audit_log SET after = '{}' WHERE id = 1")
    connection.commit()
    connection.close()
    result = run("audit-log", "verify")
    assert result.exit_code == 1 and "edited" in result.stdout
    assert "AC-1" in run("audit-log").stdout


def test_status_and_evidence_listing(workspace_dir: Path, run: Run) -> None:
    add(run, workspace_dir, "old.csv", "-c", "AC-1", "--performed", "2025-01-10")
    owners = as_json(run("status", "--json"))
    stale = [c["control_id"] for group in owners for c in group["stale"]]
    assert "AC-1" in stale
    listed = as_json(run("evidence", "list", "--control", "AC-1", "--json"))
    assert [e["performed"] for e in listed] == ["2025-01-10"]
    assert run("evidence", "add", "missing.pdf", "-c", "AC-1").exit_code == 2
    assert run("evidence", "add", str(workspace_dir / "old.csv"), "-c", "NOPE").exit_code == 2
    assert (
        run(
            "evidence",
            "add",
            str(workspace_dir / "old.csv"),
            "-c",
            "AC-1",
            "--performed",
            "yesterday",
        ).exit_code
        == 2
    )


def test_the_first_evidence_says_it_switches_covered_to_fresh_evidence(
    workspace_dir: Path, run: Run
) -> None:
    run("controls", "add", "CHG-1", "--title", "Change approval", "--tag", "cc8.1")
    run("controls", "add", "CHG-2", "--title", "Peer review", "--tag", "cc8.1")
    run("controls", "edit", "CHG-1", "--status", "operating")
    run("controls", "edit", "CHG-2", "--status", "operating")
    before = as_json(run("gap", "--json"))["annex_a_summary"]["by_verdict"]
    (workspace_dir / "approvals.csv").write_text("change,approved\nCHG-1,yes\n")

    first = as_json(
        run(
            "evidence", "add", "approvals.csv", "-c", "CHG-1", "--performed", "2026-11-20", "--json"
        )
    )

    switch = first["coverage_rule_changed"]
    assert switch is not None and "first evidence" in switch["message"]
    assert switch["before"]["by_verdict"] == before  # the rule as it was
    after = as_json(run("gap", "--json", "--today", "2026-11-27"))["annex_a_summary"]
    assert switch["after"]["by_verdict"]["covered"] <= before["covered"]
    assert after["by_verdict"]["covered"] < before["covered"]  # CHG-2 has no evidence yet
    (workspace_dir / "more.csv").write_text("change,approved\nCHG-2,yes\n")
    second = as_json(
        run("evidence", "add", "more.csv", "-c", "CHG-2", "--performed", "2026-11-21", "--json")
    )
    assert second["coverage_rule_changed"] is None  # said once, when it happens
    text = run("evidence", "add", "approvals.csv", "-c", "CHG-2").stdout
    assert "first evidence" not in text
