"""`crosswalk collect` runs every declared collector, stores evidence, and goes on past failures."""

from __future__ import annotations

import json
import os
import sys
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
            "OPS-1",
            "--title",
            "Hardened config",
            "--frequency",
            "daily",
            "--tag",
            "cc7.1",
        )
        yield folder
    finally:
        os.chdir(previous)


def declare(folder: Path) -> None:
    (folder / "sshd_config").write_text("PermitRootLogin no\nPasswordAuthentication no\n")
    python = json.dumps(sys.executable)
    (folder / "collectors.yaml").write_text(
        f"""format: crosswalk/collectors@1
collectors:
  - name: config-snapshot
    collector: file
    params: {{path: "{folder / "sshd_config"}", must_contain: ["PermitRootLogin no"]}}
    controls: [OPS-1]
    schedule: daily
  - name: failing-check
    collector: command
    params: {{argv: [{python}, "-c", "import sys; print('drift found'); sys.exit(3)"]}}
    controls: [OPS-1]
    schedule: daily
  - name: broken
    collector: command
    params: {{argv: ["/nonexistent/scanner"]}}
    controls: [OPS-1]
    schedule: weekly
  - name: passing-check
    collector: command
    params: {{argv: [{python}, "-c", "print('all good')"]}}
    controls: [OPS-1]
    schedule: daily
"""
    )


def test_collect_goes_on_past_failures_and_records_everything(
    workspace_dir: Path, run: Run
) -> None:
    declare(workspace_dir)
    result = run("collect", "--json")
    assert result.exit_code == 1  # something failed: a CI gate can rely on it
    outcomes = {o["name"]: o for o in json.loads(result.stdout)}
    assert list(outcomes) == ["config-snapshot", "failing-check", "broken", "passing-check"]
    assert outcomes["config-snapshot"]["passed"] is True
    assert outcomes["failing-check"]["passed"] is False and outcomes["failing-check"]["evidence_id"]
    assert outcomes["broken"]["passed"] is None and "nonexistent" in outcomes["broken"]["error"]
    assert outcomes["passing-check"]["passed"] is True
    evidence = as_json(run("evidence", "list", "--control", "OPS-1", "--json"))
    assert len(evidence) == 3 and all(e["kind"] == "collector" for e in evidence)
    assert {e["passed"] for e in evidence} == {True, False}
    assert run("evidence", "verify").exit_code == 0
    again = run("collect", "--due", "--json")
    assert json.loads(again.stdout) == [] and again.exit_code == 0  # nothing due the same day


def test_only_named_collectors_and_unknown_names(workspace_dir: Path, run: Run) -> None:
    declare(workspace_dir)
    only = run("collect", "--name", "passing-check", "--json")
    assert only.exit_code == 0 and [o["name"] for o in json.loads(only.stdout)] == ["passing-check"]
    unknown = run("collect", "--name", "nope")
    assert unknown.exit_code == 2 and "declared" in unknown.stderr


def test_bad_declarations_name_the_entry(workspace_dir: Path, run: Run) -> None:
    (workspace_dir / "collectors.yaml").write_text(
        "format: crosswalk/collectors@1\ncollectors:\n  - name: x\n    collector: command\n"
        "    params: {argv: []}\n    controls: [OPS-1]\n    schedule: daily\n"
    )
    result = run("collect")
    assert result.exit_code == 2 and "argv" in result.stderr
    (workspace_dir / "collectors.yaml").unlink()
    missing = run("collect")
    assert missing.exit_code == 2 and "collectors.yaml" in missing.stderr
