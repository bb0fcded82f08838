"""In a real browser (Debian's Chromium driven by Playwright): an editor adds an AI system,
answers the questionnaire, sees it classified high-risk with the reason, and sees its
obligations with both dates and their ISMS coverage."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import SignIn
from tests.web.test_browser import shoot

pytestmark = pytest.mark.slow


def test_an_editor_classifies_a_cv_screening_model_as_high_risk(
    page: Any, live_server: str, browser_sign_in: SignIn
) -> None:
    browser_sign_in(page, "editor")
    page.click("nav >> text=AI systems")
    page.wait_for_url("**/ai")
    assert "does not replace, a legal assessment" in page.locator("#legal-notice").inner_text()
    page.click("details.add > summary")
    form = page.locator("#ai-add")
    form.locator("[name=system_id]").fill("talent-ranker")
    form.locator("[name=name]").fill("Talent ranker")
    form.locator("[name=role-provider]").check()
    form.locator("[name=purpose]").fill("Ranks job applications for recruiters")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/ai/talent-ranker?notice=*")
    assert page.locator("#tier [data-tier]").inner_text().strip() == "not classified"

    questionnaire = page.locator("#ai-classify")
    questionnaire.locator("select[name=q-annex_iii_area]").select_option("employment")
    questionnaire.locator("select[name=q-profiling]").select_option("yes")
    questionnaire.locator("select[name=q-derogation_preparatory]").select_option("yes")
    questionnaire.locator("button[type=submit]").click()
    page.wait_for_url("**/ai/talent-ranker?notice=*")

    assert page.locator("#tier [data-tier]").inner_text().strip() == "high-risk"
    assert "Art. 6(3) last subparagraph" in page.locator("#tier-article").inner_text()
    reasons = page.locator("#reasons").inner_text()
    assert "profiling of natural persons: always high-risk" in reasons
    assert "Annex III(4)" in reasons

    art9 = page.locator('#obligations tr[data-ref="Art. 9"]')
    assert art9.locator(".original-date").inner_text().strip() == "2026-08-02"
    assert art9.locator(".amended-date").inner_text().startswith("2027-12-02")
    assert art9.locator(".effective-date").inner_text().strip() == "2027-12-02"
    assert art9.locator(".coverage").get_attribute("data-carried") == "partly carried by the ISMS"
    assert "6.1.2" in art9.locator(".coverage").inner_text()
    art10 = page.locator('#obligations tr[data-ref="Art. 10"] .coverage')
    assert art10.get_attribute("data-carried") == "AI-specific work"
    shoot(page, "ai-system")
    assert page.console_errors == []
