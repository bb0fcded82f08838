"""Issue 19 in a real browser: an editor records a breach, sees the countdown on the
dashboard, records the notification, and the report moves Art. 33 from open to met."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.web.conftest import SignIn
from tests.web.test_browser import shoot

pytestmark = pytest.mark.slow


def _ago(hours: float) -> str:
    return (datetime.now(UTC) - timedelta(hours=hours)).strftime("%Y-%m-%d %H:%M")


def _art33(page: Any, live_server: str) -> str:
    page.goto(f"{live_server}/gdpr")
    state: str = page.locator('tr[data-article="Art. 33"]').get_attribute("data-state")
    return state


def test_a_breach_from_record_to_notification(
    page: Any, live_server: str, browser_sign_in: SignIn
) -> None:
    browser_sign_in(page, "editor")
    page.click("nav >> text=Incidents")
    page.click("#incident-add-box summary")
    form = page.locator("#incident-add")
    form.locator("[name=incident_id]").fill("INC-BROWSER")
    form.locator("[name=title]").fill("Customer list sent to the wrong address")
    form.locator("[name=detected]").fill(_ago(66))
    form.locator("[name=aware]").fill(_ago(65))
    form.locator("[name=zone]").select_option("UTC")
    form.locator("[name=personal_data]").select_option("yes")
    form.locator("[name=risk]").select_option("risk")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/incidents/INC-BROWSER?notice=*")
    assert "due in" in page.locator("#incident-clock").inner_text()
    assert _art33(page, live_server) == "open"

    page.click("nav >> text=Dashboard")
    banner = page.locator("#breach-banner")
    assert "INC-BROWSER" in banner.inner_text()
    countdown = banner.locator(".countdown").inner_text()
    assert countdown.startswith("due in 6 h") or countdown.startswith("due in 7 h")
    shoot(page, "dashboard-breach-clock")

    page.click("#breach-banner >> text=INC-BROWSER")
    page.wait_for_url("**/incidents/INC-BROWSER")
    notify = page.locator("#incident-notify")
    notify.locator("[name=notified]").fill(_ago(0))
    notify.locator("[name=authority]").fill("BfDI")
    notify.locator("button[type=submit]").click()
    page.wait_for_url("**/incidents/INC-BROWSER?notice=*")
    assert "notified on time" in page.locator("#incident-clock").inner_text()
    assert _art33(page, live_server) == "met by this module's records"
    shoot(page, "gdpr-report")
    page.goto(f"{live_server}/")
    assert page.locator("#breach-banner").count() == 0
    assert page.console_errors == []
