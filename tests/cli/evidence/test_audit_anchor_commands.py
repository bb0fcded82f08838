"""`audit-log anchor` prints a line to keep elsewhere; `verify --anchor` checks the trail
still reaches that entry unchanged, and a bad line is refused by name."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.cli.conftest import Run


def test_anchor_then_verify_and_find_deleted_entries(workspace_dir: Path, run: Run) -> None:
    assert run("audit-log", "anchor").exit_code == 1  # nothing to anchor yet
    for number in (1, 2, 3):
        assert run("controls", "add", f"AC-{number}", "--title", "Review").exit_code == 0
    line = run("audit-log", "anchor").stdout.strip()
    assert line.startswith("crosswalk-trail-anchor:1:3:")
    assert run("audit-log", "verify", "--anchor", line).exit_code == 0
    for wrong in ("yesterday", "crosswalk-trail-anchor:1:\u00b9:" + "0" * 64):  # "¹": not a number
        bad = run("audit-log", "verify", "--anchor", wrong)
        assert bad.exit_code == 2 and "not an anchor line" in bad.stderr
    database = sqlite3.connect(workspace_dir / "crosswalk.db")
    database.execute("DELETE FROM audit_log WHERE id = 3")
    database.commit()
    database.close()
    broken = run("audit-log", "verify", "--anchor", line)
    assert broken.exit_code == 1
    assert "entry #3: is missing" in " ".join(broken.stdout.split())
