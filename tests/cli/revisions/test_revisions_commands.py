"""`crosswalk migrate` and `crosswalk frameworks diff`, as a compliance lead runs them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import Run, as_json
from tests.factories import catalog, write_yaml

MIGRATE = ("migrate", "--from", "iso27001-2013", "--to", "iso27001-2022")


def tags(run: Run, control_id: str) -> dict[str, str]:
    shown = as_json(run("controls", "show", control_id, "--json"))
    return {t["requirement"]: t["coverage"] for t in shown["tags"]}


def test_migrate_dry_run_then_apply_then_nothing_left(workspace_dir: Path, run: Run) -> None:
    added = run(
        "controls", "add", "AC-7", "--title", "Access reviews",
        "--tag", "iso27001-2013:A.9.2.5", "--tag", "iso27001-2013:A.9.2.6",
    )  # fmt: skip
    assert added.exit_code == 0, added.stderr
    assert run("soa", "init").exit_code == 0

    planned = as_json(run(*MIGRATE, "--dry-run", "--json"))
    assert planned["dry_run"] is True and planned["applied"] is None
    (line,) = [c["line"] for c in planned["controls"]]
    assert line.startswith("AC-7: A.9.2.5, A.9.2.6 → A.5.18 (merge, full")
    new = [d["ref"] for d in planned["decisions"] if d["kind"] == "new requirement"]
    assert new[0] == "A.5.7" and new[-1] == "A.8.28" and len(new) == 11
    assert planned["soa"] == {"action": "update draft v1", "rows": ["A.5.18"]}
    assert tags(run, "AC-7") == {
        "iso27001-2013:A.9.2.5": "full",
        "iso27001-2013:A.9.2.6": "full",
    }

    text = run(*MIGRATE, "--by", "Dana Reyes")
    assert text.exit_code == 0, text.stderr
    assert "A.9.2.5, A.9.2.6 → A.5.18" in text.stdout and "A.8.28" in text.stdout
    assert "by Dana Reyes" in text.stdout and "implemented" in text.stdout
    assert tags(run, "AC-7") == {"iso27001-2022:A.5.18": "full"}
    shown = as_json(run("soa", "show", "--json"))
    row = next(e for e in shown["entries"] if e["ref"] == "A.5.18")
    assert row["controls"] == ["AC-7"] and row["implementation_status"] == "implemented"

    again = as_json(run(*MIGRATE, "--json"))
    assert again["controls"] == [] and again["applied"]["controls_changed"] == []


def test_migrate_refuses_versions_nothing_joins(workspace_dir: Path, run: Run) -> None:
    result = run("migrate", "--from", "gdpr", "--to", "eu-ai-act")
    assert result.exit_code == 2 and "no mapping set joins gdpr and eu-ai-act" in result.stderr


def write_versions(folder: Path) -> Path:
    folder.mkdir()
    items = [
        {"ref": "G1", "kind": "group", "title": "Governance"},
        {"ref": "G1.1", "kind": "item", "title": "Policies approved", "parent": "G1"},
        {"ref": "G1.2", "kind": "item", "title": "Policies reviewed", "parent": "G1"},
    ]
    write_yaml(folder / "v1.yaml", catalog("acme-policy-1", items))
    changed = [
        {"ref": "G1", "kind": "group", "title": "Governance"},
        {"ref": "G1.1", "kind": "item", "title": "Policies approved by the board", "parent": "G1"},
        {"ref": "G1.3", "kind": "item", "title": "Policies published", "parent": "G1"},
    ]
    write_yaml(folder / "v2.yaml", catalog("acme-policy-2", changed))
    return folder


def test_frameworks_diff_names_changes_and_what_they_touch(
    workspace_dir: Path, run: Run, tmp_path: Path
) -> None:
    folder = str(write_versions(tmp_path / "catalogs"))
    added = run(
        "--catalog-path", folder, "controls", "add", "POL-1", "--title", "Policy",
        "--tag", "acme-policy-1:G1.1", "--tag", "acme-policy-1:G1.2",
    )  # fmt: skip
    assert added.exit_code == 0, added.stderr
    found = as_json(
        run(
            "--catalog-path",
            folder,
            "frameworks",
            "diff",
            "acme-policy-1",
            "acme-policy-2",
            "--json",
        )
    )
    diff = found["diff"]
    assert [c["ref"] for c in diff["added"]] == ["G1.3"]
    assert [c["ref"] for c in diff["removed"]] == ["G1.2"]
    assert [(c["ref"], c["new_title"]) for c in diff["renamed"]] == [
        ("G1.1", "Policies approved by the board")
    ]
    assert [(t["change"], t["ref"], t["controls"]) for t in found["touches"]] == [
        ("removed", "G1.2", ["POL-1"]),
        ("renamed", "G1.1", ["POL-1"]),
    ]
    text = run("--catalog-path", folder, "frameworks", "diff", "acme-policy-1", "acme-policy-2")
    assert text.exit_code == 0 and "1 added, 1 removed, 1 renamed" in text.stdout
    assert "controls POL-1" in text.stdout


def test_frameworks_diff_outside_a_workspace(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    text = run("frameworks", "diff", "iso27001-2013", "iso27001-2022")
    assert text.exit_code == 0, text.stderr
    assert "matched through iso27001-2013-to-2022" in text.stdout
    assert "No workspace here" in text.stdout
    found = as_json(run("frameworks", "diff", "iso27001-2013", "iso27001-2022", "--json"))
    assert found["touches"] is None
    merged = next(c for c in found["diff"]["moved"] if c["ref"] == "A.9.2.6")
    assert merged["change"] == "merged" and merged["new_refs"] == ["A.5.18"]
