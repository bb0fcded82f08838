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


RANK = ["not applicable", "gap", "planned", "partial", "likely", "covered"]


def _verdict(page: Any, live_server: str, ref: str) -> str:
    page.goto(f"{live_server}/gap")
    row = page.locator(f"tr[data-ref='{ref}']").first
    return str(row.get_attribute("data-verdict"))


def test_an_editor_adds_a_control_tags_it_links_evidence_by_url_and_the_gap_changes(
    page: Any, live_server: str, browser_sign_in: SignIn
) -> None:
    browser_sign_in(page, "editor")
    page.goto(f"{live_server}/gap")
    gaps = page.locator("tr[data-verdict='gap']")
    assert gaps.count() > 0, "the demo leaves some ISO requirements open"
    ref = str(gaps.first.get_attribute("data-ref"))
    page.goto(f"{live_server}/controls")
    page.click("details.add summary")
    page.fill("#control-add [name=control_id]", "NW-JR-01")
    page.fill("#control-add [name=title]", "Journey control")
    page.select_option("#control-add [name=status]", "operating")
    page.click("#control-add button[type=submit]")
    page.wait_for_url("**/controls/NW-JR-01?notice=*")
    page.fill("#tag-control [name=requirement]", f"iso27001-2022:{ref}")
    page.click("#tag-control button[type=submit]")
    page.wait_for_load_state()
    assert ref in page.locator("main").inner_text()
    tagged_only = _verdict(page, live_server, ref)

    page.goto(f"{live_server}/evidence")
    page.fill("#evidence-url", "https://tickets.example.com/browse/SEC-77")
    page.fill("#upload-evidence [name=title]", "Operated per ticket SEC-77")
    page.fill("#evidence-controls", "NW-JR-01")
    page.click("#upload-evidence button[type=submit]")
    page.wait_for_url("**/evidence?notice=*")
    assert "Operated per ticket SEC-77" in page.locator(".notice").inner_text()
    after = _verdict(page, live_server, ref)
    assert RANK.index(after) > RANK.index(tagged_only), (ref, tagged_only, after)
    row = page.locator(f"tr[data-ref='{ref}']").first
    assert "NW-JR-01" in row.inner_text()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "editor-control-gap.png"), full_page=True)
    assert page.console_errors == []


def test_an_editor_adds_a_risk_sets_its_treatment_links_a_control_and_the_plan_shows_it(
    page: Any, live_server: str, browser_sign_in: SignIn
) -> None:
    browser_sign_in(page, "editor")
    page.goto(f"{live_server}/risks")
    page.click("details.add summary")
    page.fill("#risk-add [name=title]", "Laptop theft exposes customer exports")
    page.select_option("#risk-add [name=likelihood]", "3")
    page.select_option("#risk-add [name=impact]", "4")
    page.click("#risk-add button[type=submit]")
    page.wait_for_url("**/risks/R-*?notice=*")
    risk_id = page.url.split("/risks/")[1].split("?")[0]
    page.select_option("#risk-edit [name=treatment]", "modify")
    page.fill("#risk-edit [name=controls]", "NW-AC-04")
    page.fill("#risk-edit [name=plan]", "Encrypt every laptop disk; remote wipe")
    page.click("form#risk-edit button[type=submit]")
    page.wait_for_load_state()
    assert "changed" in page.locator(".notice").inner_text()
    page.goto(f"{live_server}/risks")
    with page.expect_download() as got:
        page.click("a[href='/risks/treatment-plan.xlsx']")
    book = load_workbook(io.BytesIO(Path(got.value.path()).read_bytes()), read_only=True)
    rows = [
        [str(c) if c is not None else "" for c in row]
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
    ]
    ours = [row for row in rows if risk_id in row]
    assert ours, f"{risk_id} is in the treatment plan"
    text = " ".join(ours[0])
    assert "NW-AC-04" in text and "Encrypt every laptop disk" in text and "modify" in text
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "editor-risk-plan.png"), full_page=True)
    assert page.console_errors == []
