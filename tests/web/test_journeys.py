"""Journeys of issue 17 in Chromium: a control owner confirms one of their controls and
cannot edit another owner's; an auditor downloads the SoA and the trail, finds the trail's
chain intact, and meets no form that writes."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.web.conftest import ARTIFACTS, SignIn

pytestmark = pytest.mark.slow


def test_a_control_owner_confirms_and_cannot_edit_another_owners_control(
    page: Any, live_server: str, browser_sign_in: SignIn
) -> None:
    browser_sign_in(page, "control_owner")
    page.goto(f"{live_server}/confirmations")
    form = page.locator("form.confirm-form").first
    assert form.count() == 1, "Dana has something likely to confirm in the demo"
    control_id = form.get_attribute("data-control")
    ref = page.locator("tr[data-ref]").first.get_attribute("data-ref")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert f"{control_id} meets it fully" in page.locator(".notice").inner_text()
    page.goto(f"{live_server}/controls/{control_id}")
    assert ref is not None and ref in page.locator("main").inner_text()
    # another owner's control: shown, but no edit form, and a post is refused
    page.goto(f"{live_server}/controls/NW-HR-01")
    assert page.locator("#edit-control").count() == 0
    answer = page.request.post(
        f"{live_server}/controls/NW-HR-01",
        form={
            "title": "Taken over",
            "csrf_token": page.evaluate(
                "() => document.querySelector('meta[name=csrf-token]').content"
            ),
        },
    )
    assert answer.status == 403
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "owner-confirms.png"), full_page=True)
    assert page.console_errors == []


def test_an_auditor_downloads_the_soa_and_the_trail_and_sees_no_form(
    page: Any, live_server: str, browser_sign_in: SignIn
) -> None:
    browser_sign_in(page, "auditor")
    page.goto(f"{live_server}/soa")
    with page.expect_download() as got:
        page.click("a[href^='/soa/report.xlsx']")
    book = load_workbook(io.BytesIO(Path(got.value.path()).read_bytes()), read_only=True)
    cells = {str(c) for row in book.worksheets[0].iter_rows(values_only=True) for c in row if c}
    assert "A.5.15" in cells
    page.goto(f"{live_server}/trail")
    assert "Intact" in page.locator("#chain").inner_text()
    with page.expect_download() as got:
        page.click("a[href^='/trail/export.csv']")
    text = Path(got.value.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and all(r["hash"] for r in rows)
    for path in ("/", "/controls", "/evidence", "/soa", "/risks", "/trail", "/incidents", "/ai"):
        page.goto(f"{live_server}{path}")
        writes = page.locator("form[method=post]:not([action='/logout'])")
        assert writes.count() == 0, (path, writes.first.get_attribute("action"))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "auditor-trail.png"), full_page=True)
    assert page.console_errors == []
