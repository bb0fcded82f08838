"""A workspace whose evidence lives in a bucket (moto's server on localhost) backs up with
every referenced file streamed from the bucket, and restores to a folder workspace."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest

from crosswalk.services.backup.archive import BackupError
from crosswalk.services.backup.backup import take_backup
from crosswalk.services.backup.restore import restore_backup
from crosswalk.services.evidence.evidence import verify
from crosswalk.store.blobs import BLOB_URL_ENV
from crosswalk.store.blobs_s3 import S3BlobStore
from crosswalk.store.engine import session_scope
from crosswalk.store.workspace import init_workspace, open_workspace
from tests.services.backup.conftest import fill, key_file


def test_a_bucket_workspace_backs_up_and_restores_every_file(
    tmp_path: Path, s3_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(BLOB_URL_ENV, s3_url)
    workspace, _ = init_workspace(tmp_path / "acme")
    fill(workspace)
    store = workspace.blobs
    assert isinstance(store, S3BlobStore)
    assert not (workspace.root / "evidence").exists()

    archive = tmp_path / "acme.tar.gz"
    assert take_backup(workspace, archive).evidence_files == 3

    monkeypatch.delenv(BLOB_URL_ENV)
    restore_backup(archive, tmp_path / "restored", key_file=key_file(workspace))
    restored = open_workspace(tmp_path / "restored")
    with session_scope(restored.engine) as session:
        report = verify(session, restored.blobs)
    assert (report.checked, report.ok) == (3, 3)
    restored.close()

    altered = next(iter(store.all_hashes()))
    boto3.client("s3").put_object(Bucket=store.bucket, Key=store.key(altered), Body=b"x")
    with pytest.raises(BackupError, match=r"s3://.*no longer matches its hash"):
        take_backup(workspace, tmp_path / "second.tar.gz")
    workspace.close()
