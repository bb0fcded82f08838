"""A PATCH that sends null for a field every record has (a title, a date held, a score) is
refused with 422 naming the field, and changes nothing; it never reaches the service as
None (found by the API fuzz test: each of these was a 500). Null still clears the fields
that may be empty (an auditor, a chair, an owner, a due date)."""

from __future__ import annotations

import pytest

from tests.web.conftest import WebWorkspace

REFUSED = [
    ("/api/audits/IA-2026-01", "title"),
    ("/api/audits/IA-2026-01", "scope"),
    ("/api/audits/IA-2026-01", "findings"),
    ("/api/reviews/MR-2026-01", "held_on"),
    ("/api/reviews/MR-2026-01", "attendees"),
    ("/api/reviews/MR-2026-01", "inputs"),
    ("/api/reviews/MR-2026-01", "decisions"),
    ("/api/reviews/MR-2026-01", "outputs"),
    ("/api/nonconformities/NC-2026-01", "source"),
    ("/api/nonconformities/NC-2026-01", "source_ref"),
    ("/api/nonconformities/NC-2026-01", "description"),
    ("/api/nonconformities/NC-2026-01", "correction"),
    ("/api/risks/R-01", "title"),
    ("/api/risks/R-01", "description"),
    ("/api/risks/R-01", "category"),
    ("/api/risks/R-01", "inherent_likelihood"),
    ("/api/risks/R-01", "inherent_impact"),
    ("/api/risks/R-01", "treatment"),
    ("/api/risks/R-01", "plan"),
]


def _record(web: WebWorkspace, url: str) -> object:
    reader = web.client("auditor")
    if url.startswith(("/api/audits/", "/api/reviews/")):  # listed, not served one by one
        collection, _, key = url.rpartition("/")
        listed = reader.http.get(collection).json()
        items = listed["audits"] if isinstance(listed, dict) else listed
        return next(i for i in items if key in (i.get("audit_id"), i.get("review_id")))
    return reader.http.get(url).json()


@pytest.mark.parametrize(("url", "field"), REFUSED)
def test_null_for_a_field_every_record_has_is_refused_naming_it(
    web: WebWorkspace, url: str, field: str
) -> None:
    editor = web.client("editor")
    before = _record(web, url)
    answer = editor.http.patch(url, json={field: None}, headers=editor.headers())
    assert answer.status_code == 422, answer.text
    assert field in answer.json()["detail"]
    assert "null" in answer.json()["detail"]
    assert _record(web, url) == before


def test_the_schema_offers_null_only_where_it_clears_a_field(web: WebWorkspace) -> None:
    """What generated clients read: a field that refuses null does not offer it; one that
    may be empty offers it, and null clears it."""
    schemas = web.client().http.get("/api/openapi.json").json()["components"]["schemas"]
    models = {
        "/api/audits/": "AuditPatch",
        "/api/reviews/": "ReviewPatch",
        "/api/nonconformities/": "NcPatch",
        "/api/risks/": "RiskPatch",
    }
    for url, field in REFUSED:
        model = next(name for prefix, name in models.items() if url.startswith(prefix))
        shown = schemas[model]["properties"][field]
        assert "null" not in str(shown.get("anyOf", shown.get("type"))), (model, field, shown)
    assert {"type": "null"} in schemas["NcPatch"]["properties"]["owner"]["anyOf"]
    editor = web.client("editor")
    cleared = editor.http.patch(
        "/api/nonconformities/NC-2026-01", json={"owner": None}, headers=editor.headers()
    )
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["nonconformity"]["owner"] is None
    chair = editor.http.patch(
        "/api/reviews/MR-2026-01", json={"chair": None}, headers=editor.headers()
    )
    assert chair.status_code == 200, chair.text
