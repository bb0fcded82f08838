"""What every command needs from the root options."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy.orm import Session

    from crosswalk.catalogs.loader import Library
    from crosswalk.store.workspace import Workspace


def workspace_root(ctx: typer.Context) -> Path | None:
    """The folder of the workspace in use (policies, catalogs and program files live there)."""
    from crosswalk.store.locate import WORKSPACE_FILE, find_workspace_root

    explicit = _root_options(ctx).get("workspace")
    if isinstance(explicit, Path):
        return explicit if (explicit / WORKSPACE_FILE).is_file() else None
    return find_workspace_root(Path.cwd())


def workspace_catalogs(ctx: typer.Context) -> Path | None:
    """The catalogs folder of the workspace in use, if there is a workspace (imports land there)."""
    from crosswalk.services.mapping.library import catalogs_folder

    root = workspace_root(ctx)
    return catalogs_folder(root) if root is not None else None


def library(ctx: typer.Context, strict: bool = True, adjusted: bool = True) -> Library:
    """Shipped catalogs, the workspace's imported ones, and any --catalog-path files, with the
    team's mapping adjustments laid over them (``adjusted=False``: the sets as shipped)."""
    from crosswalk.services.mapping.library import open_library

    extra = list(_root_options(ctx).get("catalog_path", []))  # type: ignore[call-overload]
    root = workspace_root(ctx)
    imported = workspace_catalogs(ctx)
    if imported is not None:
        extra.extend(f for f in (imported / "frameworks", imported / "mappings") if f.is_dir())
    loaded = open_library(extra, strict=strict)
    if not (strict and adjusted) or root is None:
        return loaded
    from crosswalk.services.mapping.adjusted import COLUMNS, adjusted_from_records
    from crosswalk.store.light import database_url, read_rows

    explicit = _root_options(ctx).get("database_url")
    url = database_url(root, explicit if isinstance(explicit, str) else None)
    return adjusted_from_records(loaded, read_rows(url, "mapping_adjustments", COLUMNS))


def _root_options(ctx: typer.Context) -> dict[str, object]:
    return dict(ctx.find_root().obj or {})


def workspace(ctx: typer.Context) -> Workspace:
    from crosswalk.store.workspace import open_workspace

    options = _root_options(ctx)
    return open_workspace(options.get("workspace"), options.get("database_url"))  # type: ignore[arg-type]


def actor() -> str:
    """Who the audit trail names for this command: CROSSWALK_ACTOR, else the OS user."""
    from crosswalk.store.audit import default_actor

    return default_actor()


@contextmanager
def session(ctx: typer.Context, commit: bool = True) -> Iterator[Session]:
    """One transaction per command: committed at the end, rolled back on any error."""
    from crosswalk.store.engine import session_scope

    opened = workspace(ctx)
    try:
        with session_scope(opened.engine) as active:
            yield active
            if commit:
                active.commit()
    finally:
        opened.close()


@contextmanager
def optional_session(ctx: typer.Context) -> Iterator[Session | None]:
    """A read-only session when there is a workspace, else ``None``: for commands that also
    answer from the shipped catalogs alone."""
    from crosswalk.store.engine import session_scope
    from crosswalk.store.workspace import WorkspaceError

    try:
        opened = workspace(ctx)
    except WorkspaceError:
        yield None
        return
    try:
        with session_scope(opened.engine) as active:
            yield active
    finally:
        opened.close()


@dataclass(frozen=True)
class CreatedWorkspace:
    root: Path
    name: str
    created: bool  # False: it existed, and only its schema was brought up to date
    database: str  # the URL, never with its password


def create_workspace(ctx: typer.Context, folder: Path, name: str | None) -> CreatedWorkspace:
    """``crosswalk init``: a new workspace in ``folder`` (or an existing one migrated)."""
    from sqlalchemy.engine import make_url

    from crosswalk.store.workspace import init_workspace

    opened, created = init_workspace(folder, name, _root_options(ctx).get("database_url"))  # type: ignore[arg-type]
    opened.close()
    return CreatedWorkspace(
        root=opened.root,
        name=opened.name,
        created=created,
        database=make_url(opened.database_url).render_as_string(hide_password=True),
    )


def workspace_busy(error: BaseException) -> bool:
    """Whether ``error`` is another writer holding the workspace (see store.engine)."""
    from crosswalk.store.engine import workspace_busy as busy

    return busy(error)


def write_conflict(error: BaseException) -> bool:
    """Whether ``error`` is a record stored by another writer meanwhile (see store.engine)."""
    from crosswalk.store.engine import write_conflict as conflict

    return conflict(error)
