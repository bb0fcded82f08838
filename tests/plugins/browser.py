"""Real headless Chromium for tests, driven by Playwright's sync API.

Fixtures:

- ``browser`` (session): Debian's ``/usr/bin/chromium`` launched headless by Playwright.
  Playwright's own browser download (``playwright install``) is never used.
- ``page`` (function): a new page in its own browser context (fresh cookies/storage),
  with ``page.console_errors``: a list of strings, one per ``console.error`` message
  and per uncaught page error, so a test can ``assert page.console_errors == []``.

Both skip with a clear reason when the chromium binary or the playwright package is
missing. Playwright is imported lazily so registering this plugin never breaks
collection of the rest of the suite.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # we run as root; Chromium's sandbox refuses root
    "--disable-gpu",
    "--disable-dev-shm-usage",  # containers may have a tiny /dev/shm
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
DEFAULT_TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """A headless Chromium shared by the whole session (one process, many contexts)."""
    if not CHROMIUM.exists():
        pytest.skip(
            f"Chromium not installed at {CHROMIUM} (apt-get install chromium); .ci/run installs it"
        )
    sync_api = pytest.importorskip(
        "playwright.sync_api",
        reason="playwright not installed (bash scripts/setup.sh --dev installs it)",
    )
    playwright = sync_api.sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            timeout=60_000,
        )
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page; console errors and page errors collect in ``page.console_errors``."""
    context = browser.new_context()
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    try:
        new_page = context.new_page()
        errors: list[str] = []

        def on_console(message: Any) -> None:
            if message.type == "error":
                location = message.location or {}
                where = location.get("url", "")
                if where:
                    where = f" ({where}:{location.get('lineNumber', '?')})"
                errors.append(f"console.error: {message.text}{where}")

        def on_page_error(error: Any) -> None:
            errors.append(f"pageerror: {error}")

        new_page.on("console", on_console)
        new_page.on("pageerror", on_page_error)
        new_page.console_errors = errors
        yield new_page
    finally:
        context.close()
