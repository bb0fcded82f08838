"""A restore checks the whole archive before a workspace appears: a changed, missing or added
member, an edited manifest, a broken trail, a file that is not an archive or was cut short
are each refused by name, and nothing is left behind, not even the hidden work folder."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from crosswalk.io.text_files import InputFileError
from crosswalk.services.backup.archive import CONFIG, DATABASE, MANIFEST, BackupError
from crosswalk.services.backup.backup import take_backup
from crosswalk.services.backup.restore import restore_backup
from crosswalk.store.workspace import Workspace
from tests.services.backup.conftest import (
    edit_manifest,
    key_file,
    members,
    reseal,
    write_members,
)


@pytest.fixture
def archive(filled: Workspace, tmp_path: Path) -> Path:
    path = tmp_path / "acme.tar.gz"
    take_backup(filled, path)
    return path


def _refused(filled: Workspace, archive: Path, pattern: str) -> None:
    target = archive.parent / "restored"
    with pytest.raises(BackupError, match=pattern) as refused:
        restore_backup(archive, target, key_file=key_file(filled))
    assert str(archive) in str(refused.value)
    assert not target.exists()
    assert [p.name for p in archive.parent.iterdir() if p.name.startswith(".restored.")] == []


def _blob(content: dict[str, bytes]) -> str:
    return next(name for name in content if name.startswith("workspace/evidence/"))


def test_a_changed_member_is_refused_by_name(filled: Workspace, archive: Path) -> None:
    content = members(archive)
    blob = _blob(content)
    content[blob] = content[blob].replace(b"review", b"REVIEW")
    _refused(filled, write_members(archive, content), f"member {blob} does not match the manifest")
    content = members(take_backup(filled, archive, replace=True).archive)
    content[CONFIG] += b"# edited\n"
    _refused(filled, write_members(archive, content), f"member {CONFIG} does not match")


def test_a_removed_evidence_file_is_refused(filled: Workspace, archive: Path) -> None:
    content = members(archive)
    blob = _blob(content)
    del content[blob]
    _refused(filled, write_members(archive, content), f"member {blob} is missing")
    # ... and with its manifest entry gone too: the seal no longer matches
    edit_manifest(content, lambda data: data["members"].pop(blob))
    _refused(filled, write_members(archive, content), "seal does not match")
    # ... and resealed by someone holding the key: the database still references it
    key = key_file(filled).read_bytes().strip()
    _refused(filled, write_members(archive, reseal(content, key)), f"{blob} is missing: evidence #")


def test_an_edited_manifest_is_refused(filled: Workspace, archive: Path) -> None:
    content = members(archive)
    edit_manifest(content, lambda data: data["members"][DATABASE].update(sha256="0" * 64))
    _refused(filled, write_members(archive, content), f"member {DATABASE} does not match")
    content = members(take_backup(filled, archive, replace=True).archive)
    edit_manifest(content, lambda data: data.update(workspace="someone else's"))
    _refused(filled, write_members(archive, content), "manifest was edited")
    content = members(take_backup(filled, archive, replace=True).archive)
    del content[MANIFEST]
    _refused(filled, write_members(archive, content), "no manifest.json")


def test_an_added_member_is_refused(filled: Workspace, archive: Path) -> None:
    content = members(archive)
    manifest = content.pop(MANIFEST)
    content["workspace/policies/POL-9.md"] = b"slipped in\n"
    _refused(filled, write_members(archive, {**content, MANIFEST: manifest}), "not in the manifest")
    del content["workspace/policies/POL-9.md"]
    content["../outside.txt"] = b"escape\n"
    _refused(filled, write_members(archive, {**content, MANIFEST: manifest}), "not one a Crosswalk")
    assert not (archive.parent.parent / "outside.txt").exists()


def test_a_rewritten_trail_is_refused_even_with_a_resealed_manifest(
    filled: Workspace, archive: Path, tmp_path: Path
) -> None:
    content = members(archive)
    database = tmp_path / "edit.sqlite"
    database.write_bytes(content[DATABASE])
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE audit_log SET actor = 'mallory' WHERE id = 1")
    connection.close()
    content[DATABASE] = database.read_bytes()
    key = key_file(filled).read_bytes().strip()
    _refused(filled, write_members(archive, reseal(content, key)), "audit trail does not verify")


def test_another_key_is_refused(filled: Workspace, archive: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.key"
    other.write_text("not the workspace's key\n", encoding="utf-8")
    with pytest.raises(BackupError, match="seal does not match the audit key"):
        restore_backup(archive, tmp_path / "restored", key_file=other)
    assert not (tmp_path / "restored").exists()


@pytest.mark.parametrize(
    "damage", ["random", "empty", "truncated", "cut-at-manifest", "truncated-uncompressed"]
)
def test_what_is_not_a_whole_archive_is_refused(
    filled: Workspace, archive: Path, damage: str
) -> None:
    raw = archive.read_bytes()
    plain = write_members(archive.with_name("plain.tar"), members(archive), "w").read_bytes()
    broken = {
        "random": hashlib.sha256(b"x").digest() * 100,
        "empty": b"",
        "truncated": raw[: len(raw) // 2],
        "cut-at-manifest": raw[: len(raw) - 200],
        "truncated-uncompressed": plain[: len(plain) // 2],
    }[damage]
    archive.write_bytes(broken)
    _refused(filled, archive, r"not a Crosswalk backup|truncated or damaged|truncated or not")


def test_a_folder_or_a_missing_file_is_refused(filled: Workspace, tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="is a folder"):
        restore_backup(tmp_path, tmp_path / "restored", key_file=key_file(filled))
    with pytest.raises(InputFileError, match="no such file"):
        restore_backup(tmp_path / "nope.tar.gz", tmp_path / "restored")
    assert not (tmp_path / "restored").exists()


def test_a_non_empty_folder_is_refused_and_left_as_it_was(
    filled: Workspace, archive: Path, tmp_path: Path
) -> None:
    target = tmp_path / "busy"
    target.mkdir()
    (target / "notes.txt").write_text("mine\n", encoding="utf-8")
    with pytest.raises(BackupError, match="is not empty"):
        restore_backup(archive, target, key_file=key_file(filled))
    assert [p.name for p in target.iterdir()] == ["notes.txt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    restore_backup(archive, empty, key_file=key_file(filled))  # an empty folder is fine
    assert (empty / "crosswalk.db").is_file()


def test_a_newer_schema_or_a_damaged_database_is_refused(
    filled: Workspace, archive: Path, tmp_path: Path
) -> None:
    key = key_file(filled).read_bytes().strip()
    content = members(archive)
    database = tmp_path / "newer.sqlite"
    database.write_bytes(content[DATABASE])
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    connection.close()
    content[DATABASE] = database.read_bytes()
    edit_manifest(content, lambda data: data["database"].update(schema_revision="9999"))
    _refused(filled, write_members(archive, reseal(content, key)), "'9999' is not one this")
    content[DATABASE] = b"SQLite format 3\x00" + b"\x00" * 200
    _refused(filled, write_members(archive, reseal(content, key)), "not a readable workspace")
