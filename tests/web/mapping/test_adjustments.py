"""The team's adjustments on the web: editors adjust an edge from the explorer or the API;
auditors and control owners are refused (403) and nothing is written."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from crosswalk.store.maintenance_models import MappingAdjustmentRow
from tests.web.conftest import SignIn, WebWorkspace

CC64 = "soc2-tsc-2017:CC6.4"
A72 = "iso27001-2022:A.7.2"
BODY = {
    "source": CC64,
    "target": A72,
    "relationship": "intersects_with",
    "strength": 5,
    "because": "No delivery or loading areas in the badge system",
}


def _count(web: WebWorkspace) -> int:
    with web.session() as session:
        return int(session.scalar(select(func.count()).select_from(MappingAdjustmentRow)) or 0)


@pytest.mark.parametrize("role", ["auditor", "control_owner"])
def test_auditors_and_control_owners_may_not_adjust_the_crosswalk(
    web: WebWorkspace, role: str
) -> None:
    client = web.client(role)
    api = client.http.post("/api/adjustments", json=BODY, headers=client.headers())
    assert api.status_code == 403, api.text
    form = client.post("/adjustments", data={**BODY, "strength": "5", "back": A72})
    assert form.status_code == 403
    assert _count(web) == 0
    page = client.http.get(f"/explorer/{A72}")
    assert page.status_code == 200 and "adjust-edge" not in page.text


def test_an_editor_adjusts_an_edge_and_every_verdict_and_the_trail_show_it(
    web: WebWorkspace,
) -> None:
    editor = web.client("editor")
    saved = editor.http.post("/api/adjustments", json=BODY, headers=editor.headers())
    assert saved.status_code == 200, saved.text
    assert saved.json()["kind"] == "changed"
    assert _count(web) == 1

    gap: dict[str, Any] = editor.http.get("/api/gap").json()
    [a72] = [v for v in gap["annex_a"] if v["ref"] == "A.7.2"]
    adjusted = [c for c in a72["criteria"] if c["criterion"] == "CC6.4"]
    assert adjusted and adjusted[0]["adjusted"] == BODY["because"]
    assert adjusted[0]["strength"] == 5 and adjusted[0]["relationship"] == "intersects_with"
    assert a72["verdict"] != "covered"  # an intersects_with route never covers on its own

    page = editor.http.get(f"/explorer/{A72}").text
    assert "adjusted by the team" in page and BODY["because"] in page
    listed = editor.http.get("/api/adjustments").json()
    assert [(a["edge"], a["reason"]) for a in listed] == [(f"{CC64} -> {A72}", BODY["because"])]
    trail = editor.http.get("/api/trail", params={"entity": "mapping_adjustment"}).json()
    assert trail["entries"] and trail["entries"][0]["actor"] == "editor@northwind.example"
    assert BODY["because"] in str(trail["entries"][0])
    assert editor.http.get("/api/trail/verify").json()["intact"] is True

    undone = editor.http.post(
        "/api/adjustments/undo", json={"source": CC64, "target": A72}, headers=editor.headers()
    )
    assert undone.status_code == 200 and _count(web) == 0


def test_a_bad_adjustment_form_keeps_what_was_typed_and_writes_nothing(
    web: WebWorkspace,
) -> None:
    editor = web.client("editor")
    refused = editor.post(
        "/adjustments", data={"source": CC64, "target": "iso27001-2022:A.5.23", "because": "x"}
    )
    assert refused.status_code == 400
    assert "new edge" in refused.text and "iso27001-2022:A.5.23" in refused.text
    assert _count(web) == 0


def test_adjust_an_edge_from_the_explorer_in_the_browser(
    page: Any, live_server: str, browser_sign_in: SignIn
) -> None:
    browser_sign_in(page, "editor")
    page.goto(f"{live_server}/explorer/{A72}")
    row = page.locator('#mappings tr[data-ref="CC6.4"]').first
    row.locator("details.adjust summary").click()
    form = row.locator("form.adjust-edge")
    form.locator("select[name=relationship]").select_option("intersects_with")
    form.locator("input[name=strength]").fill("5")
    form.locator("input[name=because]").fill(BODY["because"])
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/explorer/iso27001-2022(:|%3A)A\.7\.2\?notice=.*"))
    cell = page.locator('#mappings tr[data-ref="CC6.4"]').first.inner_text()
    assert "adjusted by the team" in cell and BODY["because"] in cell
    page.goto(f"{live_server}/adjustments")
    assert BODY["because"] in page.locator("#adjustments").inner_text()
    assert page.console_errors == []


def test_a_strength_of_non_ascii_digits_is_refused_with_the_reason(web: WebWorkspace) -> None:
    """``"¹"`` counts as a digit to ``str.isdigit`` but is no number: 400 naming the
    strength, nothing written (it was a 500)."""
    editor = web.client("editor")
    form = editor.post("/adjustments", data={**BODY, "strength": "¹", "back": A72})
    assert form.status_code == 400, form.text
    assert "strength" in form.text
    assert _count(web) == 0
