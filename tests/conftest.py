from __future__ import annotations

import csv
from pathlib import Path

import pytest

from crosswalk.catalogs.loader import Library, load_library

pytest_plugins = ["tests.plugins.postgres", "tests.plugins.browser"]

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
REFERENCE = SHARED / "reference"


@pytest.fixture(scope="session")
def library() -> Library:
    """The shipped catalogs and mapping sets, loaded once and only read."""
    return load_library()


def reference_rows(relative: str) -> list[dict[str, str]]:
    path = REFERENCE / relative
    if not path.exists():
        pytest.skip(f"reference facts not found at {path} (shared/ must sit beside the repo)")
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))
