"""`crosswalk worker --drain` runs what is due; `crosswalk jobs` lists the runs."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Run, as_json


def test_jobs_lists_the_runs_a_worker_made(workspace_dir: Path, run: Run) -> None:
    assert run("controls", "add", "OPS-1", "--title", "Hardened", "--tag", "cc7.1").exit_code == 0
    (workspace_dir / "sshd_config").write_text("PermitRootLogin no\n")
    (workspace_dir / "collectors.yaml").write_text(
        """format: crosswalk/collectors@1
collectors:
  - name: config-snapshot
    collector: file
    params: {path: sshd_config, must_contain: ["PermitRootLogin no"]}
    controls: [OPS-1]
    schedule: daily
  - name: broken
    collector: command
    params: {argv: ["/nonexistent/scanner"]}
    controls: [OPS-1]
    schedule: weekly
"""
    )
    assert as_json(run("jobs", "--json")) == []
    drained = run("worker", "--drain")
    assert drained.exit_code == 0, drained.stderr
    assert "collect:config-snapshot" in drained.stderr
    runs = {r["job"]: r for r in as_json(run("jobs", "--json"))}
    assert runs["collect:config-snapshot"]["status"] == "succeeded"
    assert runs["collect:config-snapshot"]["summary"].startswith("pass")
    assert runs["collect:config-snapshot"]["evidence_id"]
    assert runs["collect:broken"]["status"] == "failed"
    assert "nonexistent" in runs["collect:broken"]["error"]
    assert run("worker", "--drain").exit_code == 0  # nothing due again today
    assert len(as_json(run("jobs", "--json", "--job", "collect:config-snapshot"))) == 1
    failed = as_json(run("jobs", "--json", "--status", "failed"))
    assert [r["job"] for r in failed] == ["collect:broken"]
    table = run("jobs", "--format", "tsv")
    assert table.exit_code == 0 and "collect:broken\t" in table.stdout
    refused = run("jobs", "--status", "sideways")
    assert refused.exit_code == 2 and "sideways" in refused.stderr
    assert json.loads(run("evidence", "list", "--json").stdout)[0]["kind"] == "collector"
