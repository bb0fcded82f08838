"""Read-only answers for commands that otherwise need only the catalogs (``show``, ``map``,
``matrix``, ``frameworks``): on SQLite through the standard library, so those commands never
load SQLAlchemy or Alembic; on other databases through the engine."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from crosswalk.store.locate import WORKSPACE_FILE

DATABASE_ENV = "CROSSWALK_DATABASE_URL"
DEFAULT_DATABASE = "crosswalk.db"


def sqlite_url(root: Path) -> str:
    return f"sqlite:///{(root / DEFAULT_DATABASE).resolve()}"


def workspace_config(root: Path) -> dict[str, Any]:
    """The ``[workspace]`` table of ``crosswalk.toml``; raises OSError/TOMLDecodeError."""
    config = tomllib.loads((root / WORKSPACE_FILE).read_text(encoding="utf-8"))
    section = config.get("workspace", {})
    return section if isinstance(section, dict) else {}


def database_url(root: Path, explicit: str | None = None) -> str:
    """Which database the workspace uses: the option, the environment, its file, or SQLite."""
    if explicit:
        return explicit
    configured = os.environ.get(DATABASE_ENV)
    if configured:
        return configured
    try:
        url = workspace_config(root).get("database_url")
    except (OSError, tomllib.TOMLDecodeError):
        url = None
    return str(url) if url else sqlite_url(root)


def read_rows(url: str, table: str, columns: Sequence[str]) -> list[dict[str, Any]]:
    """Every row of one table, by column name; none when the table does not exist yet (a
    workspace not yet migrated has nothing in it)."""
    query = f"SELECT {', '.join(columns)} FROM {table}"
    if url.startswith("sqlite:///"):
        import sqlite3
        from urllib.parse import quote

        path = url.removeprefix("sqlite:///")
        if not Path(path).exists():
            return []
        try:
            with sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True) as connection:
                found = connection.execute(query).fetchall()
        except sqlite3.OperationalError:  # no such table
            return []
        return [dict(zip(columns, row, strict=True)) for row in found]
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from crosswalk.store.engine import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            result = connection.execute(text(query)).mappings().all()
        return [dict(row) for row in result]
    except DBAPIError:
        return []
    finally:
        engine.dispose()
