"""Evidence files in an S3-compatible bucket (moto's server on localhost): stored once by
hash, streamed, never overwritten, re-hashed as the server sends them back."""

from __future__ import annotations

import hashlib
import io
import os
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from crosswalk.domain.errors import CrosswalkError
from crosswalk.store.blobs import BLOB_URL_ENV, LocalBlobStore, blob_store
from crosswalk.store.blobs_s3 import S3BlobStore, parse_s3_url


def raw_client() -> Any:
    """A client of its own, as someone with bucket access outside Crosswalk would have."""
    import boto3

    return boto3.client("s3")


def object_bytes(store: S3BlobStore, sha256: str) -> bytes:
    body = raw_client().get_object(Bucket=store.bucket, Key=store.key(sha256))["Body"]
    data: bytes = body.read()
    return data


def test_put_open_exists_rehash_round_trip_under_the_content_address(s3_url: str) -> None:
    store = S3BlobStore(s3_url)
    content = b"access review Q1: 41 users kept, 3 revoked\n"
    digest = hashlib.sha256(content).hexdigest()
    assert not store.exists(digest) and store.rehash(digest) is None and store.size(digest) is None

    stored = store.put(io.BytesIO(content))

    assert (stored.sha256, stored.size, stored.created) == (digest, len(content), True)
    bucket, prefix = parse_s3_url(s3_url)
    assert store.location(digest) == f"s3://{bucket}/{prefix}/{digest[:2]}/{digest[2:4]}/{digest}"
    assert object_bytes(store, digest) == content  # really in the bucket, under that key
    assert store.exists(digest) and store.size(digest) == len(content)
    with store.open(digest) as handle:
        assert handle.read() == content
    assert store.rehash(digest) == digest
    assert list(store.all_hashes()) == [digest]


def test_identical_content_is_stored_once(s3_url: str) -> None:
    store = S3BlobStore(s3_url)
    first = store.put(io.BytesIO(b"the same policy PDF"))
    second = store.put(io.BytesIO(b"the same policy PDF"))
    assert first.created and not second.created and first.sha256 == second.sha256
    listed = raw_client().list_objects_v2(Bucket=store.bucket)["Contents"]
    assert len(listed) == 1


class RacingStore(S3BlobStore):
    """A node that looked for the key just before another node wrote it."""

    def exists(self, sha256: str) -> bool:
        return False


def test_an_object_is_never_overwritten_even_by_a_racing_writer(s3_url: str) -> None:
    store = S3BlobStore(s3_url)
    content = b"evidence as first stored"
    digest = store.put(io.BytesIO(content)).sha256
    # someone altered the object behind Crosswalk's back: a later add of the same content
    # must not quietly repair (and so hide) it, nor overwrite it
    raw_client().put_object(Bucket=store.bucket, Key=store.key(digest), Body=b"altered")

    again = store.put(io.BytesIO(content))
    raced = RacingStore(s3_url).put(io.BytesIO(content))  # the server's If-None-Match refuses

    assert not again.created and not raced.created
    assert object_bytes(store, digest) == b"altered"
    assert store.rehash(digest) == hashlib.sha256(b"altered").hexdigest()


def test_a_large_file_is_streamed_not_held_in_memory(s3_url: str, tmp_path: Path) -> None:
    store = S3BlobStore(s3_url)
    path = tmp_path / "large.bin"
    digest = hashlib.sha256()
    with path.open("wb") as handle:
        for _ in range(40):
            chunk = os.urandom(1024 * 1024)
            digest.update(chunk)
            handle.write(chunk)
    tracemalloc.start()
    with path.open("rb") as handle:
        stored = store.put(handle)
    with store.open(stored.sha256) as handle:
        while handle.read(1024 * 1024):
            pass
    rehashed = store.rehash(stored.sha256)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert stored.sha256 == rehashed == digest.hexdigest()
    assert peak < 16 * 1024 * 1024  # 40 MB up and twice down, never whole in memory


