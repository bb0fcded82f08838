"""A workspace is a folder holding ``crosswalk.toml`` and, by default, its SQLite database.

Commands find it from the current directory upwards, like git; ``--workspace`` names it and
``--database-url`` / ``CROSSWALK_DATABASE_URL`` point it at PostgreSQL instead.
"""

from __future__ import annotations

import os
import threading
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from crosswalk.domain.errors import CrosswalkError
from crosswalk.store.blobs import BlobStore, LocalBlobStore, blob_store, blob_url
from crosswalk.store.engine import make_engine, migrate
from crosswalk.store.light import DATABASE_ENV, DEFAULT_DATABASE, sqlite_url, workspace_config
from crosswalk.store.locate import WORKSPACE_FILE, find_workspace_root
from crosswalk.store.trail_seal import seal_engine

_BLOBS_LOCK = threading.Lock()


class WorkspaceError(CrosswalkError):
    pass


@dataclass
class Workspace:
    root: Path
    name: str
    database_url: str
    _engine: Engine | None = field(default=None, repr=False)
    _blobs: BlobStore | None = field(default=None, repr=False)

    @property
    def blobs(self) -> BlobStore:
        """Where evidence files live: beside the workspace file, whatever the database, or
        in the bucket ``CROSSWALK_BLOB_URL`` names (one client, kept for the workspace)."""
        with _BLOBS_LOCK:  # a web worker's first uploads come on many threads at once
            if self._blobs is None:
                self._blobs = blob_store(self.root)
            return self._blobs

    @property
    def local_blobs(self) -> LocalBlobStore:
        """The workspace's own evidence folder, whatever the setting (what migrate copies)."""
        return LocalBlobStore(self.root / "evidence")

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.database_url)
            seal_engine(self._engine, self.root)  # the audit trail's key and checkpoint
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def _read(root: Path, database_url: str | None) -> Workspace:
    try:
        section = workspace_config(root)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise WorkspaceError(
            f"{root / WORKSPACE_FILE}: cannot read workspace file: {error}"
        ) from error
    url = database_url or os.environ.get(DATABASE_ENV) or section.get("database_url")
    blob_url()  # a wrong CROSSWALK_BLOB_URL stops here, with its own message
    return Workspace(root.resolve(), str(section.get("name", root.name)), url or sqlite_url(root))


def init_workspace(
    path: Path, name: str | None = None, database_url: str | None = None
) -> tuple[Workspace, bool]:
    """Create (or re-open) a workspace and bring its schema up to date.

    Returns the workspace and whether it was newly created. Never overwrites an existing
    workspace file or database.
    """
    path.mkdir(parents=True, exist_ok=True)
    config_path = path / WORKSPACE_FILE
    if config_path.exists():
        workspace = _read(path, database_url)
        migrate(workspace.engine)
        return workspace, False
    chosen_name = name or path.resolve().name
    url = database_url or os.environ.get(DATABASE_ENV) or sqlite_url(path)
    if url == sqlite_url(path):
        _private_file(path / DEFAULT_DATABASE)
    workspace = Workspace(path.resolve(), chosen_name, url)
    migrate(workspace.engine)  # first, so a database we cannot use leaves no workspace file
    lines = ["[workspace]", f"name = {_toml_string(chosen_name)}"]
    if database_url:
        lines.append(f"database_url = {_toml_string(database_url)}")
    config_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return workspace, True


def _private_file(database: Path) -> None:
    """Create the SQLite file readable by its owner only (it holds password and session
    hashes, like the blobs beside it); SQLite gives its -wal and -shm files the same mode."""
    if not database.exists():
        os.close(os.open(database, os.O_CREAT | os.O_WRONLY, 0o600))


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def open_workspace(
    explicit: Path | None = None, database_url: str | None = None, start: Path | None = None
) -> Workspace:
    """The workspace named, or found from ``start`` (the current directory) upwards."""
    if explicit is not None:
        if not (explicit / WORKSPACE_FILE).is_file():
            raise WorkspaceError(
                f"{explicit} is not a Crosswalk workspace (no {WORKSPACE_FILE}); "
                f"run `crosswalk init {explicit}`"
            )
        root = explicit
    else:
        found = find_workspace_root(start or Path.cwd())
        if found is None:
            raise WorkspaceError(
                f"no Crosswalk workspace in {start or Path.cwd()} or above; "
                "run `crosswalk init` or pass --workspace DIR"
            )
        root = found
    workspace = _read(root, database_url)
    migrate(workspace.engine)
    return workspace
