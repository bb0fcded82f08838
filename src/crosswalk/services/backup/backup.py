"""``crosswalk backup``: one archive holding a consistent copy of the whole workspace.

Order matters, because the workspace keeps changing while the backup runs:

1. The audit trail's checkpoint (``.crosswalk/audit.head``) is read first. It is written
   after each commit, so whatever it names is in the snapshot taken next.
2. The database snapshot (see ``store.snapshot``: SQLite's online backup, or one
   REPEATABLE READ transaction on PostgreSQL).
3. Every evidence file the snapshot references. Files are content-addressed and written
   before the row that references them is committed, and never rewritten, so every file
   the snapshot needs is already there; one that is not is an error (the workspace has
   lost evidence), as is one whose content no longer matches its hash.

The archive is written to a temporary file beside the target, fsynced and renamed: a
crash or an error leaves the previous file (if any) or nothing, never half an archive.

The audit key is a secret and is not archived unless asked (``include_key``): whoever holds
the key can rewrite the trail undetected, so it belongs in a different place than the data.
"""

from __future__ import annotations

import json
import os
import shutil
import tarfile
import tempfile
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from crosswalk import __version__
from crosswalk.services.backup.archive import (
    COLLECTORS,
    CONFIG,
    DATABASE,
    FOLDER,
    HEAD,
    KEY,
    MANIFEST,
    TREES,
    ArchiveWriter,
    BackupError,
    Manifest,
    blob_member,
    open_for_writing,
)
from crosswalk.services.evidence.trail import verify_trail
from crosswalk.store.engine import SCHEMA_HEAD
from crosswalk.store.locate import WORKSPACE_FILE
from crosswalk.store.models import AuditRow, EvidenceRow
from crosswalk.store.snapshot import snapshot_engine, write_snapshot
from crosswalk.store.trail_seal import (
    HEAD_FILE,
    KEY_ENV,
    KEY_FILE,
    SEAL_FOLDER,
    Seal,
    attach_seal,
    read_head,
    seal_of,
    write_head,
)
from crosswalk.store.workspace import Workspace

KEY_LEFT_OUT = (
    "The audit key is NOT in the archive (it is a secret: whoever holds it can rewrite the "
    "trail). Keep {where} somewhere safe, apart from the backups: `crosswalk restore` needs it "
    "to verify the trail (--key-file, or CROSSWALK_AUDIT_KEY)."
)
KEY_INCLUDED = (
    "The audit key IS in this archive (--include-key): anyone holding the archive can rewrite "
    "the trail undetected. Store it as you store the key."
)


@dataclass(frozen=True)
class BackupResult:
    archive: Path
    size: int  # bytes
    members: int
    evidence_files: int
    trail_entries: int
    schema_revision: str
    source: str  # sqlite or postgresql
    key_included: bool
    key_note: str
    trail_problems: list[str] = field(default_factory=list)  # the snapshot's trail


def _target(path: Path, replace: bool) -> Path:
    path = path.parent.resolve() / path.name
    if path.is_dir():
        raise BackupError(f"{path}: is a folder; name the archive file to write")
    if path.exists() and not replace:
        raise BackupError(f"{path}: already exists; choose another name or pass --force")
    if not path.parent.is_dir():
        raise BackupError(f"{path.parent}: no such folder")
    return path


def _config(root: Path) -> bytes:
    """The workspace file as archived: as written, unless it names a database URL, which is
    kept without its password (restore never uses it; it records where the data came from)."""
    raw = (root / WORKSPACE_FILE).read_bytes()
    try:
        section = tomllib.loads(raw.decode("utf-8")).get("workspace", {})
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise BackupError(f"{root / WORKSPACE_FILE}: cannot read workspace file: {error}") from None
    url = section.get("database_url") if isinstance(section, dict) else None
    if not url:
        return raw
    safe = make_url(str(url)).render_as_string(hide_password=True)
    lines = [
        "[workspace]",
        f"name = {json.dumps(str(section.get('name', root.name)), ensure_ascii=False)}",
        f"database_url = {json.dumps(safe, ensure_ascii=False)}",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _workspace_files(root: Path) -> list[tuple[str, Path]]:
    """Imported catalogs, policies and collector declarations: regular files, not hidden."""
    found: list[tuple[str, Path]] = []
    collectors = root / COLLECTORS.removeprefix(f"{FOLDER}/")
    if collectors.is_file() and not collectors.is_symlink():
        found.append((COLLECTORS, collectors))
    for tree in TREES:
        folder = root / tree.removeprefix(f"{FOLDER}/")
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder)
            if path.is_symlink() or not path.is_file():
                continue
            if any(part.startswith(".") for part in relative.parts):
                continue
            found.append((f"{tree}/{relative.as_posix()}", path))
    return found


def _referenced(session: Session) -> dict[str, int]:
    """Each evidence file the snapshot references, with one evidence id naming it."""
    rows = session.execute(
        select(EvidenceRow.sha256, func.min(EvidenceRow.id))
        .where(EvidenceRow.sha256.is_not(None))
        .group_by(EvidenceRow.sha256)
        .order_by(EvidenceRow.sha256)
    )
    return {str(sha256): int(first) for sha256, first in rows}