def test_the_setting_chooses_the_store(
    s3_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(BLOB_URL_ENV, raising=False)
    assert isinstance(blob_store(tmp_path), LocalBlobStore)
    monkeypatch.setenv(BLOB_URL_ENV, s3_url)
    chosen = blob_store(tmp_path)
    assert isinstance(chosen, S3BlobStore) and chosen.url == s3_url


def test_the_region_comes_from_aws_region_or_aws_default_region(
    s3_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    assert S3BlobStore(s3_url).client.meta.region_name == "eu-west-1"
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    assert S3BlobStore(s3_url).client.meta.region_name == "eu-central-1"


def test_a_missing_bucket_or_bad_url_is_one_clear_error(s3_url: str) -> None:
    with pytest.raises(CrosswalkError, match=r"s3://no-such-bucket-here/x/.*cannot store"):
        S3BlobStore("s3://no-such-bucket-here/x").put(io.BytesIO(b"x"))
    for wrong in ("s3:///prefix", "https://bucket/x"):
        with pytest.raises(CrosswalkError, match="s3://"):
            S3BlobStore(wrong)


def test_a_workspace_builds_one_client_however_many_threads_ask_first(
    s3_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A web worker's first uploads arrive on many threads at once; each S3 client costs
    megabytes (a node held eight, 60 MB more than one)."""
    import threading

    from crosswalk.store.workspace import init_workspace

    monkeypatch.setenv(BLOB_URL_ENV, s3_url)
    workspace, _ = init_workspace(tmp_path / "ws")
    start = threading.Barrier(8)
    seen: list[object] = []

    def first_use() -> None:
        start.wait()
        seen.append(workspace.blobs)

    threads = [threading.Thread(target=first_use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 8 and len({id(store) for store in seen}) == 1
    workspace.close()


def test_content_wanted_again_is_kept_from_the_orphan_sweep(s3_url: str) -> None:
    """Like a local file's mtime: an old object an add wants again becomes new, so that
    `verify --repair` (which removes orphans older than the grace period) leaves it for the
    add's row; its bytes never change."""
    import time

    store = S3BlobStore(s3_url)
    digest = store.put(io.BytesIO(b"policy v1")).sha256
    head = raw_client().head_object(Bucket=store.bucket, Key=store.key(digest))
    time.sleep(1.1)  # LastModified has whole seconds
    assert not store.put(io.BytesIO(b"policy v1")).created  # recent: left as it is
    same = raw_client().head_object(Bucket=store.bucket, Key=store.key(digest))
    assert same["LastModified"] == head["LastModified"]

    store.refresh_after = 0  # as if the object were past half the grace period
    assert not store.put(io.BytesIO(b"policy v1")).created
    renewed = raw_client().head_object(Bucket=store.bucket, Key=store.key(digest))
    assert renewed["LastModified"] > head["LastModified"]
    assert object_bytes(store, digest) == b"policy v1"
    assert not store.remove_unreferenced(digest)  # within the grace period now
    assert store.remove_unreferenced(digest, older_than=-60) and not store.exists(digest)


def test_each_write_carries_the_checksums_the_server_checks_and_the_no_overwrite_condition(
    s3_url: str,
) -> None:
    """Real S3 and MinIO refuse a body that does not match Content-MD5 or
    x-amz-checksum-sha256 (moto's server does not check them, so here we check what is sent:
    the checksums of the content itself, computed while it was spooled)."""
    import base64

    store = S3BlobStore(s3_url)
    sent: list[dict[str, str]] = []

    def capture(request: Any, **_: Any) -> None:
        if request.method == "PUT":
            sent.append(
                {
                    k.lower(): v.decode() if isinstance(v, bytes) else str(v)
                    for k, v in request.headers.items()
                }
            )

    store.client.meta.events.register("before-send.s3.PutObject", capture)
    content = os.urandom(3 * 1024 * 1024 + 5)
    store.put(io.BytesIO(content))

    assert len(sent) == 1
    headers = sent[0]
    assert headers["content-md5"] == base64.b64encode(hashlib.md5(content).digest()).decode()
    sha = base64.b64encode(hashlib.sha256(content).digest()).decode()
    assert headers["x-amz-checksum-sha256"] == sha
    assert headers["if-none-match"] == "*"
