"""Controls are found however their id is typed, and an unknown id gets suggestions."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import Run, as_json


def test_a_control_id_in_any_case_and_suggestions_for_a_typo(workspace_dir: Path, run: Run) -> None:
    assert run("controls", "add", "ACC-03", "--title", "Access recertification").exit_code == 0
    assert run("controls", "add", "ACC-04", "--title", "Leaver checks").exit_code == 0
    shown = as_json(run("controls", "show", "acc-03", "--json"))
    assert shown["control_id"] == "ACC-03"
    missing = run("controls", "show", "acc-3")
    assert missing.exit_code == 2
    message = " ".join(missing.stderr.split())
    assert "unknown control 'acc-3'" in message and "ACC-03" in message
