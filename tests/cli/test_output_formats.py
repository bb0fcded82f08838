"""Output that pipes: rows print as a table on a terminal, as full-width TSV when piped, and
in any of the shared formats with --format or CROSSWALK_FORMAT. Run through the real entry
point, in a subprocess, with and without a terminal."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import Run

CROSSWALK = str(Path(sys.executable).with_name("crosswalk"))
LONG_TITLE = "Provisioning and deprovisioning of privileged accounts reviewed every quarter"


@pytest.fixture
def inventory(workspace_dir: Path, run: Run) -> Path:
    added = run(
        "controls",
        "add",
        "IAM-7",
        "--title",
        LONG_TITLE,
        "--owner",
        "Dana (IT)",
        "--tag",
        "CC6.2",
        "--status",
        "operating",
    )
    assert added.exit_code == 0, added.stdout
    return workspace_dir


def _piped(folder: Path, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [CROSSWALK, *args],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_piped_rows_are_full_width_tsv(inventory: Path) -> None:
    out = _piped(inventory, "controls", "list")
    header, row = out.splitlines()[:2]
    assert header.split("\t")[:3] == ["id", "title", "owner"]
    assert row.split("\t")[:3] == ["IAM-7", LONG_TITLE, "Dana (IT)"]  # never wrapped
    assert "┃" not in out and "│" not in out


def test_every_shared_format_on_a_listing_command(inventory: Path) -> None:
    rows = list(
        csv.DictReader(io.StringIO(_piped(inventory, "controls", "list", "--format", "csv")))
    )
    assert rows[0]["id"] == "IAM-7" and rows[0]["title"] == LONG_TITLE
    lines = _piped(inventory, "controls", "list", "--format", "jsonl").splitlines()
    assert json.loads(lines[0])["title"] == LONG_TITLE
    whole = json.loads(_piped(inventory, "controls", "list", "--format", "json"))
    assert whole[0]["control_id"] == "IAM-7"  # --format json is the command's own --json
    markdown = _piped(inventory, "controls", "list", "--format", "md")
    assert markdown.startswith("| id | title |") and f"| IAM-7 | {LONG_TITLE} |" in markdown
    env_csv = _piped(inventory, "controls", "list", env={"CROSSWALK_FORMAT": "csv"})
    assert env_csv.startswith("id,title,owner")


def test_a_terminal_gets_a_table(inventory: Path) -> None:
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("CROSSWALK_FORMAT", None)
    process = subprocess.Popen(
        [CROSSWALK, "controls", "list"], cwd=inventory, stdout=follower, stderr=follower, env=env
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    assert process.wait(timeout=60) == 0
    os.close(leader)
    shown = b"".join(chunks).decode("utf-8", "replace")
    assert "Controls (1)" in shown and "┃" in shown and "IAM-7" in shown
