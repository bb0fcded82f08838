"""What every command needs from the root options."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy.orm import Session

    from crosswalk.catalogs.loader import Library
    from crosswalk.store.workspace import Workspace


def workspace_catalogs(ctx: typer.Context) -> Path | None:
    """The catalogs folder of the workspace in use, if there is a workspace (imports land there)."""
    from crosswalk.services.mapping.formats import catalogs_folder
    from crosswalk.store.locate import WORKSPACE_FILE, find_workspace_root

    explicit = _root_options(ctx).get("workspace")
    if isinstance(explicit, Path):
        root: Path | None = explicit if (explicit / WORKSPACE_FILE).is_file() else None
    else:
        root = find_workspace_root(Path.cwd())
    return catalogs_folder(root) if root is not None else None


def library(ctx: typer.Context, strict: bool = True) -> Library:
    """Shipped catalogs, the workspace's imported ones, and any --catalog-path files."""
    from crosswalk.services.mapping.library import open_library

    extra = list(_root_options(ctx).get("catalog_path", []))  # type: ignore[call-overload]
    imported = workspace_catalogs(ctx)
    if imported is not None:
        extra.extend(f for f in (imported / "frameworks", imported / "mappings") if f.is_dir())
    return open_library(extra, strict=strict)


def _root_options(ctx: typer.Context) -> dict[str, object]:
    return dict(ctx.find_root().obj or {})


def workspace(ctx: typer.Context) -> Workspace:
    from crosswalk.store.workspace import open_workspace

    options = _root_options(ctx)
    return open_workspace(options.get("workspace"), options.get("database_url"))  # type: ignore[arg-type]


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
