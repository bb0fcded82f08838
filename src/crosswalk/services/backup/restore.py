"""``crosswalk restore``: a workspace made from a backup archive, checked whole first.

Everything is unpacked into a hidden folder beside the target and checked there: each
member against the manifest's hash and size, the manifest's seal against the audit key,
each evidence file against the hash it is named by, the database (it opens, its schema is
one this version knows, older ones are migrated forward), every evidence file it
references present, and the audit trail verified with the key against the checkpoint
archived with it. Only then is the folder renamed into place (and, on PostgreSQL, the rows
committed in the same transaction that checked them). Any failure removes the hidden
folder: the target is never left half-restored, and a non-empty target is refused.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
import tomllib
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from crosswalk.services.backup.archive import (
    CHUNK,
    CONFIG,
    DATABASE,
    FOLDER,
    KEY,
    MANIFEST,
    MANIFEST_LIMIT,
    BackupError,
    Manifest,
    allowed,
    blob_member,
    blob_of,
    parse_manifest,
    reading,
    stream_member,
)
from crosswalk.services.evidence.trail import verify_trail
from crosswalk.store.engine import SCHEMA_HEAD, make_engine
from crosswalk.store.light import DATABASE_ENV, DEFAULT_DATABASE
from crosswalk.store.locate import WORKSPACE_FILE
from crosswalk.store.models import AuditRow, EvidenceRow
from crosswalk.store.snapshot import (
    copy_tables,
    holds_tables,
    known_revisions,
    snapshot_engine,
    upgrade,
)
from crosswalk.store.trail_seal import (
    HEAD_FILE,
    KEY_ENV,
    KEY_FILE,
    SEAL_FOLDER,
    Head,
    Seal,
    attach_seal,
    write_head,
)


@dataclass(frozen=True)
class RestoreResult:
    folder: Path
    database: str  # the database restored into (a URL, never with its password)
    workspace: str
    backed_up_at: str
    schema_revision: str  # as archived
    migrated: bool  # the archive's schema was older and was brought up to date
    members: int
    evidence_files: int
    trail_entries: int
    key_from: str  # where the audit key came from
    notes: list[str] = field(default_factory=list)


def _check_folder(folder: Path) -> Path:
    folder = folder.parent.resolve() / folder.name
    if folder == Path.cwd().resolve():  # renamed over, the shell would sit in a removed folder
        raise BackupError(f"{folder}: is the current folder; restore into a new folder")
    if folder.exists() or folder.is_symlink():
        if not folder.is_dir() or folder.is_symlink():
            raise BackupError(f"{folder}: exists and is not a folder; restore into a new folder")
        if any(folder.iterdir()):
            raise BackupError(
                f"{folder}: is not empty; restore into a new or empty folder (nothing was written)"
            )
    if not folder.parent.is_dir():
        raise BackupError(f"{folder.parent}: no such folder; create it first")
    return folder


def _place(member: str) -> str:
    """Where a member lands inside the new workspace folder."""
    return DEFAULT_DATABASE if member == DATABASE else member.removeprefix(f"{FOLDER}/")


def _copy_out(source: Any, target: Path, made: set[Path]) -> tuple[str, int]:
    if target.parent not in made:  # evidence folders are shared: make each once
        target.parent.mkdir(parents=True, exist_ok=True)
        made.add(target.parent)
    descriptor = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    digest = hashlib.sha256()
    size = 0
    with os.fdopen(descriptor, "wb") as handle:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            handle.write(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _unpack(archive: Path, staging: Path) -> tuple[Manifest, dict[str, dict[str, Any]]]:
    """Every member into ``staging``, hashed on the way; the manifest (the last member)."""
    found: dict[str, dict[str, Any]] = {}
    raw_manifest: bytes | None = None
    current = "(the first)"
    made: set[Path] = set()
    with reading(archive) as tar:
        try:
            for member in tar:
                current = member.name
                if raw_manifest is not None:
                    raise BackupError(f"{archive}: member {current} follows the manifest")
                if not member.isreg():
                    raise BackupError(
                        f"{archive}: member {current} is not a regular file (links, folders "
                        "and devices are never restored)"
                    )
                if member.name == MANIFEST:
                    if member.size > MANIFEST_LIMIT:
                        raise BackupError(f"{archive}: member {MANIFEST} is too large")
                    raw_manifest = stream_member(archive, tar, member).read()
                    continue
                if not allowed(member.name):
                    raise BackupError(
                        f"{archive}: member {current} is not one a Crosswalk backup holds"
                    )
                if member.name in found:
                    raise BackupError(f"{archive}: member {current} appears twice")
                try:
                    sha256, size = _copy_out(
                        stream_member(archive, tar, member), staging / _place(member.name), made
                    )
                except OSError as error:
                    if isinstance(error, gzip.BadGzipFile):
                        raise
                    raise BackupError(
                        f"{archive}: member {current} cannot be unpacked: {error}"
                    ) from None
                found[member.name] = {"sha256": sha256, "size": size}
        except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as error:
            raise BackupError(
                f"{archive}: member {current}: cannot be read, the archive is truncated or "
                f"damaged ({error})"
            ) from None
    if raw_manifest is None:
        raise BackupError(
            f"{archive}: no {MANIFEST}: the archive is truncated or not a Crosswalk backup"
        )
    return parse_manifest(archive, raw_manifest), found


def _check_members(archive: Path, manifest: Manifest, found: dict[str, dict[str, Any]]) -> None:
    for name, expected in manifest.members.items():
        got = found.get(name)
        if got is None:
            raise BackupError(f"{archive}: member {name} is missing (the manifest lists it)")
        if got != expected:
            raise BackupError(
                f"{archive}: member {name} does not match the manifest (sha256 {got['sha256']}, "
                f"{got['size']} bytes; the manifest says {expected['sha256']}, "
                f"{expected['size']} bytes): it was changed after the backup"
            )
    for name in found:
        if name not in manifest.members:
            raise BackupError(
                f"{archive}: member {name} is not in the manifest: it was added after the backup"
            )
        promised = blob_of(name)
        if promised is not None and found[name]["sha256"] != promised:
            raise BackupError(
                f"{archive}: member {name}: the evidence file does not match its hash"
            )
    for needed in (DATABASE, CONFIG):
        if needed not in found:
            raise BackupError(f"{archive}: member {needed} is missing")


def _key(archive: Path, staging: Path, key_file: Path | None) -> tuple[bytes, str]:
    """The audit key to verify with, and where it came from; the restored workspace must
    end up using the same key (so a different CROSSWALK_AUDIT_KEY is refused)."""
    from crosswalk.io.text_files import read_utf8

    in_archive = staging / SEAL_FOLDER / KEY_FILE
    environment = os.environ.get(KEY_ENV)
    if key_file is not None:
        key, where = read_utf8(key_file).strip().encode("utf-8"), str(key_file)
        if not key:
            raise BackupError(f"{key_file}: is empty; give the workspace's audit key file")
        in_archive.unlink(missing_ok=True)
        in_archive.parent.mkdir(mode=0o700, exist_ok=True)
        descriptor = os.open(in_archive, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(key + b"\n")
    elif in_archive.exists():
        key, where = in_archive.read_bytes().strip(), f"the archive (member {KEY})"
    elif environment:
        return environment.encode("utf-8"), f"${KEY_ENV}"
    else:
        raise BackupError(
            f"{archive}: the audit key is not in the archive: give --key-file (the workspace's "
            f".crosswalk/{KEY_FILE}) or set {KEY_ENV}; the trail cannot be verified without it"
        )
    if environment and environment.encode("utf-8") != key:
        raise BackupError(
            f"${KEY_ENV} is set to another key than {where}: the restored workspace would not "
            f"verify its trail; unset it, or restore with that key"
        )
    return key, where


def _check_database(archive: Path, path: Path, manifest: Manifest) -> bool:
    """The snapshot opens and its schema is one we know; migrated forward if older.
    Returns whether it was migrated."""
    where = f"{archive}: member {DATABASE}"
    try:
        with sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True) as reader:
            verdict = reader.execute("PRAGMA quick_check").fetchone()
            revision = reader.execute("SELECT version_num FROM alembic_version").fetchone()
        reader.close()
    except sqlite3.Error as error:
        raise BackupError(f"{where}: not a readable workspace database ({error})") from None
    if verdict is None or verdict[0] != "ok":
        raise BackupError(f"{where}: the database is damaged ({verdict})")
    stored = str(revision[0]) if revision else None
    if stored != manifest.schema_revision:
        raise BackupError(
            f"{where}: schema revision {stored} differs from the manifest's "
            f"{manifest.schema_revision}"
        )
    if stored == SCHEMA_HEAD:  # the usual case, answered without loading Alembic
        return False
    known = known_revisions()
    if stored not in known:
        raise BackupError(
            f"{where}: schema revision {stored!r} is not one this Crosswalk knows (it knows "
            f"{known[0]}..{known[-1]}): restore with the Crosswalk that made the backup, or newer"
        )
    with snapshot_engine(path) as engine, engine.begin() as connection:
        upgrade(connection)
    return True


def _check_contents(archive: Path, connection: Connection, found: dict[str, Any]) -> int:
    """Every evidence file the rows reference is in the archive, and the trail verifies.
    Returns the number of trail entries."""
    with Session(bind=connection) as session:
        referenced = session.execute(
            select(EvidenceRow.sha256, func.min(EvidenceRow.id))
            .where(EvidenceRow.sha256.is_not(None))
            .group_by(EvidenceRow.sha256)
        ).all()
        for sha256, evidence_id in referenced:
            if blob_member(str(sha256)) not in found:
                raise BackupError(
                    f"{archive}: member {blob_member(str(sha256))} is missing: evidence "
                    f"#{evidence_id} references it"
                )
        report = verify_trail(session)
        entries = int(session.scalar(select(func.count(AuditRow.id))) or 0)
    if not report.intact:
        wrong = [f"entry #{p.entry_id} {p.message}" for p in report.problems]
        wrong += [f"{d.entity} {d.key}: {d.message}" for d in report.drift]
        listed = "; ".join(wrong[:3])
        more = f" and {len(wrong) - 3} more" if len(wrong) > 3 else ""
        raise BackupError(
            f"{archive}: member {DATABASE}: the audit trail does not verify with the key given "
            f"and the checkpoint archived: {listed}{more}"
        )
    return entries


def _newest(connection: Connection) -> Head | None:
    row = connection.execute(
        select(AuditRow.id, AuditRow.hash).order_by(AuditRow.id.desc()).limit(1)
    ).first()
    return Head(int(row[0]), str(row[1])) if row is not None else None


def _config(staging: Path, name: str, database_url: str | None) -> None:
    """The workspace file: as archived when it names no database; else rewritten to name
    the database restored into (the archived URL is never used)."""
    path = staging / WORKSPACE_FILE
    try:
        section = tomllib.loads(path.read_text(encoding="utf-8")).get("workspace", {})
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        section = {}
    if database_url is None and isinstance(section, dict) and "database_url" not in section:
        return
    chosen = section.get("name", name) if isinstance(section, dict) else name
    lines = ["[workspace]", f"name = {json.dumps(str(chosen), ensure_ascii=False)}"]
    if database_url is not None:
        lines.append(f"database_url = {json.dumps(database_url, ensure_ascii=False)}")
    path.unlink()
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _empty_database(database_url: str) -> Engine:
    if make_url(database_url).get_backend_name() != "postgresql":
        raise BackupError(
            "--database-url takes an empty PostgreSQL database (without it, the workspace's "
            "SQLite file is restored into the folder)"
        )
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            present = holds_tables(connection)
    except SQLAlchemyError as error:
        engine.dispose()
        shown = make_url(database_url).render_as_string(hide_password=True)
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise BackupError(f"cannot use {shown}: {reason}") from None
    if present:
        engine.dispose()
        raise BackupError(
            f"{make_url(database_url).render_as_string(hide_password=True)}: is not empty "
            f"(it holds {', '.join(present[:5])}); restore into an empty database"
        )
    return engine


def restore_backup(
    archive: Path,
    folder: Path,
    database_url: str | None = None,
    key_file: Path | None = None,
) -> RestoreResult:
    """Restore ``archive`` into the new (or empty) ``folder``; see the module's docstring."""
    folder = _check_folder(folder)
    target = _empty_database(database_url) if database_url else None
    existed = folder.exists()
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.restore-", dir=folder.parent))
    try:
        manifest, found = _unpack(archive, staging)
        _check_members(archive, manifest, found)
        key, key_from = _key(archive, staging, key_file)
        if manifest.seal is None or manifest.sealed_with(key) != manifest.seal:
            raise BackupError(
                f"{archive}: member {MANIFEST}: its seal does not match the audit key from "
                f"{key_from}: the manifest was edited, or that is not this workspace's key"
            )
        snapshot = staging / DEFAULT_DATABASE
        migrated = _check_database(archive, snapshot, manifest)
        seal = Seal(key, staging / SEAL_FOLDER / HEAD_FILE)
        (staging / SEAL_FOLDER).mkdir(exist_ok=True)
        (staging / SEAL_FOLDER).chmod(0o700)
        with snapshot_engine(snapshot) as engine:
            attach_seal(engine, seal)
            with engine.begin() as connection:
                entries = _check_contents(archive, connection, found)
                newest = _newest(connection)
            if target is not None:
                attach_seal(target, seal)
                with engine.connect() as source, target.begin() as destination:
                    upgrade(destination)
                    copy_tables(source, destination)
                    _check_contents(archive, destination, found)  # as PostgreSQL reads it
        if newest is not None:
            write_head(seal, newest)  # the restored trail's newest entry, verified above
        if target is not None:
            snapshot.unlink()
        _config(staging, manifest.workspace, database_url)
        if existed:  # else it stays private to its owner (0700), like the files inside
            staging.chmod(folder.stat().st_mode & 0o7777)
        staging.replace(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        if target is not None:
            target.dispose()
    notes = []
    if os.environ.get(DATABASE_ENV) and database_url is None:
        notes.append(
            f"${DATABASE_ENV} is set: commands will use that database, not the one restored "
            f"into {folder}; unset it to use the restored workspace"
        )
    if key_from == f"${KEY_ENV}":
        notes.append(f"the restored workspace needs ${KEY_ENV} set to the same key")
    shown = (
        make_url(database_url).render_as_string(hide_password=True)
        if database_url
        else str(folder / DEFAULT_DATABASE)
    )
    return RestoreResult(
        folder=folder,
        database=shown,
        workspace=manifest.workspace,
        backed_up_at=manifest.created_at,
        schema_revision=manifest.schema_revision,
        migrated=migrated,
        members=len(found) + 1,
        evidence_files=sum(1 for name in found if blob_of(name) is not None),
        trail_entries=entries,
        key_from=key_from,
        notes=notes,
    )
