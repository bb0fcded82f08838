"""The web app of a node whose evidence lives in a bucket (moto's server on localhost):
an upload lands in the bucket, not on the node's disk, and downloads byte for byte; files
moved there from the workspace folder download the same."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from crosswalk.services.evidence.blob_migration import migrate_blobs
from crosswalk.store.blobs import BLOB_URL_ENV
from crosswalk.store.blobs_s3 import S3BlobStore
from crosswalk.store.engine import session_scope
from crosswalk.store.models import EvidenceRow
from crosswalk.store.workspace import open_workspace
from crosswalk.web.app import create_app
from crosswalk.web.settings import WebSettings
from tests.conftest import DEMO_TODAY
from tests.web.conftest import WebWorkspace
from tests.web.evidence.test_evidence import api_evidence, upload


@pytest.fixture
def bucket_web(
    web_template: Path, tmp_path: Path, s3_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[WebWorkspace]:
    """The demo workspace after `blobs migrate` and the switch, served by a fresh node."""
    folder = tmp_path / "northwind"
    shutil.copytree(web_template, folder)
    opened = open_workspace(folder)
    try:
        with session_scope(opened.engine) as session:
            assert migrate_blobs(session, opened.local_blobs, s3_url).complete
    finally:
        opened.close()
    monkeypatch.setenv(BLOB_URL_ENV, s3_url)
    settings = WebSettings(workspace=folder, today=DEMO_TODAY)
    made = WebWorkspace(folder, settings, create_app(settings), [])
    try:
        yield made
    finally:
        for http in made.clients:
            http.__exit__(None, None, None)


def test_an_upload_lands_in_the_bucket_and_downloads_byte_for_byte(
    bucket_web: WebWorkspace, s3_url: str
) -> None:
    editor = bucket_web.client("editor")
    content = os.urandom(3 * 1024 * 1024 + 17)  # several chunks, not a round size
    digest = hashlib.sha256(content).hexdigest()

    response = upload(editor, name="export.csv", content=content, url="/api/evidence")

    assert response.status_code == 201, response.text
    store = S3BlobStore(s3_url)
    assert store.rehash(digest) == digest
    local = bucket_web.folder / "evidence" / digest[:2] / digest[2:4] / digest
    assert not local.exists()  # another node could not have read it from here
    item = next(i for i in api_evidence(editor) if i["sha256"] == digest)
    download = editor.http.get(f"/evidence/{item['id']}/download")
    assert download.status_code == 200
    assert download.content == content
    assert download.headers["content-length"] == str(len(content))

    shutil.rmtree(bucket_web.folder / "evidence")  # the node's old folder is not needed
    with bucket_web.session() as session:
        moved = session.scalars(select(EvidenceRow).where(EvidenceRow.sha256 != digest)).first()
    assert moved is not None and moved.sha256
    old = editor.http.get(f"/evidence/{moved.id}/download")
    assert old.status_code == 200
    assert hashlib.sha256(old.content).hexdigest() == moved.sha256
    verified = editor.http.get("/api/evidence/verify?recheck=1")
    assert verified.status_code == 200 and verified.json()["intact"], verified.text
