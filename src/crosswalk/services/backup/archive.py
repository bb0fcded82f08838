"""The backup archive: a tar file (gzip-compressed unless its name ends in ``.tar``) whose
last member, ``manifest.json``, lists every other member with its SHA-256 and size.

Why tar: it streams members of any size without holding them in memory, every system can
list and unpack it (``tar tzf``) when Crosswalk is not at hand, and gzip shrinks the database
well. The manifest comes last because its hashes are computed as the members stream in.

Members, all relative, never links:

    database.sqlite                  the database snapshot (SQLite, whatever the source)
    workspace/crosswalk.toml         the workspace file (a database password is never kept)
    workspace/collectors.yaml        the collectors declared, if any
    workspace/.crosswalk/audit.head  the audit trail's checkpoint
    workspace/.crosswalk/audit.key   the audit key: only with ``backup --include-key``
    workspace/catalogs/...           frameworks and mapping sets imported into the workspace
    workspace/policies/...           the policy library
    workspace/evidence/ab/cd/<sha>   every evidence file the snapshot references
    manifest.json

The manifest is sealed with an HMAC under the workspace's audit key: without the key, one
cannot change a member and its hash together unseen. (With ``--include-key`` the key travels
with the archive, and the seal only guards against accidents.)
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import tarfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any, BinaryIO

from crosswalk.domain.errors import CrosswalkError

FORMAT = "crosswalk/backup@1"
MANIFEST = "manifest.json"
DATABASE = "database.sqlite"
FOLDER = "workspace"
CONFIG = f"{FOLDER}/crosswalk.toml"
COLLECTORS = f"{FOLDER}/collectors.yaml"
HEAD = f"{FOLDER}/.crosswalk/audit.head"
KEY = f"{FOLDER}/.crosswalk/audit.key"
EVIDENCE = f"{FOLDER}/evidence"
TREES = (f"{FOLDER}/catalogs", f"{FOLDER}/policies")  # folders kept whole
CHUNK = 1024 * 1024
MANIFEST_LIMIT = 64 * 1024 * 1024
_BLOB = re.compile(r"^workspace/evidence/([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{64})$")


class BackupError(CrosswalkError):
    """A backup that cannot be taken, or an archive that cannot be restored; nothing was
    written. Names the archive and, where it is one member's fault, the member."""


def blob_member(sha256: str) -> str:
    return f"{EVIDENCE}/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def blob_of(member: str) -> str | None:
    """The SHA-256 an evidence member's name promises, or None if it is not one."""
    found = _BLOB.match(member)
    if found is None or found[3][:2] != found[1] or found[3][2:4] != found[2]:
        return None
    return found[3]


def allowed(member: str) -> bool:
    """Whether a member name is one a backup writes (anything else is refused unread)."""
    path = PurePosixPath(member)
    if path.is_absolute() or any(part in ("", ".", "..") for part in member.split("/")):
        return False
    if member in (DATABASE, CONFIG, COLLECTORS, HEAD, KEY):
        return True
    if member.startswith(f"{EVIDENCE}/"):
        return blob_of(member) is not None
    return any(member.startswith(f"{tree}/") for tree in TREES)


@dataclass
class Manifest:
    """What the archive holds; ``members`` maps each member to its SHA-256 and size."""

    created_at: str
    crosswalk: str
    workspace: str
    source: str  # the database the snapshot came from: sqlite or postgresql
    schema_revision: str
    trail_entries: int
    checkpoint: dict[str, Any] | None  # the audit.head seen before the snapshot
    evidence_files: int
    key_included: bool
    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    seal: str | None = None

    def body(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "created_at": self.created_at,
            "crosswalk": self.crosswalk,
            "workspace": self.workspace,
            "database": {"source": self.source, "schema_revision": self.schema_revision},
            "trail": {"entries": self.trail_entries, "checkpoint": self.checkpoint},
            "evidence_files": self.evidence_files,
            "key_included": self.key_included,
            "members": dict(sorted(self.members.items())),
        }

    def sealed_with(self, key: bytes | None) -> str | None:
        if key is None:
            return None
        canonical = json.dumps(self.body(), sort_keys=True, separators=(",", ":"))
        return hmac.new(key, canonical.encode("utf-8"), hashlib.sha256).hexdigest()

    def to_bytes(self) -> bytes:
        return (json.dumps({**self.body(), "seal": self.seal}, indent=2) + "\n").encode("utf-8")


