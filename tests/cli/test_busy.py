"""Another writer holding a SQLite workspace past the wait gets a retry message and its own
exit code, never a traceback; nothing is changed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.cli.conftest import Run, as_json


def test_a_locked_workspace_says_busy_and_changes_nothing(workspace_dir: Path, run: Run) -> None:
    holder = sqlite3.connect(workspace_dir / "crosswalk.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer, mid-transaction
    try:
        result = run("controls", "add", "AC-1", "--title", "Access review")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 75
    assert "workspace busy" in " ".join(result.stderr.split())
    assert "Traceback" not in result.stdout + result.stderr
    assert as_json(run("controls", "list", "--json")) == []
