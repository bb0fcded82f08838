"""Evidence files in an S3-compatible bucket, behind the same interface as the local store.

Several ``crosswalk serve`` nodes share no disk; they share a bucket. Objects are
content-addressed like local files (``<prefix>/ab/cd/<sha256>``). A write is spooled to an
anonymous temporary file while it is hashed (memory stays flat whatever the size), then
sent with its SHA-256 and MD5 so that the server refuses a body damaged on the way, and
with ``If-None-Match: *`` after a look for the key: an object is never overwritten.

Endpoint, region and credentials come from the standard AWS settings (``AWS_ENDPOINT_URL``
or ``AWS_ENDPOINT_URL_S3``, ``AWS_REGION``, ``AWS_ACCESS_KEY_ID``, ... or a profile).
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from crosswalk.store.blobs import (
    CHUNK,
    ORPHAN_GRACE_SECONDS,
    BlobStore,
    BlobStoreError,
    StoredBlob,
    parse_s3_url,
)

S3Client = Any  # boto3 ships no type hints

ENDPOINT_ENVS = ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")
MISSING_CODES = {"404", "NoSuchKey", "NotFound"}
SPOOL_CHUNK = 256 * 1024  # eight uploads at once on one node: 2 MB of buffers, not 8
MAX_SINGLE_WRITE = 5 * 1024**3  # S3's limit for one PUT


def s3_client() -> S3Client:
    """A client from the standard AWS settings; path-style addressing on a custom endpoint
    (MinIO, Ceph, moto), where bucket host names are rarely set up."""
    import boto3
    from botocore.config import Config

    custom = any(os.environ.get(name) for name in ENDPOINT_ENVS)
    config = Config(
        s3={"addressing_style": "path" if custom else "auto"},
        # we send our own SHA-256; no extra CRC some S3-compatible servers do not take
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        max_pool_connections=32,
        retries={"max_attempts": 5, "mode": "standard"},
    )
    # AWS_REGION is the SDKs' common name; botocore itself reads only AWS_DEFAULT_REGION
    region = os.environ.get("AWS_REGION") or None
    return boto3.session.Session().client("s3", region_name=region, config=config)


def _code(error: Exception) -> str:
    response = getattr(error, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


class _ObjectReader(io.RawIOBase):
    """A remote object read in order, as a file: the web streams it out chunk by chunk."""

    def __init__(self, body: Any) -> None:
        self._body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        chunk: bytes = self._body.read(len(view))
        view[: len(chunk)] = chunk
        return len(chunk)

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()


class S3BlobStore:
    def __init__(
        self,
        url: str,
        client: S3Client | None = None,
        spool: Path | None = None,
        fallback: BlobStore | None = None,
    ):
        self.url = url.rstrip("/")
        self.bucket, self.prefix = parse_s3_url(url)
        self.client = client if client is not None else s3_client()
        self.spool = spool  # where uploads are spooled (default: the system's temp folder)
        # The workspace's folder, while a move to the bucket is under way: files not copied
        # yet still download from it. Never written, and never counted by verify.
        self.fallback = fallback
        self.refresh_after = ORPHAN_GRACE_SECONDS / 2

    def key(self, sha256: str) -> str:
        name = f"{sha256[:2]}/{sha256[2:4]}/{sha256}"
        return f"{self.prefix}/{name}" if self.prefix else name

    def location(self, sha256: str) -> str:
        return f"s3://{self.bucket}/{self.key(sha256)}"

    def _failed(self, sha256: str, doing: str, error: Exception) -> BlobStoreError:
        where = self.location(sha256) if sha256 else f"s3://{self.bucket}/{self.prefix}"
        return BlobStoreError(f"{where}: cannot {doing}: {error}")

    def put(self, source: BinaryIO) -> StoredBlob:
        """Hash while spooling, then send once unless the content is already there."""
        from botocore.exceptions import BotoCoreError, ClientError

        sha = hashlib.sha256()
        md5 = hashlib.md5(usedforsecurity=False)
        size = 0
        with tempfile.TemporaryFile(dir=self.spool) as spooled:
            while chunk := source.read(SPOOL_CHUNK):
                sha.update(chunk)
                md5.update(chunk)
                spooled.write(chunk)
                size += len(chunk)
            sha256 = sha.hexdigest()
            if size > MAX_SINGLE_WRITE:
                raise BlobStoreError(
                    f"{self.location(sha256)}: {size} bytes is more than the 5 GiB one S3 "
                    "write takes; keep a file this large elsewhere and add it as a link"
                )
            head = self._head(sha256)  # in the bucket itself, not the fallback
            if head is not None:
                self._keep(sha256, head)
                return StoredBlob(sha256, size, created=False)
            spooled.seek(0)
            try:
                self.client.put_object(
                    Bucket=self.bucket,
                    Key=self.key(sha256),
                    Body=spooled,
                    ContentLength=size,
                    ContentMD5=base64.b64encode(md5.digest()).decode("ascii"),
                    ChecksumSHA256=base64.b64encode(sha.digest()).decode("ascii"),
                    IfNoneMatch="*",
                )
            except ClientError as error:
                if _code(error) in {"PreconditionFailed", "ConditionalRequestConflict"}:
                    return StoredBlob(sha256, size, created=False)  # a parallel add won
                raise self._failed(sha256, "store the file", error) from None
            except BotoCoreError as error:
                raise self._failed(sha256, "store the file", error) from None
        return StoredBlob(sha256, size, created=True)

    def check(self) -> None:
        """Fail now, with one clear message, if the bucket cannot be reached."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.head_bucket(Bucket=self.bucket)
        except (ClientError, BotoCoreError) as error:
            raise self._failed("", "reach the bucket", error) from None

    def _keep(self, sha256: str, head: dict[str, Any]) -> None:
        """Content wanted again: make the object new (a server-side copy onto itself, the
        bytes untouched) so that `verify --repair` cannot take it as an old orphan before
        the add's row commits. Done only once it is past half the grace period."""
        from botocore.exceptions import BotoCoreError, ClientError

        if head["LastModified"].timestamp() >= time.time() - self.refresh_after:
            return
        key = self.key(sha256)
        try:
            self.client.copy_object(
                Bucket=self.bucket,
                Key=key,
                CopySource={"Bucket": self.bucket, "Key": key},
                MetadataDirective="REPLACE",
                ChecksumAlgorithm="SHA256",
            )
        except (ClientError, BotoCoreError) as error:
            raise self._failed(sha256, "mark the file as wanted again", error) from None

    def _head(self, sha256: str) -> dict[str, Any] | None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return dict(self.client.head_object(Bucket=self.bucket, Key=self.key(sha256)))
        except ClientError as error:
            if _code(error) in MISSING_CODES:
                return None
            raise self._failed(sha256, "look up the file", error) from None
        except BotoCoreError as error:
            raise self._failed(sha256, "look up the file", error) from None

    def exists(self, sha256: str) -> bool:
        return self.size(sha256) is not None

    def size(self, sha256: str) -> int | None:
        head = self._head(sha256)
        if head is None:
            return self.fallback.size(sha256) if self.fallback is not None else None
        return int(head["ContentLength"])

    def _body(self, sha256: str) -> Any | None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.key(sha256))["Body"]
        except ClientError as error:
            if _code(error) in MISSING_CODES:
                return None
            raise self._failed(sha256, "read the file", error) from None
        except BotoCoreError as error:
            raise self._failed(sha256, "read the file", error) from None

    def open(self, sha256: str) -> BinaryIO:
        body = self._body(sha256)
        if body is None:
            if self.fallback is not None and self.fallback.exists(sha256):
                return self.fallback.open(sha256)
            raise FileNotFoundError(self.location(sha256))
        return io.BufferedReader(_ObjectReader(body), buffer_size=CHUNK)

    def rehash(self, sha256: str) -> str | None:
        """The SHA-256 of the object as the server sends it now (streamed), or None if gone."""
        body = self._body(sha256)
        if body is None:
            return None
        from botocore.exceptions import BotoCoreError

        digest = hashlib.sha256()
        try:
            for chunk in body.iter_chunks(CHUNK):
                digest.update(chunk)
        except BotoCoreError as error:  # the connection dropped mid-object
            raise self._failed(sha256, "read the file", error) from None
        finally:
            body.close()
        return digest.hexdigest()

    def all_hashes(self) -> Iterator[str]:
        from botocore.exceptions import BotoCoreError, ClientError

        start = f"{self.prefix}/" if self.prefix else ""
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=start
        )
        try:
            for page in pages:
                for item in page.get("Contents", []):
                    parts = str(item["Key"])[len(start) :].split("/")
                    if len(parts) == 3 and len(parts[2]) == 64:
                        yield parts[2]
        except (ClientError, BotoCoreError) as error:
            raise self._failed("", "list the files", error) from None

    def clean_temporary(self, older_than: float = 0) -> list[Path]:
        """Nothing to sweep: uploads spool to anonymous files the system removes."""
        return []

    def remove_unreferenced(self, sha256: str, older_than: float = ORPHAN_GRACE_SECONDS) -> bool:
        """Delete an object no evidence refers to once it is older than ``older_than``."""
        from botocore.exceptions import BotoCoreError, ClientError

        head = self._head(sha256)
        if head is None or head["LastModified"].timestamp() >= time.time() - older_than:
            return False
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self.key(sha256))
        except (ClientError, BotoCoreError) as error:
            raise self._failed(sha256, "remove the file", error) from None
        return True
