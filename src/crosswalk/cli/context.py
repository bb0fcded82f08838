"""What every command needs from the root options."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy.orm import Session

    from crosswalk.catalogs.loader import Library
    from crosswalk.store.workspace import Workspace


def library(ctx: typer.Context, strict: bool = True) -> Library:
    from crosswalk.services.library import open_library

    root = ctx.find_root()
    extra = (root.obj or {}).get("catalog_path", [])
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
