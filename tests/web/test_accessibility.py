"""Every page against WCAG 2.1 A and AA with axe-core (issue 17): no serious or critical
violation. axe-core is the npm package, installed by `.ci/run` into `.ci/axe/` (never from
a CDN); CROSSWALK_AXE_JS names another copy."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import SignIn

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
AXE = Path(
    os.environ.get("CROSSWALK_AXE_JS")
    or REPO / ".ci" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
)
PAGES = [
    "/", "/controls", "/controls/NW-AC-04", "/evidence", "/gap", "/plan", "/window",
    "/confirmations", "/explorer", "/explorer/iso27001-2022:A.5.15", "/matrix", "/adjustments",
    "/soa", "/risks", "/risks/R-01", "/scope", "/assets", "/objectives", "/policies",
    "/audits", "/reviews", "/nonconformities", "/trail", "/users", "/ai", "/incidents",
    "/processing", "/subject-requests", "/gdpr", "/mapping-reviews", "/jobs", "/no-such-page",
]  # fmt: skip
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _violations(page: Any) -> list[str]:
    # through the browser's debugging protocol: the app's Content-Security-Policy keeps
    # inline scripts out, and rightly; this is not one
    page.evaluate(AXE.read_text(encoding="utf-8"))
    # the forms folded into <details> (add, update, retire) are checked too
    page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
    found = page.evaluate(
        """async (tags) => {
          const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
          return result.violations
            .filter(v => v.impact === "serious" || v.impact === "critical")
            .map(v => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3)
              .map(n => n.target.join(" ")).join(", ")}`);
        }""",
        RULES,
    )
    return list(found)


def test_every_page_has_no_serious_or_critical_accessibility_violation(
    page: Any, live_server: str, browser_sign_in: SignIn
) -> None:
    if not AXE.is_file():
        pytest.skip(f"axe-core not found at {AXE}: .ci/run installs it (npm install axe-core)")
    page.goto(f"{live_server}/login")
    problems = {"/login": _violations(page)}
    browser_sign_in(page, "admin")
    for path in PAGES:
        page.goto(f"{live_server}{path}")
        problems[path] = _violations(page)
    found = {path: found for path, found in problems.items() if found}
    assert found == {}, "\n".join(f"{p}: {v}" for p, found in found.items() for v in found)
