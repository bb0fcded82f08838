"""``crosswalk policies`` from the command line: the journey, exit codes and JSON."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from crosswalk.io.policy_files import read_policy
from tests.cli.conftest import Run, as_json


def said(result: Any, text: str) -> bool:
    """The error says this (Rich wraps long lines, so whitespace is ignored)."""
    return "".join(text.split()) in "".join(result.stderr.split())


def seed(run: Run) -> None:
    result = run(
        "controls",
        "add",
        "AC-01",
        "--title",
        "User access review",
        "--frequency",
        "quarterly",
        "--tag",
        "iso27001-2022:A.5.18",
    )
    assert result.exit_code == 0, result.stderr


def test_the_policy_journey(workspace_dir: Path, run: Run) -> None:
    seed(run)
    assert as_json(run("policies", "list", "--json")) == []
    assert run("policies", "check").exit_code == 0

    added = as_json(
        run(
            "policies",
            "add",
            "POL-AC",
            "--title",
            "Access control policy",
            "--owner",
            "Dana (IT)",
            "--governs",
            "ac-01",
            "-g",
            "5.15",
            "--json",
        )
    )
    assert added["status"] == "draft"
    assert added["governs"] == ["AC-01", "iso27001-2022:A.5.15"]
    assert added["path"] == "policies/POL-AC.md"
    assert (workspace_dir / "policies" / "POL-AC.md").is_file()

    approved = as_json(
        run("policies", "approve", "pol-ac", "--by", "Marcus (CTO)", "--on", "2026-02-01", "--json")
    )
    assert (approved["status"], approved["approver"], approved["approved_on"]) == (
        "in force",
        "Marcus (CTO)",
        "2026-02-01",
    )
    today = date.today().isoformat()
    reviewed = as_json(run("policies", "review", "POL-AC", "--by", "Priya (CISO)", "--json"))
    assert (reviewed["last_reviewed"], reviewed["reviewed_by"]) == (today, "Priya (CISO)")

    listed = as_json(run("policies", "list", "--status", "in force", "--json"))
    assert [p["id"] for p in listed] == ["POL-AC"]
    assert "body" not in listed[0]
    assert as_json(run("policies", "list", "--status", "draft", "--json")) == []
    shown = as_json(run("policies", "show", "POL-AC", "--json"))
    assert shown["findings"] == [] and "# Access control policy" in shown["body"]
    text = run("policies", "show", "POL-AC")
    assert text.exit_code == 0 and "Access control policy" in text.stdout

    assert run("policies", "check").exit_code == 0
    listing = run("policies", "list")
    assert listing.exit_code == 0 and "POL-AC" in listing.stdout


def write_policy_file(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def test_import_then_check_finds_the_duplicate_and_the_conflict(
    workspace_dir: Path, run: Run
) -> None:
    seed(run)
    recent = (date.today() - timedelta(days=30)).isoformat()
    repo = workspace_dir.parent / "policy-repo"
    header = f"status: in force\napproved_by: CTO\napproval_date: {recent}\ncontrols: [AC-01]\n"
    write_policy_file(
        repo,
        "access.md",
        f"---\nid: POL-AC\ntitle: Access control\n{header}"
        "activities:\n- activity: user access review\n  frequency: quarterly\n---\n# Access\n",
    )
    write_policy_file(
        repo,
        "iam.md",
        f"---\nid: POL-IAM\ntitle: Identity standard\n{header}"
        "activities:\n- activity: access reviews\n  frequency: annually\n---\n# IAM\n",
    )
    write_policy_file(
        repo,
        "old.md",
        "---\nid: POL-OLD\ntitle: Old access policy\nstatus: retired\ncontrols: [AC-01]\n---\n",
    )

    dry = as_json(run("policies", "import", str(repo), "--dry-run", "--json"))
    assert (dry["added"], dry["dry_run"]) == (3, True)
    assert not (workspace_dir / "policies").exists()
    text = run("policies", "import", str(repo), "--dry-run")
    assert text.exit_code == 0 and "3 would be added" in text.stdout

    done = as_json(run("policies", "import", str(repo), "--json"))
    assert [p["action"] for p in done["policies"]] == ["add", "add", "add"]
    assert read_policy(workspace_dir / "policies" / "POL-IAM.md").approver == "CTO"
    again = as_json(run("policies", "import", str(repo), "--json"))
    assert again["unchanged"] == 3

    result = run("policies", "check", "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert (report["ok"], report["policies"], report["in_force"]) == (False, 3, 2)
    found = [(f["code"], f["policies"], f["proposed"]) for f in report["findings"]]
    assert found == [
        ("duplicate", ["POL-AC", "POL-IAM"], None),
        ("frequency-conflict", ["POL-AC", "POL-IAM"], "quarterly"),
    ]
    text = run("policies", "check")
    assert text.exit_code == 1 and "2 findings" in text.stdout

    shown = as_json(run("policies", "show", "POL-IAM", "--json"))
    assert [f["code"] for f in shown["findings"]] == ["duplicate", "frequency-conflict"]


def test_bad_input_exits_2_and_changes_nothing(workspace_dir: Path, run: Run) -> None:
    seed(run)
    unknown = run("policies", "show", "POL-X")
    assert unknown.exit_code == 2 and "unknown policy" in unknown.stderr
    bad_ref = run("policies", "add", "POL-A", "--title", "A", "-g", "AC-1")
    assert bad_ref.exit_code == 2 and said(bad_ref, "did you mean AC-01")
    assert not (workspace_dir / "policies" / "POL-A.md").exists()
    bad_frequency = run("policies", "add", "POL-A", "--title", "A", "--review-frequency", "often")
    assert bad_frequency.exit_code == 2 and "--review-frequency" in bad_frequency.stderr
    bad_status = run("policies", "list", "--status", "pending")
    assert bad_status.exit_code == 2
    assert run("policies", "add", "POL-A", "--title", "A").exit_code == 0
    bad_date = run("policies", "approve", "POL-A", "--by", "CEO", "--on", "someday")
    assert bad_date.exit_code == 2 and "--on" in bad_date.stderr
    assert read_policy(workspace_dir / "policies" / "POL-A.md").status.value == "draft"

    (workspace_dir / "policies" / "broken.md").write_text("---\nid: B\n---\n", encoding="utf-8")
    broken = run("policies", "check")
    assert broken.exit_code == 2 and said(broken, "broken.md: title: Field required")

    repo = workspace_dir.parent / "repo"
    write_policy_file(repo, "x.md", "no front matter\n")
    failed = run("policies", "import", str(repo))
    assert failed.exit_code == 2 and said(failed, "x.md: no front matter")
