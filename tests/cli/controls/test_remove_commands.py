"""`controls remove`: retire with a reason (out of the gap analysis, kept for history) or
delete a control made by mistake; `controls restore` brings a retired one back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.cli.conftest import Run, as_json


def _reaching(gap: dict[str, Any], control_id: str) -> list[str]:
    return [entry["ref"] for entry in gap["annex_a"] if control_id in entry["controls"]]


def test_retire_then_restore_moves_a_control_out_of_and_back_into_the_gap_analysis(
    northwind: Path, run: Run
) -> None:
    before = as_json(run("gap", "--format", "json"))
    assert _reaching(before, "NW-AC-04")

    refused = run("controls", "remove", "NW-AC-04", "--delete")
    assert refused.exit_code == 2
    message = " ".join(refused.stderr.split())
    assert "cannot be deleted" in message and "evidence" in message and "--reason" in message
    assert run("controls", "remove", "NW-AC-04").exit_code == 2  # no reason, no retirement

    retired = run("controls", "remove", "nw-ac-04", "--reason", "moved to Okta policies")
    assert retired.exit_code == 0, retired.stderr
    assert "retired NW-AC-04" in retired.stdout

    after = as_json(run("gap", "--format", "json"))
    assert after["controls_total"] == before["controls_total"] - 1
    assert _reaching(after, "NW-AC-04") == []
    listed = [c["control_id"] for c in as_json(run("controls", "list", "--format", "json"))]
    assert "NW-AC-04" not in listed
    [gone] = as_json(run("controls", "list", "--retired", "--format", "json"))
    assert (gone["control_id"], gone["retired_reason"]) == ("NW-AC-04", "moved to Okta policies")
    shown = run("controls", "show", "NW-AC-04")
    assert "retired on" in shown.stdout and "moved to Okta policies" in shown.stdout

    assert run("controls", "restore", "NW-AC-04").exit_code == 0
    assert as_json(run("gap", "--format", "json"))["annex_a"] == before["annex_a"]


def test_a_control_created_by_mistake_is_deleted(workspace_dir: Path, run: Run) -> None:
    assert run("controls", "add", "TYPO-1", "--title", "Oops", "--tag", "cc6.1").exit_code == 0
    assert as_json(run("controls", "remove", "TYPO-1", "--delete", "--json")) == {
        "control_id": "TYPO-1",
        "deleted": True,
    }
    assert as_json(run("controls", "list", "--format", "json")) == []
    assert run("controls", "show", "TYPO-1").exit_code == 2
