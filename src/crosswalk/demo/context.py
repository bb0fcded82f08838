"""The demo is a scripted user, a client like the CLI and the web app: this is the one place
where it creates its workspace and opens its transactions; the builder calls services only."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from crosswalk.store.blobs import BlobStore
from crosswalk.store.engine import session_scope
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
