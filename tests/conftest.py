from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from crosswalk.catalogs.loader import Library, load_library
from crosswalk.demo.builder import DemoResult, build_demo
from crosswalk.store.workspace import Workspace, init_workspace

pytest_plugins = [
    "tests.plugins.postgres",
    "tests.plugins.browser",
    "tests.plugins.smtp",
    "tests.plugins.s3",
]

REPO = Path(__file__).resolve().parents[1]
DEMO_TODAY = date(2026, 11, 27)  # the demo's dates are relative to "today": pin it
SHARED = REPO.parent / "shared"
REFERENCE = SHARED / "reference"


@pytest.fixture(scope="session", autouse=True)
def compiled_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One compiled-library cache for the session, under its temporary folder: tests never
    read or write the developer's own cache (subprocesses inherit it too)."""
    from crosswalk.catalogs.compiled import CACHE_ENV

    folder = tmp_path_factory.mktemp("compiled-cache")
    previous = os.environ.get(CACHE_ENV)
    os.environ[CACHE_ENV] = str(folder)
    yield folder
    if previous is None:
        os.environ.pop(CACHE_ENV, None)
    else:
        os.environ[CACHE_ENV] = previous


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


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each kind; PostgreSQL skips with a reason when not installed."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'crosswalk-test.db'}"
    url: str = request.getfixturevalue("postgres_database_url")
    return url


def _trail_accounts_for(workspace: Workspace, request: pytest.FixtureRequest) -> None:
    """After each test, every audited record must be as the trail last recorded it: a
    service that changed a row without the trail seeing it fails the test that used it.
    Tests that tamper with the database on purpose are marked ``tampers``."""
    if request.node.get_closest_marker("tampers") is not None:
        return
    from crosswalk.store.engine import session_scope
    from crosswalk.store.trail_reconcile import reconcile

    with session_scope(workspace.engine) as session:
        _count, drift = reconcile(session)
    assert drift == [], f"changed without a trail entry: {drift}"


@pytest.fixture
def workspace(
    tmp_path: Path, database_url: str, request: pytest.FixtureRequest
) -> Iterator[Workspace]:
    """A migrated workspace under tmp_path, on SQLite and on PostgreSQL."""
    opened, _ = init_workspace(tmp_path / "ws", database_url=database_url)
    yield opened
    _trail_accounts_for(opened, request)
    opened.close()


@pytest.fixture
def sqlite_workspace(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Workspace]:
    opened, _ = init_workspace(tmp_path / "ws")
    yield opened
    _trail_accounts_for(opened, request)
    opened.close()


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory, library: Library) -> DemoResult:
    """The demo workspace, built once per test session; tests only read it."""
    return build_demo(tmp_path_factory.mktemp("demo"), library, today=DEMO_TODAY)
