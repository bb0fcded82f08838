"""The journeys of the issue in a real browser (Debian's Chromium driven by Playwright).

Screenshots of the dashboard, the explorer and the SoA editor land in
``artifacts/screenshots/`` for CI to keep.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from crosswalk.services.mapping.library import open_library
from crosswalk.services.program.dashboard import build_dashboard
from tests.conftest import DEMO_TODAY
from tests.web.conftest import ARTIFACTS, SignIn, WebWorkspace

pytestmark = pytest.mark.slow


def shoot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1440, "height": 900})
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))  # the first screen, as a user sees it
    page.screenshot(path=str(ARTIFACTS / f"{name}-full.png"), full_page=True)
    assert path.stat().st_size > 10_000  # a rendered page, not a blank one
    return path


def iso_covered(web: WebWorkspace) -> tuple[int, int]:
    with web.session() as session:
        board = build_dashboard(session, open_library(), DEMO_TODAY)
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


def test_explorer_opens_iso_a_5_15_and_reads_its_mappings(
    page: Any, live_server: str, browser_sign_in: SignIn
) -> None:
    browser_sign_in(page, "editor")
    page.click("nav >> text=Explorer")
    page.fill("input[name=q]", "a.5.15")
    page.click("form.searchbar button[type=submit]")
    page.click('a[href="/explorer/iso27001-2022%3AA.5.15"] >> nth=0')
    page.wait_for_url("**/explorer/iso27001-2022*A.5.15")
    assert "Access control" in page.locator("h1").inner_text()
    soc2 = page.locator('#mappings tr[data-ref="CC6.1"]').first
    assert soc2.count() == 1
    text = soc2.inner_text().lower()
    assert "intersects with" in text or "subset of" in text or "superset of" in text
    assert "soc2-to-iso27001-2022" in page.locator("#mappings").inner_text()
    shoot(page, "explorer")
    assert page.console_errors == []


def test_edit_a_control(page: Any, live_server: str, browser_sign_in: SignIn) -> None:
    browser_sign_in(page, "control_owner")  # Dana edits one of her own controls
    page.goto(f"{live_server}/controls/NW-AC-02")
    new_text = "SSO through Okta for every workforce app; exceptions approved by the CISO."
    page.fill("#edit-control [name=description]", new_text)
    page.click("#edit-control button[type=submit]")
    page.wait_for_url("**/controls/NW-AC-02?notice=*")
    assert new_text in page.content()
    assert page.locator(".notice").count() == 1
    page.goto(f"{live_server}/trail")
    assert "dana@northwind.example" in page.locator("main").inner_text()
    assert page.console_errors == []


def test_upload_evidence_by_drag_and_drop_and_see_it_count_for_an_iso_control(
    page: Any, live_server: str, browser_sign_in: SignIn
) -> None:
    browser_sign_in(page, "editor")
    page.goto(f"{live_server}/gap")
    row = page.locator('#annex-a tr[data-ref="A.7.14"]')
    assert row.get_attribute("data-verdict") == "partial"  # operating, but no fresh evidence
    page.goto(f"{live_server}/evidence")
    page.evaluate(
        """() => {
          const transfer = new DataTransfer();
          transfer.items.add(new File(["asset,wiped_on\\nLT-0042,2026-11-20\\n"],
                                      "disposal-log-2026-11.csv", {type: "text/csv"}));
          const zone = document.querySelector(".dropzone");
          zone.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true,
                                                    cancelable: true}));
        }"""
    )
    assert page.locator(".dropzone-file").inner_text() == "disposal-log-2026-11.csv"
    page.fill("#upload-evidence [name=title]", "Equipment disposal log, November")
    page.fill("#evidence-controls", "NW-AC-06")
    page.click("#upload-evidence button[type=submit]")
    page.wait_for_url("**/evidence?notice=*")
    assert "Equipment disposal log, November" in page.locator("main").inner_text()
    page.goto(f"{live_server}/gap")
    # fresh now; CC6.5's other control is on paper, so the criterion route is "likely"
    assert row.get_attribute("data-verdict") == "likely"
    assert page.console_errors == []


def test_an_soa_exclusion_without_a_reason_is_refused(
    page: Any, live_server: str, browser_sign_in: SignIn
) -> None:
    browser_sign_in(page, "editor")
    page.goto(f"{live_server}/soa")
    shoot(page, "soa-editor")
    page.goto(f"{live_server}/soa?edit=A.5.1")
    form = page.locator('form[id="soa-edit-A.5.1"]')
    form.locator("select[name=applicable]").select_option("no")
    form.locator("textarea[name=exclusion_reason]").fill("")
    output = form.locator("[data-check-output]")
    output.and_(page.locator(".validation.bad")).wait_for()
    assert "reason" in output.inner_text().lower()
    assert form.locator("button[type=submit]").is_disabled()  # live validation holds it
    shoot(page, "soa-editor-validation")
    form.evaluate("f => f.submit()")  # post it anyway: the server refuses too
    page.wait_for_load_state()
    alert = page.locator('[role="alert"]').first
    assert "reason" in alert.inner_text().lower()
    soa = page.evaluate("async () => (await (await fetch('/api/soa')).json())")
    a51 = next(row for row in soa["entries"] if row["ref"] == "A.5.1")
    assert a51["applicable"] is True  # nothing changed
    assert [e for e in page.console_errors if "400" not in e] == []


def test_the_auditor_sees_no_edit_controls_and_a_forged_post_is_refused(
    page: Any, live_server: str, browser_sign_in: SignIn
) -> None:
    browser_sign_in(page, "auditor")
    assert "read-only" in page.locator(".topbar").inner_text()
    for path in ("/controls/NW-AC-02", "/soa?edit=A.5.1", "/evidence", "/risks"):
        page.goto(f"{live_server}{path}")
        forms = page.locator("main form[method=post]")
        assert forms.count() == 0, path  # only the sign-out form, in the top bar
    page.goto(f"{live_server}/controls/NW-AC-02")
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    forged = page.request.post(
        f"{live_server}/controls/NW-AC-02",
        form={"csrf_token": token, "description": "changed by the auditor"},
    )
    assert forged.status == 403
    api = page.request.patch(
        f"{live_server}/api/controls/NW-AC-02",
        data={"description": "changed by the auditor"},
        headers={"X-CSRF-Token": token},
    )
    assert api.status == 403
    page.reload()
    assert "changed by the auditor" not in page.content()


def test_the_plan_and_the_confirmation_round_in_the_browser(
    page: Any, live_server: str, browser_sign_in: SignIn
) -> None:
    browser_sign_in(page, "control_owner")
    page.goto(f"{live_server}/plan?target=2027-06-30")
    assert page.locator("#plan-summary svg").count() == 1  # the timeline
    first = page.locator("#phase-stage-1-blockers tbody tr").first
    assert first.get_attribute("data-key") in {"stage-1-blockers:6.1.3", "stage-1-blockers:10.2"}
    shoot(page, "plan")
    page.goto(f"{live_server}/confirmations")
    form = page.locator("form.confirm-form").first
    ref = form.locator("input[name=requirement]").get_attribute("value")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/confirmations?notice=*")
    assert f": {ref}" in page.locator(".notice, .flash, main").first.inner_text()
    page.goto(f"{live_server}/gap")
    assert page.locator(f'#annex-a tr[data-ref="{ref}"]').get_attribute("data-verdict") == (
        "covered"
    )
    shoot(page, "gap")
    assert page.console_errors == []
