"""Adding a risk from the web (issue 17): checked with the register's own rules, nothing
saved on refusal, and the new risk is in the treatment plan export."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import func, select

from crosswalk.store.isms_models import RiskRow
from tests.web.conftest import WebWorkspace


def _count(web: WebWorkspace) -> int:
    with web.session() as session:
        return int(session.scalar(select(func.count()).select_from(RiskRow)) or 0)


def _form(**changes: str) -> dict[str, str]:
    data = {
        "risk_id": "R-90",
        "title": "Phishing of finance staff",
        "category": "information asset",
        "owner": "Priya Raman (CISO)",
        "likelihood": "4",
        "impact": "4",
        "treatment": "modify",
        "controls": "NW-AC-04",
        "annex_a": "A.6.3",
        "plan": "Quarterly phishing drills",
        "due": "2026-09-30",
        "residual_likelihood": "2",
        "residual_impact": "3",
    }
    return {**data, **changes}


def test_an_editor_adds_a_risk_that_the_treatment_plan_shows(web: WebWorkspace) -> None:
    editor = web.client("editor")
    assert 'id="risk-add"' in editor.http.get("/risks").text
    added = editor.post("/risks", data=_form())
    assert added.status_code == 303 and added.headers["location"].startswith("/risks/R-90")
    risk = editor.http.get("/api/risks/R-90").json()
    assert risk["controls"] == ["NW-AC-04"] and risk["treatment"] == "modify"
    book = load_workbook(
        io.BytesIO(editor.http.get("/risks/treatment-plan.xlsx").content), read_only=True
    )
    rows = [r for r in book["Treatment plan"].iter_rows(values_only=True) if r and "R-90" in r]
    assert rows and "Phishing of finance staff" in rows[0]


def test_a_bad_value_is_named_and_nothing_is_saved(web: WebWorkspace) -> None:
    editor = web.client("editor")
    before = _count(web)
    for changes, words in (
        ({"likelihood": "9"}, "9"),
        ({"controls": "NW-NOPE-1"}, "NW-NOPE-1"),
        ({"annex_a": "A.9.99"}, "A.9.99"),
        ({"treatment": "ignore"}, "treatment"),
        ({"due": "next week"}, "due date"),
        ({"title": ""}, "title"),
    ):
        refused = editor.post("/risks", data=_form(**changes))
        assert refused.status_code == 400, changes
        assert words in refused.text and 'id="risk-add-error"' in refused.text, changes
    assert _count(web) == before


def test_owners_and_auditors_cannot_add_risks(web: WebWorkspace) -> None:
    before = _count(web)
    for role in ("control_owner", "auditor"):
        client = web.client(role)
        assert 'id="risk-add"' not in client.http.get("/risks").text
        assert client.post("/risks", data=_form(risk_id=f"R-{role}")).status_code == 403
    assert _count(web) == before


def test_the_api_twin_adds_and_names_a_bad_value(web: WebWorkspace) -> None:
    editor = web.client("editor")
    made = editor.http.post(
        "/api/risks",
        json={
            "title": "Courier loses backup tapes",
            "likelihood": 2,
            "impact": 5,
            "controls": ["NW-AC-04"],
            "treatment": "share",
        },
        headers=editor.headers(),
    )
    assert made.status_code == 201, made.text
    assert made.json()["title"] == "Courier loses backup tapes"
    assert made.json()["treatment"] == "share"
    assert made.json()["risk_id"].startswith("R-")  # no id given: the next free one
    before = _count(web)
    bad = editor.http.post(
        "/api/risks",
        json={"title": "X", "likelihood": 2, "impact": 5, "annex_a": ["A.9.99"]},
        headers=editor.headers(),
    )
    assert bad.status_code == 400 and "A.9.99" in bad.json()["detail"]
    assert _count(web) == before
