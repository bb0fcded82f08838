"""The web app by keyboard alone (issue 17): sign in, add a control and upload evidence for
it without the mouse; the focused control shows a visible outline."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import ARTIFACTS, PASSWORD, USERS

pytestmark = pytest.mark.slow


def _tab_to(page: Any, selector: str, limit: int = 80) -> None:
    """Press Tab until ``selector`` has the focus, as a keyboard user would."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement === document.querySelector(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} never took the focus by Tab")


def test_sign_in_add_a_control_and_upload_evidence_without_the_mouse(
    page: Any, live_server: str
) -> None:
    page.goto(f"{live_server}/login")
    _tab_to(page, "input[name=email]")
    page.keyboard.type(USERS["editor"][0])
    _tab_to(page, "input[name=password]")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/")

    page.goto(f"{live_server}/controls")
    _tab_to(page, "details.add summary")
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # the focus is visible
    page.keyboard.press("Enter")  # opens the form
    _tab_to(page, "#control-add [name=control_id]")
    page.keyboard.type("NW-KB-01")
    page.keyboard.press("Tab")
    page.keyboard.type("Keyboard-only control")
    _tab_to(page, "#control-add [name=requirement]")
    page.keyboard.type("iso27001-2022:A.5.15")
    page.keyboard.press("Enter")  # submits the form
    page.wait_for_url("**/controls/NW-KB-01?notice=*")
    assert "Keyboard-only control" in page.locator("h1").inner_text()

    page.goto(f"{live_server}/evidence")
    _tab_to(page, "#evidence-file")
    with page.expect_file_chooser() as chosen:
        page.keyboard.press("Space")
    chosen.value.set_files(
        {"name": "kb-review.txt", "mimeType": "text/plain", "buffer": b"reviewed\n"}
    )
    _tab_to(page, "#upload-evidence [name=title]")
    page.keyboard.type("Access review, by keyboard")
    _tab_to(page, "#evidence-controls")
    page.keyboard.type("NW-KB-01")
    _tab_to(page, "#upload-evidence button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/evidence?notice=*")
    page.goto(f"{live_server}/controls/NW-KB-01")
    assert "Access review, by keyboard" in page.locator("main").inner_text()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "keyboard-only.png"), full_page=True)
    assert page.console_errors == []