@dataclass
class _Snapshot:
    """The database copied into the staging folder, and what it says."""

    path: Path
    head: Path  # the checkpoint read before it, copied beside it (absent: none yet)
    revision: str
    referenced: dict[str, int]  # evidence files, each with one evidence id naming it
    entries: int
    problems: list[str]


def _snapshot(workspace: Workspace, staging: Path) -> _Snapshot:
    seal = seal_of(workspace.engine)
    checkpoint = read_head(seal)  # before the snapshot: what it names is in the snapshot
    path, head = staging / DATABASE, staging / HEAD_FILE
    revision = write_snapshot(workspace.engine, path)
    copied = Seal(seal.key, head)
    if checkpoint is not None:
        write_head(copied, checkpoint)
    with snapshot_engine(path) as engine:
        attach_seal(engine, copied)
        with Session(engine) as session:
            referenced = _referenced(session)
            entries = int(session.scalar(select(func.count(AuditRow.id))) or 0)
            report = verify_trail(session, records=revision == SCHEMA_HEAD)
    problems = [f"entry #{p.entry_id} {p.message}" for p in report.problems]
    problems += [f"{d.entity} {d.key}: {d.message}" for d in report.drift]
    return _Snapshot(path, head, revision, referenced, entries, problems)


def _write(workspace: Workspace, tar: tarfile.TarFile, taken: _Snapshot, manifest: Manifest) -> int:
    """Every member, then the manifest listing them; the number of members."""
    key = seal_of(workspace.engine).key
    writer = ArchiveWriter(tar)
    writer.add_file(DATABASE, taken.path)
    writer.add_bytes(CONFIG, _config(workspace.root))
    if taken.head.exists():
        writer.add_file(HEAD, taken.head)
    if manifest.key_included and key is not None:
        writer.add_bytes(KEY, key + b"\n")
    for member, path in _workspace_files(workspace.root):
        writer.add_file(member, path)
    store = workspace.blobs
    for sha256, evidence_id in taken.referenced.items():
        where = store.location(sha256)
        size = store.size(sha256)
        if size is None:
            raise BackupError(f"{where}: evidence #{evidence_id}'s file went missing; try again")
        with store.open(sha256) as handle:
            copied = writer.add_stream(blob_member(sha256), handle, size, where)
        if copied != sha256:
            raise BackupError(
                f"{where}: evidence #{evidence_id}'s file no longer matches its hash (altered "
                "in the store; `crosswalk evidence verify` lists them); no backup was written"
            )
    manifest.members = writer.members
    manifest.seal = manifest.sealed_with(key)
    writer.add_bytes(MANIFEST, manifest.to_bytes())
    return len(writer.members)


def take_backup(
    workspace: Workspace, archive: Path, include_key: bool = False, replace: bool = False
) -> BackupResult:
    """Write one archive of ``workspace`` to ``archive`` (see the module's docstring)."""
    target = _target(archive, replace)
    key = seal_of(workspace.engine).key
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    partial: Path | None = None
    try:
        taken = _snapshot(workspace, staging)
        _check_blobs(workspace, taken.referenced)
        checkpoint = read_head(Seal(key, taken.head))
        manifest = Manifest(
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            crosswalk=__version__,
            workspace=workspace.name,
            source=workspace.engine.dialect.name,
            schema_revision=taken.revision,
            trail_entries=taken.entries,
            checkpoint=(
                {"entry": checkpoint.entry_id, "hash": checkpoint.hash} if checkpoint else None
            ),
            evidence_files=len(taken.referenced),
            key_included=include_key and key is not None,
        )
        descriptor, name = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".partial", dir=target.parent
        )
        partial = Path(name)
        with os.fdopen(descriptor, "wb") as raw:
            with open_for_writing(target, raw) as tar:
                members = _write(workspace, tar, taken, manifest)
            raw.flush()
            os.fsync(raw.fileno())
        partial.replace(target)
        partial = None
        _fsync_folder(target.parent)
    finally:
        if partial is not None:
            partial.unlink(missing_ok=True)
        shutil.rmtree(staging, ignore_errors=True)
    key_path = workspace.root / SEAL_FOLDER / KEY_FILE
    where = f"${KEY_ENV}" if os.environ.get(KEY_ENV) else str(key_path)
    return BackupResult(
        archive=target,
        size=target.stat().st_size,
        members=members + 1,
        evidence_files=len(taken.referenced),
        trail_entries=taken.entries,
        schema_revision=taken.revision,
        source=manifest.source,
        key_included=manifest.key_included,
        key_note=KEY_INCLUDED if manifest.key_included else KEY_LEFT_OUT.format(where=where),
        trail_problems=taken.problems,
    )


def _check_blobs(workspace: Workspace, referenced: dict[str, int]) -> None:
    missing = [
        (sha256, evidence_id)
        for sha256, evidence_id in referenced.items()
        if not workspace.blobs.exists(sha256)
    ]
    if missing:
        listed = "; ".join(
            f"evidence #{evidence_id}: {workspace.blobs.location(sha256)}"
            for sha256, evidence_id in missing[:5]
        )
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise BackupError(
            f"{len(missing)} evidence file(s) the database references are missing: {listed}"
            f"{more}; no backup was written (`crosswalk evidence verify` lists them)"
        )


def _fsync_folder(path: Path) -> None:
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
