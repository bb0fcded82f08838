"""What every command needs from the root options."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from crosswalk.catalogs.loader import Library


def library(ctx: typer.Context, strict: bool = True) -> Library:
    from crosswalk.services.library import open_library

    root = ctx.find_root()
    extra = (root.obj or {}).get("catalog_path", [])
    return open_library(extra, strict=strict)
