"""A workspace whose evidence lives in a bucket (moto's server on localhost): verify
re-hashes the remote objects, and a workspace's folder moves there resumably, verified."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from crosswalk.catalogs.loader import Library
from crosswalk.domain.errors import CrosswalkError
from crosswalk.services.evidence.blob_migration import MigrationError, migrate_blobs
from crosswalk.services.evidence.evidence import EvidenceInput, add_file_evidence, verify
from crosswalk.store.blobs import BLOB_URL_ENV
from crosswalk.store.blobs_s3 import S3BlobStore
from crosswalk.store.engine import session_scope
from crosswalk.store.workspace import Workspace, open_workspace
from tests.services.evidence.test_evidence import seed


def raw_client() -> Any:
    import boto3

    return boto3.client("s3")


def add_files(workspace: Workspace, tmp_path: Path, count: int) -> list[str]:
    hashes = []
    with session_scope(workspace.engine) as session:
        for number in range(count):
            path = tmp_path / f"review-{number}.csv"
            path.write_text(f"user,decision\nuser{number},keep\n")
            item = add_file_evidence(
                session,
                workspace.blobs,
                path,
                ["AC-1"],
                EvidenceInput(f"review {number}", performed_start=date(2026, 3, 31)),
            )
            hashes.append(item.sha256 or "")
        session.commit()
    return hashes


def test_verify_rehashes_remote_objects_and_finds_altered_and_missing_ones(
    workspace: Workspace,
    library: Library,
    tmp_path: Path,
    s3_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(BLOB_URL_ENV, s3_url)
    reopened = open_workspace(workspace.root, workspace.database_url)
    store = reopened.blobs
    assert isinstance(store, S3BlobStore)
    seed(reopened, library)
    first, second, _third = add_files(reopened, tmp_path, 3)
    assert not (workspace.root / "evidence").exists()  # nothing landed on the node's disk
    with session_scope(reopened.engine) as session:
        assert verify(session, store).ok == 3
        raw_client().put_object(Bucket=store.bucket, Key=store.key(first), Body=b"tampered")
        raw_client().delete_object(Bucket=store.bucket, Key=store.key(second))
        report = verify(session, store)
    assert report.failed and report.ok == 1
    assert [e["sha256"] for e in report.altered] == [first]
    assert report.altered[0]["now"] == hashlib.sha256(b"tampered").hexdigest()
    assert report.altered[0]["path"] == store.location(first)
    assert [e["sha256"] for e in report.missing] == [second]
    reopened.close()


def test_migrate_stopped_midway_resumes_and_ends_with_every_file_verified_in_the_bucket(
    workspace: Workspace,
    library: Library,
    tmp_path: Path,
    s3_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(BLOB_URL_ENV, raising=False)
    seed(workspace, library)
    hashes = add_files(workspace, tmp_path, 5)
    local = workspace.local_blobs
    seen: list[tuple[str, str]] = []

    with session_scope(workspace.engine) as session:
        first = migrate_blobs(session, local, s3_url, limit=2, jobs=3)
        second = migrate_blobs(session, local, s3_url, progress=lambda w, h: seen.append((w, h)))
        third = migrate_blobs(session, local, s3_url)

    assert (len(first.copied), first.remaining, first.complete) == (2, 3, False)
    assert sorted(second.already) == sorted(first.copied)  # skipped, re-hashed intact
    assert len(second.copied) == 3 and second.complete and not second.failed
    assert sorted(second.copied + second.already) == sorted(hashes)
    assert {what for what, _ in seen} == {"already", "copied"}
    assert (third.copied, sorted(third.already)) == ([], sorted(hashes))
    assert all(local.exists(sha256) for sha256 in hashes)  # the folder still serves

    monkeypatch.setenv(BLOB_URL_ENV, s3_url)  # the switch
    switched = open_workspace(workspace.root, workspace.database_url)
    with session_scope(switched.engine) as session:
        report = verify(session, switched.blobs)
    assert (report.checked, report.ok, report.failed) == (5, 5, False)
    switched.close()


def test_migrate_never_overwrites_a_different_object_and_reports_missing_files(
    sqlite_workspace: Workspace, library: Library, tmp_path: Path, s3_url: str
) -> None:
    seed(sqlite_workspace, library)
    kept, gone = add_files(sqlite_workspace, tmp_path, 2)
    target = S3BlobStore(s3_url)
    raw_client().put_object(Bucket=target.bucket, Key=target.key(kept), Body=b"someone else's")
    sqlite_workspace.local_blobs.path(gone).unlink()

    with session_scope(sqlite_workspace.engine) as session:
        report = migrate_blobs(session, sqlite_workspace.local_blobs, s3_url)

    assert [f["sha256"] for f in report.failed] == [kept]
    assert "holds other content" in report.failed[0]["problem"]
    assert report.missing == [gone] and not report.complete
    assert target.rehash(kept) == hashlib.sha256(b"someone else's").hexdigest()
    with pytest.raises(MigrationError, match="s3://BUCKET/PREFIX"):
        migrate_blobs(session, sqlite_workspace.local_blobs, "/mnt/elsewhere")
    with pytest.raises(CrosswalkError, match=r"s3://no-such-bucket-here/x: cannot reach"):
        migrate_blobs(session, sqlite_workspace.local_blobs, "s3://no-such-bucket-here/x")


def test_after_the_switch_files_not_yet_copied_still_download_until_migrate_copies_them(
    sqlite_workspace: Workspace,
    library: Library,
    tmp_path: Path,
    s3_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(BLOB_URL_ENV, raising=False)
    seed(sqlite_workspace, library)
    old, again = add_files(sqlite_workspace, tmp_path, 2)  # uploaded before the switch
    monkeypatch.setenv(BLOB_URL_ENV, s3_url)
    switched = open_workspace(sqlite_workspace.root)
    store = switched.blobs
    assert isinstance(store, S3BlobStore)

    assert store.exists(old) and store.size(old) == sqlite_workspace.local_blobs.size(old)
    with store.open(old) as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == old
    path = tmp_path / "same-content-again.csv"
    path.write_bytes(sqlite_workspace.local_blobs.path(again).read_bytes())
    with session_scope(switched.engine) as session:
        item = add_file_evidence(session, store, path, ["AC-1"], EvidenceInput("same again"))
        session.commit()
        assert item.sha256 == again
        assert raw_client().head_object(Bucket=store.bucket, Key=store.key(again))  # sent
        report = verify(session, store)
        assert [e["sha256"] for e in report.missing] == [old]  # not in the bucket yet
        assert report.missing[0]["path"] == store.location(old)

        assert migrate_blobs(session, switched.local_blobs, s3_url).complete
        assert not verify(session, store).failed
    switched.close()
