"""The demo is a scripted user, a client like the CLI and the web app: this is the one place
where it creates its workspace and opens its transactions; the builder calls services only."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from crosswalk.store.blobs import BlobStore
from crosswalk.store.engine import session_scope
from crosswalk.store.processes import process_alive
from crosswalk.store.workspace import Workspace, init_workspace

ACTOR = "demo"  # what the audit trail names for everything the demo writes


@dataclass(frozen=True)
class DemoWorkspace:
    _workspace: Workspace

    @property
    def blobs(self) -> BlobStore:
        return self._workspace.blobs

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction; the builder commits each step it wants kept."""
        with session_scope(self._workspace.engine, actor=ACTOR) as active:
            yield active


@contextmanager
def demo_workspace(folder: Path, name: str) -> Iterator[DemoWorkspace]:
    """Create (or bring up to date) the workspace in ``folder`` and close it afterwards."""
    workspace, _created = init_workspace(folder, name=name)
    try:
        yield DemoWorkspace(workspace)
    finally:
        workspace.close()


BUILDING_PREFIX = ".building-"


@contextmanager
def building(folder: Path) -> Iterator[Path]:
    """A hidden folder beside ``folder`` to build a new demo in, renamed to ``folder`` when
    the block ends: a build killed halfway leaves no half workspace (a database without its
    workspace file) where the user looks, and the next build removes what it left."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    for leftover in folder.parent.glob(f"{BUILDING_PREFIX}{folder.name}-*"):
        pid = leftover.name.rpartition("-")[2]
        if pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(leftover, ignore_errors=True)
    staging = folder.parent / f"{BUILDING_PREFIX}{folder.name}-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        yield staging
        if folder.exists():
            folder.rmdir()  # only ever an empty folder: an existing demo is updated in place
        staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
