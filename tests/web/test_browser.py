"""The journeys of the issue in a real browser (Debian's Chromium driven by Playwright).

Screenshots of the dashboard, the explorer and the SoA editor land in
``artifacts/screenshots/`` for CI to keep.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from crosswalk.services.dashboard import build_dashboard
from crosswalk.services.library import open_library
from crosswalk.store.engine import session_scope
from crosswalk.store.workspace import open_workspace
from tests.conftest import DEMO_TODAY
from tests.web.conftest import ARTIFACTS, SignIn, WebWorkspace

pytestmark = pytest.mark.slow


def shoot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.set_viewport_size({"width": 1440, "height": 900})
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000  # a rendered page, not a blank one
    return path


def iso_covered(web: WebWorkspace) -> tuple[int, int]:
    opened = open_workspace(web.folder)
    try:
        with session_scope(opened.engine) as session:
            board = build_dashboard(session, open_library(), DEMO_TODAY)
    finally:
        opened.close()
    iso = next(c for c in board.coverage if c.framework == "iso27001-2022")
    return iso.counts.by_verdict["covered"], iso.counts.total


def test_sign_in_and_the_dashboard_shows_the_demo_coverage(
    page: Any, live_server: str, browser_sign_in: SignIn, web: WebWorkspace
) -> None:
    page.goto(f"{live_server}/")
    assert page.url.startswith(f"{live_server}/login")
    browser_sign_in(page, "admin")
    covered, total = iso_covered(web)
    row = page.locator('#coverage tr[data-framework="iso27001-2022"]')
    assert row.locator("td.covered").inner_text().strip() == str(covered)
    assert f"{covered}" in page.locator("#kpi-iso").inner_text()
    assert f"/ {total}" in page.locator("#kpi-iso").inner_text()
    assert page.locator("#kpi-iso svg").count() == 1  # the donut chart
    shoot(page, "dashboard")
    assert page.console_errors == []
