"""`crosswalk backup` and `crosswalk restore` as an operator runs them."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import Run, as_json


def test_backup_then_restore_from_the_command_line(
    workspace_dir: Path, run: Run, tmp_path: Path
) -> None:
    assert run("controls", "add", "AC-1", "--title", "Access review").exit_code == 0
    (workspace_dir / "review.csv").write_text("who,when\n", encoding="utf-8")
    assert (
        run("evidence", "add", "review.csv", "-c", "AC-1", "--performed", "2026-01-05").exit_code
        == 0
    )
    archive = tmp_path / "acme.tar.gz"

    text = run("backup", str(archive))
    assert text.exit_code == 0, text.stderr
    said = " ".join(text.stdout.split())
    assert "1 evidence files" in said and "audit key is NOT in the archive" in said

    made = as_json(run("backup", str(archive), "--force", "--json"))
    assert made["evidence_files"] == 1 and made["key_included"] is False
    assert made["archive"] == str(archive)

    key = workspace_dir / ".crosswalk" / "audit.key"
    target = tmp_path / "restored"
    restored = as_json(run("restore", str(archive), str(target), "--key-file", str(key), "--json"))
    assert restored["folder"] == str(target) and restored["evidence_files"] == 1
    listed = as_json(run("--workspace", str(target), "controls", "list", "--json"))
    assert [c["control_id"] for c in listed] == ["AC-1"]
    verified = run("--workspace", str(target), "audit-log", "verify")
    assert verified.exit_code == 0 and "chain intact" in verified.stdout


def test_bad_archives_and_busy_folders_exit_2_with_one_line(
    workspace_dir: Path, run: Run, tmp_path: Path
) -> None:
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not an archive at all")
    refused = run("restore", str(junk), str(tmp_path / "restored"))
    assert refused.exit_code == 2
    assert "junk.tar.gz: not a Crosswalk backup" in refused.stderr
    assert "Traceback" not in refused.stderr and not (tmp_path / "restored").exists()

    archive = tmp_path / "acme.tar"
    assert run("backup", str(archive)).exit_code == 0
    assert run("backup", str(archive)).exit_code == 2  # never overwritten unasked
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("x", encoding="utf-8")
    refused = run("restore", str(archive), str(busy))
    assert refused.exit_code == 2 and "is not empty" in refused.stderr
    assert [p.name for p in busy.iterdir()] == ["keep.txt"]


def test_restore_into_a_database_takes_postgresql_only(
    workspace_dir: Path, run: Run, tmp_path: Path
) -> None:
    archive = tmp_path / "acme.tar.gz"
    assert run("backup", str(archive)).exit_code == 0
    sqlite_url = f"sqlite:///{tmp_path / 'other.db'}"
    for args in (
        ("restore", str(archive), str(tmp_path / "r"), "--database-url", sqlite_url),
        ("--database-url", sqlite_url, "restore", str(archive), str(tmp_path / "r")),
    ):
        refused = run(*args)
        assert refused.exit_code == 2 and "empty PostgreSQL database" in refused.stderr
    assert not (tmp_path / "r").exists() and not (tmp_path / "other.db").exists()
    here = run("restore", str(archive), ".")
    assert here.exit_code == 2 and "current folder" in " ".join(here.stderr.split())
