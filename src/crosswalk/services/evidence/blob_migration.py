"""Moving a workspace's evidence files from its folder to a bucket, while it keeps serving.

Copying never touches the local folder, so nodes keep reading it until the setting is
switched. Each file is re-hashed as the bucket sends it back before it counts as moved; a
run stopped anywhere (``limit``, a crash, a lost connection) is resumed by running it again:
objects already there are re-hashed and skipped, never sent or overwritten again.
"""

from __future__ import annotations

from collections.abc import Callable
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
) -> MigrationReport:
    """Copy every file of ``source`` missing from the bucket ``target_url`` names (at most
    ``limit`` this run), re-hash each copy from the bucket, and list referenced files found
    in neither."""
    if not target_url.startswith("s3://"):
        raise MigrationError(f"--to {target_url!r}: give the bucket as s3://BUCKET/PREFIX")
    if limit is not None and limit < 0:
        raise MigrationError(f"--limit {limit}: give a number of files, 0 or more")
    target = S3BlobStore(target_url)  # no fallback: only what is in the bucket counts
    report = MigrationReport(source=str(source.root), target=target_url)
    for sha256 in source.all_hashes():
        there = target.rehash(sha256)
        if there == sha256:
            report.already.append(sha256)
            _tell(progress, "already", sha256)
            continue
        if there is not None:  # never overwritten: a person must look at it
            report.failed.append(
                {
                    "sha256": sha256,
                    "problem": f"{target.location(sha256)} holds other content (hashes to "
                    f"{there}); left as it is, delete it by hand to copy again",
                }
            )
            _tell(progress, "failed", sha256)
            continue
        if limit is not None and len(report.copied) >= limit:
            report.remaining += 1
            continue
        problem = _copy(source, target, sha256)
        if problem:
            report.failed.append({"sha256": sha256, "problem": problem})
            _tell(progress, "failed", sha256)
        else:
            report.copied.append(sha256)
            _tell(progress, "copied", sha256)
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


def _tell(progress: Callable[[str, str], None] | None, what: str, sha256: str) -> None:
    if progress is not None:
        progress(what, sha256)
