"""Docs that cannot drift: every page, download and API route the app serves is named in the
README or in docs/ (the CLI's commands are checked the same way in tests/cli)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter

from crosswalk.web.routes import ROUTERS
from tests.web.test_route_table import api_routes

REPO = Path(__file__).resolve().parents[2]


def _documented_text() -> str:
    files = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    return "\n".join(path.read_text(encoding="utf-8") for path in files)


def _served(routers: list[APIRouter]) -> set[tuple[str, str]]:
    return {
        (method, route.path)
        for router in routers
        for route in api_routes(router.routes)
        for method in route.methods
        if method != "HEAD"
    }


def test_every_route_is_named_in_the_docs() -> None:
    served = _served(ROUTERS)
    assert ("GET", "/soa") in served
    assert ("GET", "/nonconformities/{nc_id}") in served  # nested routers are walked
    text = _documented_text()
    missing = sorted(
        f"{method} {path}" for method, path in served if f"`{method} {path}`" not in text
    )
    assert missing == [], "name these in docs/web.md (as `METHOD /path`):\n" + "\n".join(missing)


def test_the_check_sees_an_undocumented_route() -> None:
    extra = APIRouter()

    @extra.get("/not-in-any-doc")
    def _undocumented() -> None: ...

    text = _documented_text()
    unnamed = [p for m, p in _served([extra]) if f"`{m} {p}`" not in text]
    assert unnamed == ["/not-in-any-doc"]