def parse_manifest(archive: Path, raw: bytes) -> Manifest:
    where = f"{archive}: member {MANIFEST}"
    try:
        data = json.loads(raw.decode("utf-8"))
        if data.get("format") != FORMAT:
            raise BackupError(
                f"{where}: format {data.get('format')!r} is not {FORMAT!r}"
                " (a newer Crosswalk, or not a Crosswalk backup)"
            )
        members = {
            str(name): {"sha256": str(entry["sha256"]), "size": int(entry["size"])}
            for name, entry in dict(data["members"]).items()
        }
        trail = dict(data["trail"])
        database = dict(data["database"])
        return Manifest(
            created_at=str(data["created_at"]),
            crosswalk=str(data["crosswalk"]),
            workspace=str(data["workspace"]),
            source=str(database["source"]),
            schema_revision=str(database["schema_revision"]),
            trail_entries=int(trail["entries"]),
            checkpoint=dict(trail["checkpoint"]) if trail["checkpoint"] is not None else None,
            evidence_files=int(data["evidence_files"]),
            key_included=bool(data["key_included"]),
            members=members,
            seal=str(data["seal"]) if data.get("seal") is not None else None,
        )
    except BackupError:
        raise
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise BackupError(f"{where}: not a readable manifest ({error})") from None


class _Hashing:
    """A reader that hashes what passes through it (so each member is read once)."""

    def __init__(self, source: IO[bytes]) -> None:
        self.source = source
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.source.read(size)
        self.digest.update(chunk)
        self.size += len(chunk)
        return chunk


class ArchiveWriter:
    """Adds members to an open tar file, recording each one's hash for the manifest."""

    def __init__(self, tar: tarfile.TarFile) -> None:
        self.tar = tar
        self.members: dict[str, dict[str, Any]] = {}
        self.moment = time.time()

    def _info(self, name: str, size: int) -> tarfile.TarInfo:
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = size, int(self.moment), 0o600
        return info

    def add_bytes(self, name: str, data: bytes) -> None:
        import io

        self.tar.addfile(self._info(name, len(data)), io.BytesIO(data))
        self.members[name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}

    def add_file(self, name: str, path: Path) -> str:
        """Stream a file in; its SHA-256 as read."""
        with path.open("rb") as handle:
            return self.add_stream(name, handle, os.fstat(handle.fileno()).st_size, str(path))

    def add_stream(self, name: str, handle: IO[bytes], size: int, where: str) -> str:
        """Stream ``size`` bytes in (a local file or a bucket's object); their SHA-256."""
        reader = _Hashing(handle)
        try:
            self.tar.addfile(self._info(name, size), reader)
        except OSError as error:
            if "unexpected end of data" not in str(error):
                raise
            raise BackupError(f"{where}: shrank while being copied; try again") from None
        sha256 = reader.digest.hexdigest()
        self.members[name] = {"sha256": sha256, "size": size}
        return sha256


def open_for_writing(path: Path, raw: IO[bytes]) -> tarfile.TarFile:
    """A tar file over ``raw``: gzip (level 6: most of 9's gain, a fraction of its time)
    unless the archive is named ``.tar``."""
    if path.name.lower().endswith(".tar"):
        return tarfile.open(fileobj=raw, mode="w")
    return tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6)


@contextmanager
def reading(archive: Path) -> Iterator[tarfile.TarFile]:
    """The archive opened for one pass; anything that is not a tar archive is a BackupError."""
    from crosswalk.io.text_files import regular_file

    regular_file(archive)
    try:
        tar = tarfile.open(archive, "r:*")  # noqa: SIM115  (closed below, once opened)
    except (tarfile.TarError, EOFError, OSError) as error:
        raise BackupError(
            f"{archive}: not a Crosswalk backup (not a tar archive: {error})"
        ) from None
    with tar:
        yield tar


def stream_member(archive: Path, tar: tarfile.TarFile, member: tarfile.TarInfo) -> BinaryIO:
    found = tar.extractfile(member)
    if found is None:
        raise BackupError(f"{archive}: member {member.name} is not a regular file")
    return found  # type: ignore[return-value]
