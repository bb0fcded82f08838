"""`confirm`, `confirmations`, `gap --confirmed-only`, `flags` and `mappings review|owner`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tests.cli.conftest import Run, as_json

CC81 = "soc2-tsc-2017:CC8.1"
SOC2_ISO = "soc2-to-iso27001-2022"


def seed(run: Run) -> None:
    added = run(
        "controls",
        "add",
        "CHG-1",
        "--title",
        "Change management",
        "--description",
        "Every change is peer reviewed",
        "--owner",
        "Dana Lee (CTO)",
        "--tag",
        "cc8.1",
    )
    assert added.exit_code == 0, added.stdout + added.stderr


def a832(run: Run, *options: str) -> str:
    view = as_json(run("gap", "--explain", "A.8.32", "--json", *options))
    return str(view["verdict"])


def test_confirm_then_edit_the_description_and_gap_stops_counting_it(
    workspace_dir: Path, run: Run
) -> None:
    seed(run)
    waiting = as_json(run("confirmations", "--json"))
    assert {s["state"] for s in waiting} == {"unconfirmed"}
    assert any(s["edge"] == f"{SOC2_ISO}:{CC81}->iso27001-2022:A.8.32" for s in waiting)
    assert run("confirmations", "--check").exit_code == 1
    assert a832(run, "--confirmed-only") == "gap"

    confirmed = as_json(run("confirm", "CHG-1", "cc8.1", "--by", "Dana Lee", "--json"))
    assert confirmed["tags"] == [CC81] and confirmed["by_owner"] is True
    assert len(confirmed["edges"]) > 1
    assert as_json(run("confirmations", "--json")) == []
    assert run("confirmations", "--check").exit_code == 0
    assert a832(run, "--confirmed-only") == "covered"
    gap = as_json(run("gap", "--confirmed-only", "--json"))
    assert "counting only owner-confirmed tags" in gap["evidence_rule"]

    assert run("controls", "edit", "CHG-1", "--description", "Changes merge first").exit_code == 0
    stale = as_json(run("confirmations", "--state", "stale", "--tags-only", "--json"))
    assert [(s["requirement"], s["edge"]) for s in stale] == [(CC81, "")]
    assert "description-changed" in stale[0]["flags"][0]
    assert a832(run, "--confirmed-only") == "gap"
    assert a832(run) == "covered"
    text = run("confirmations", "--owner", "dana")
    assert text.exit_code == 0 and "stale" in text.stdout

    [flag] = as_json(run("flags", "--json"))
    assert (flag["kind"], flag["trigger"]) == ("tag", "description-changed")
    assert run("flags").exit_code == 0
    cleared = as_json(run("flags", "clear", str(flag["id"]), "--by", "Dana Lee", "--json"))
    assert cleared["cleared_by"] == "Dana Lee"
    assert as_json(run("flags", "--json")) == []
    assert a832(run, "--confirmed-only") == "gap"  # still stale: the words changed


def test_confirm_by_someone_else_notes_the_owner_and_old_dates_expire(
    workspace_dir: Path, run: Run
) -> None:
    seed(run)
    result = run("confirm", "CHG-1", "--by", "Sam", "--on", "2020-01-01", "--note", "delegated")
    assert result.exit_code == 0 and "owner is Dana Lee (CTO)" in result.stdout
    expired = as_json(run("confirmations", "--tags-only", "--json"))
    assert [s["state"] for s in expired] == ["expired"]
    assert as_json(run("confirmations", "--state", "all", "--json", "--control", "CHG-1"))
    long_cadence = as_json(
        run("confirmations", "--tags-only", "--cadence-days", "100000", "--json")
    )
    assert long_cadence == []


def test_bad_input_exits_2(workspace_dir: Path, run: Run) -> None:
    seed(run)
    assert run("confirm", "CHG-1").exit_code == 2  # who confirms?
    assert run("confirm", "CHG-9", "--by", "Dana").exit_code == 2
    assert run("confirm", "CHG-1", "A.5.15", "--by", "Dana").exit_code == 2  # not tagged
    assert run("confirm", "CHG-1", "--by", "Dana", "--on", "someday").exit_code == 2
    assert run("confirmations", "--state", "maybe").exit_code == 2
    assert run("confirmations", "--control", "CHG-9").exit_code == 2
    assert run("flags", "clear", "42", "--by", "Dana").exit_code == 2
    assert run("mappings", "review", SOC2_ISO).exit_code == 2  # needs --by
    assert run("mappings", "owner", "no-such-set", "--owner", "Ana").exit_code == 2
    assert (
        run("mappings", "owner", SOC2_ISO, "--owner", "Ana", "--cadence-days", "0").exit_code == 2
    )
    assert as_json(run("confirmations", "--state", "all", "--json")) != []  # nothing recorded
    assert run("confirmations", "--state", "confirmed", "--json").stdout.strip() == "[]"


def test_mapping_owner_review_and_due_list(workspace_dir: Path, run: Run) -> None:
    due = as_json(run("mappings", "review", "--json"))
    assert SOC2_ISO in {d["subject"] for d in due}
    assert run("mappings", "review", "--check").exit_code == 1
    owned = as_json(
        run(
            "mappings", "owner", SOC2_ISO, "--owner", "Ana (GRC)", "--cadence-days", "180", "--json"
        )
    )
    assert (owned["owner"], owned["cadence_days"]) == ("Ana (GRC)", 180)
    reviewed = as_json(
        run("mappings", "review", SOC2_ISO, "--by", "Ana (GRC)", "--note", "checked", "--json")
    )
    assert reviewed["reviewed_on"] == date.today().isoformat()
    assert reviewed["owner"] == "Ana (GRC)" and reviewed["cleared_flags"] == []
    due = as_json(run("mappings", "review", "--json"))
    assert SOC2_ISO not in {d["subject"] for d in due}
    every = {s["mapping_set"]: s for s in as_json(run("mappings", "review", "--all", "--json"))}
    assert every[SOC2_ISO]["due"] is False and every[SOC2_ISO]["cadence_days"] == 180
    assert run("mappings", "review", "--all").exit_code == 0
    text = run("mappings", "review")
    assert text.exit_code == 0 and "never reviewed" in text.stdout


def test_importing_a_new_framework_version_flags_the_older_sets(
    workspace_dir: Path, run: Run, tmp_path: Path
) -> None:
    sheet = tmp_path / "iso-next.csv"
    sheet.write_text("ref,title\nA.1,Policies\nA.2,Roles\n", encoding="utf-8")
    result = run(
        "frameworks",
        "import",
        str(sheet),
        "--id",
        "iso27001-2030",
        "--name",
        "ISO/IEC 27001",
        "--version",
        "2030",
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    assert as_json(result)["frameworks"] == {"iso27001-2030": 2}  # stdout stays the report
    assert SOC2_ISO in result.stderr and "mappings review" in result.stderr
    flags = as_json(run("flags", "--json"))
    assert SOC2_ISO in {f["subject"] for f in flags if f["kind"] == "mapping_set"}
    due = {d["subject"]: d for d in as_json(run("mappings", "review", "--json"))}
    assert any("iso27001-2030" in reason for reason in due[SOC2_ISO]["reasons"])
    reviewed = as_json(run("mappings", "review", SOC2_ISO, "--by", "Ana", "--json"))
    assert len(reviewed["cleared_flags"]) == 1
    again = run(
        "frameworks",
        "import",
        str(sheet),
        "--id",
        "iso27001-2030",
        "--name",
        "ISO/IEC 27001",
        "--version",
        "2030",
    )
    assert again.exit_code == 0 and "flagged" not in again.stderr  # unchanged: nothing new
