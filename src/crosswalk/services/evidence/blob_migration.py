"""Moving a workspace's evidence files from its folder to a bucket, while it keeps serving.

Copying never touches the local folder, so nodes keep reading it until the setting is
switched. Each file is re-hashed as the bucket sends it back before it counts as moved; a
run stopped anywhere (``limit``, a crash, a lost connection) is resumed by running it again:
objects already there are re-hashed and skipped, never sent or overwritten again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from crosswalk.domain.errors import CrosswalkError
from crosswalk.store.blobs import BlobStore, LocalBlobStore
from crosswalk.store.blobs_s3 import S3BlobStore
from crosswalk.store.models import EvidenceRow


class MigrationError(CrosswalkError):
    pass


@dataclass
class MigrationReport:
    source: str
    target: str
    copied: list[str] = field(default_factory=list)  # sent this run and re-hashed intact
    already: list[str] = field(default_factory=list)  # there from an earlier run, intact
    failed: list[dict[str, str]] = field(default_factory=list)  # sha256, problem
    remaining: int = 0  # left for the next run (``limit`` reached)
    missing: list[str] = field(default_factory=list)  # referenced, in neither store

    @property
    def complete(self) -> bool:
        """Every local file is in the bucket intact and every referenced file is there."""
        return not (self.failed or self.remaining or self.missing)


def migrate_blobs(
    session: Session,
    source: LocalBlobStore,
    target_url: str,
    limit: int | None = None,
    progress: Callable[[str, str], None] | None = None,
    jobs: int = 4,
) -> MigrationReport:
    """Copy every file of ``source`` missing from the bucket ``target_url`` names (at most
    ``limit`` this run, ``jobs`` at a time), re-hash each copy from the bucket, and list
    referenced files found in neither."""
    if not target_url.startswith("s3://"):
        raise MigrationError(f"--to {target_url!r}: give the bucket as s3://BUCKET/PREFIX")
    if limit is not None and limit < 0:
        raise MigrationError(f"--limit {limit}: give a number of files, 0 or more")
    if not 1 <= jobs <= 64:
        raise MigrationError(f"--jobs {jobs}: give 1 to 64 files at a time")
    target = S3BlobStore(target_url)  # no fallback: only what is in the bucket counts
    target.check()  # a wrong bucket or credentials: one error, not one per file
    report = MigrationReport(source=str(source.root), target=target_url)
    lock = threading.Lock()
    started = 0  # copies begun, against ``limit``

    def one(sha256: str) -> None:
        nonlocal started
        what, problem = "failed", ""
        try:
            there = target.rehash(sha256)
            if there == sha256:
                what = "already"
            elif there is not None:  # never overwritten: a person must look at it
                problem = (
                    f"{target.location(sha256)} holds other content (hashes to {there}); "
                    "left as it is, delete it by hand to copy again"
                )
            else:
                with lock:
                    allowed = limit is None or started < limit
                    started += allowed
                if not allowed:
                    with lock:
                        report.remaining += 1
                    return
                problem = _copy(source, target, sha256)
                what = "failed" if problem else "copied"
        except (CrosswalkError, OSError) as error:  # this file; the next run tries it again
            problem = str(error)
        with lock:
            if what == "already":
                report.already.append(sha256)
            elif what == "copied":
                report.copied.append(sha256)
            else:
                report.failed.append({"sha256": sha256, "problem": problem})
            if progress is not None:
                progress(what, sha256)

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(one, source.all_hashes()))
    report.copied.sort()
    report.already.sort()
    report.failed.sort(key=lambda failure: failure["sha256"])
    if not report.remaining:
        report.missing = [
            sha256
            for sha256 in _referenced(session)
            if not source.exists(sha256) and not target.exists(sha256)
        ]
    return report


def _copy(source: LocalBlobStore, target: BlobStore, sha256: str) -> str:
    """Send one file and read it back; the problem, or "" when the copy is intact."""
    with source.open(sha256) as handle:
        stored = target.put(handle)
    if stored.sha256 != sha256:
        return (
            f"{source.location(sha256)} no longer matches its name (hashes to {stored.sha256}; "
            "`crosswalk evidence verify` lists it); not copied under its name"
        )
    back = target.rehash(sha256)
    if back != sha256:
        return f"{target.location(sha256)} reads back as {back} after the copy"
    return ""


def _referenced(session: Session) -> list[str]:
    query = select(EvidenceRow.sha256).where(EvidenceRow.sha256.is_not(None)).distinct()
    return sorted(str(sha256) for sha256 in session.scalars(query))
