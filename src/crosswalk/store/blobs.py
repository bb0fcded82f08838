"""Content-addressed storage for evidence files, behind a small interface.

Files are stored once by SHA-256 under the workspace (``evidence/ab/cd/<sha256>``). Writing
streams through a temporary file that is fsynced and renamed into place, so a crash leaves
either the whole file or nothing at its final name. ``CROSSWALK_BLOB_URL=s3://bucket/prefix``
puts them in an S3-compatible bucket instead (``blobs_s3``); ``blob_store`` chooses.
"""

from __future__ import annotations

import hashlib
import os
import socket
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from crosswalk.domain.errors import CrosswalkError
from crosswalk.store.processes import process_alive

CHUNK = 1024 * 1024
STALE_TEMP_SECONDS = 3600
ORPHAN_GRACE_SECONDS = 3600  # an add in flight holds its file this long before its row lands
BLOB_URL_ENV = "CROSSWALK_BLOB_URL"


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int
    created: bool  # False when identical content was already stored


class BlobStore(Protocol):
    def put(self, source: BinaryIO) -> StoredBlob: ...
    def open(self, sha256: str) -> BinaryIO: ...
    def exists(self, sha256: str) -> bool: ...
    def size(self, sha256: str) -> int | None: ...
    def rehash(self, sha256: str) -> str | None: ...
    def all_hashes(self) -> Iterator[str]: ...
    def location(self, sha256: str) -> str: ...
    def clean_temporary(self, older_than: float = ...) -> list[Path]: ...
    def remove_unreferenced(self, sha256: str, older_than: float = ...) -> bool: ...


class BlobStoreError(CrosswalkError):
    pass


def parse_s3_url(url: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix`` -> (bucket, "some/prefix")."""
    if not url.startswith("s3://"):
        raise BlobStoreError(f"{url!r}: a blob store URL starts with s3://")
    bucket, _, prefix = url[len("s3://") :].partition("/")
    if not bucket:
        raise BlobStoreError(f"{url!r}: no bucket named (s3://BUCKET/PREFIX)")
    return bucket, prefix.strip("/")


def blob_url() -> str:
    """``CROSSWALK_BLOB_URL`` ("" when unset), checked: a command or a server with a wrong
    one stops when it opens the workspace, not at its first upload."""
    value = os.environ.get(BLOB_URL_ENV, "").strip()
    if value:
        try:
            parse_s3_url(value)
        except BlobStoreError as error:
            raise BlobStoreError(f"{BLOB_URL_ENV}={error}") from None
    return value


def blob_store(root: Path, url: str | None = None) -> BlobStore:
    """The store evidence files go to: the bucket ``url`` (or ``CROSSWALK_BLOB_URL``) names,
    else the workspace's ``evidence`` folder."""
    chosen = url if url is not None else blob_url()
    local = LocalBlobStore(root / "evidence")
    if not chosen:
        return local
    from crosswalk.store.blobs_s3 import S3BlobStore

    # Files uploaded between `blobs migrate` and the switch still download from the folder
    # until the next migrate run copies them (verify lists them as missing till then).
    return S3BlobStore(chosen, fallback=local if local.root.is_dir() else None)


def _fsync_directory(path: Path) -> None:
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except OSError:  # some platforms cannot open directories
        return
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class LocalBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.temporary = root / ".tmp"

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def location(self, sha256: str) -> str:
        return str(self.path(sha256))

    def put(self, source: BinaryIO) -> StoredBlob:
        """Stream ``source`` in 1 MiB chunks: memory stays flat whatever the file size."""
        self.temporary.mkdir(parents=True, exist_ok=True)
        self.clean_temporary()
        digest = hashlib.sha256()
        size = 0
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115
            dir=self.temporary, prefix=_writer_prefix(), delete=False
        )
        temporary = Path(handle.name)
        try:
            with handle:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    handle.write(chunk)
                    size += len(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            sha256 = digest.hexdigest()
            final = self.path(sha256)
            if final.exists():
                temporary.unlink()
                os.utime(final)  # newly wanted: no orphan sweep may take it now
                return StoredBlob(sha256, size, created=False)
            final.parent.mkdir(parents=True, exist_ok=True)
            temporary.replace(final)
            _fsync_directory(final.parent)
            return StoredBlob(sha256, size, created=True)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise

    def open(self, sha256: str) -> BinaryIO:
        return self.path(sha256).open("rb")

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def size(self, sha256: str) -> int | None:
        try:
            return self.path(sha256).stat().st_size
        except FileNotFoundError:
            return None

    def rehash(self, sha256: str) -> str | None:
        """The SHA-256 of what is on disk now, or None if the file is gone."""
        path = self.path(sha256)
        if not path.is_file():
            return None
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
        return digest.hexdigest()

    def all_hashes(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for first in sorted(self.root.iterdir()):
            if not first.is_dir() or first.name.startswith("."):
                continue
            for path in sorted(first.glob("*/*")):
                if path.is_file():
                    yield path.name

    def clean_temporary(self, older_than: float = STALE_TEMP_SECONDS) -> list[Path]:
        """Remove temporary files a killed process left behind: at once when the writer was
        a process of this machine that is gone, else once older than ``older_than`` (a
        writer elsewhere, on a shared folder, may still be alive). Never a live write's."""
        removed: list[Path] = []
        if not self.temporary.is_dir():
            return removed
        cutoff = time.time() - older_than
        for path in self.temporary.iterdir():
            try:
                if path.is_file() and (_writer_gone(path.name) or path.stat().st_mtime < cutoff):
                    path.unlink(missing_ok=True)
                    removed.append(path)
            except FileNotFoundError:  # another sweep took it first
                continue
        return removed

    def remove_unreferenced(self, sha256: str, older_than: float = ORPHAN_GRACE_SECONDS) -> bool:
        """Delete a stored file the caller proved no evidence refers to, unless it was
        written (or wanted again by an add) within ``older_than``: that add's row may not
        have been committed yet."""
        path = self.path(sha256)
        try:
            if path.stat().st_mtime >= time.time() - older_than:
                return False
            path.unlink()
        except FileNotFoundError:
            return False
        return True


def _writer_prefix() -> str:
    return f"put-{socket.gethostname()}-{os.getpid()}-"


def _writer_gone(name: str) -> bool:
    """Whether ``name`` (``put-HOST-PID-random``) was written by a process of this machine
    that has ended."""
    head, pid_text, _random = [*name.rsplit("-", 2), "", ""][:3]
    if head != f"put-{socket.gethostname()}" or not pid_text.isdigit():
        return False
    return not process_alive(int(pid_text))
