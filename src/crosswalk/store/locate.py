"""Finding a workspace folder, without loading the database layer (commands stay fast)."""

from __future__ import annotations

from pathlib import Path

WORKSPACE_FILE = "crosswalk.toml"


def find_workspace_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` holding ``crosswalk.toml``, like git."""
    for folder in [start.resolve(), *start.resolve().parents]:
        if (folder / WORKSPACE_FILE).is_file():
            return folder
    return None
