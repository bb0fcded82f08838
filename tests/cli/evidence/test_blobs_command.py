"""`crosswalk blobs migrate --to s3://...` from the command line, then the switch."""

from __future__ import annotations

from pathlib import Path

import pytest

from crosswalk.store.blobs import BLOB_URL_ENV
from tests.cli.conftest import Run, as_json
from tests.cli.evidence.test_evidence_commands import add, workspace_dir

__all__ = ["workspace_dir"]


def test_migrate_in_batches_then_switch_and_verify_against_the_bucket(
    workspace_dir: Path, run: Run, s3_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(BLOB_URL_ENV, raising=False)
    added = [add(run, workspace_dir, f"e{n}.txt", "-c", "AC-1") for n in range(3)]

    partial = run("blobs", "migrate", "--to", s3_url, "--limit", "1")
    assert partial.exit_code == 0, partial.stdout + partial.stderr
    assert "1 copied and verified" in partial.stdout
    assert "2 files left: run the same command again" in partial.stdout

    finished = as_json(run("blobs", "migrate", "--to", s3_url, "--json"))
    assert (len(finished["copied"]), len(finished["already"])) == (2, 1)
    assert finished["complete"] is True

    monkeypatch.setenv(BLOB_URL_ENV, s3_url)
    verified = as_json(run("evidence", "verify", "--json"))
    assert (verified["checked"], verified["ok"]) == (3, 3)
    shown = as_json(run("evidence", "show", str(added[0]["id"]), "--json"))
    assert str(shown["stored_at"]).startswith(s3_url + "/")


def test_a_wrong_target_is_one_line_and_exit_2(workspace_dir: Path, run: Run) -> None:
    result = run("blobs", "migrate", "--to", "/mnt/other-disk")
    assert result.exit_code == 2
    assert "s3://BUCKET/PREFIX" in result.stdout + result.stderr


def test_a_migration_killed_midway_is_resumed_by_running_it_again(
    workspace_dir: Path, run: Run, s3_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import signal
    import subprocess
    import sys

    monkeypatch.delenv(BLOB_URL_ENV, raising=False)
    for n in range(30):
        add(run, workspace_dir, f"k{n}.txt", "-c", "AC-1")
    command = [str(Path(sys.executable).parent / "crosswalk"), "blobs", "migrate"]
    command += ["--to", s3_url, "--jobs", "1"]
    process = subprocess.Popen(
        command,
        cwd=workspace_dir,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"},
    )
    assert process.stdout is not None
    copied = 0
    for line in process.stdout:
        copied += "copied:" in line
        if copied == 3:
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    resumed = as_json(run("blobs", "migrate", "--to", s3_url, "--json"))
    assert resumed["complete"] is True and resumed["failed"] == []
    assert 3 <= len(resumed["already"]) < 30
    assert len(resumed["already"]) + len(resumed["copied"]) == 30
    monkeypatch.setenv(BLOB_URL_ENV, s3_url)
    verified = as_json(run("evidence", "verify", "--json"))
    assert (verified["checked"], verified["ok"]) == (30, 30)


def test_serve_refuses_a_blob_url_that_names_no_bucket(
    workspace_dir: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(BLOB_URL_ENV, "https://storage.example/evidence")
    result = run("serve", "--workers", "2")  # without the check: refused for SQLite instead
    assert result.exit_code == 2
    said = result.stdout + result.stderr
    assert "CROSSWALK_BLOB_URL='https://storage.example/evidence'" in said
    assert "a blob store URL starts with s3://" in said
    assert run("evidence", "list").exit_code == 2  # every command that opens the workspace
