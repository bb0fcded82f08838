"""The AI Act pages and their /api/ twins over the demo: add a system, answer the
questionnaire, see the tier with its reasons, obligations with both dates and ISMS coverage;
bad input refused naming the field with nothing written."""

from __future__ import annotations

from typing import Any

from tests.web.conftest import WebWorkspace

NOTICE = "does not replace, a legal assessment"


def _add(editor: Any, system_id: str = "hr-screen") -> Any:
    return editor.post(
        "/ai",
        data={
            "system_id": system_id,
            "name": "HR screening",
            "role-provider": "1",
            "source": "own",
            "purpose": "Rank job applications",
            "established_in_eu": "1",
            "output_in_eu": "1",
        },
    )


def test_add_classify_and_see_the_high_risk_obligations(web: WebWorkspace) -> None:
    editor = web.client("editor")
    added = _add(editor)
    assert added.status_code == 303, added.text
    assert added.headers["location"].startswith("/ai/hr-screen")
    answers = {f"q-{k}": "no" for k in ("art5_a", "profiling", "interacts_with_people")}
    answers |= {"q-annex_iii_area": "employment", "q-profiling": "yes"}
    done = editor.post("/ai/hr-screen/classify", data=answers)
    assert done.status_code == 303, done.text
    page = editor.http.get("/ai/hr-screen").text
    assert NOTICE in page
    assert 'data-tier="high-risk"' in page
    assert "profiling of natural persons: always high-risk" in page
    assert 'data-ref="Art. 9"' in page and "2027-12-02" in page and "2026-08-02" in page
    data = editor.http.get("/api/ai/systems/hr-screen").json()
    assert data["system"]["classification"]["tier"] == "high-risk"
    coverage = {o["ref"]: o["carried"] for o in data["coverage"]["obligations"]}
    assert coverage["Art. 10"] == "AI-specific work"
    listing = editor.http.get("/ai").text
    assert 'id="ai-hr-screen" data-tier="high-risk"' in listing


def test_unknown_role_via_api_is_refused_naming_it_and_nothing_written(
    web: WebWorkspace,
) -> None:
    editor = web.client("editor")
    before = editor.http.get("/api/ai/systems").json()["systems"]
    answer = editor.http.post(
        "/api/ai/systems",
        json={"system_id": "bot", "name": "Bot", "roles": ["vendor"]},
        headers=editor.headers(),
    )
    assert answer.status_code == 400
    assert "roles: unknown role 'vendor'" in answer.json()["detail"]
    assert editor.http.get("/api/ai/systems").json()["systems"] == before


def test_a_form_without_a_role_is_refused_and_kept(web: WebWorkspace) -> None:
    editor = web.client("editor")
    answer = editor.post("/ai", data={"system_id": "x", "name": "X", "source": "own"})
    assert answer.status_code == 400
    assert "roles: at least one role is needed" in answer.text
    assert 'value="x"' in answer.text  # the form keeps what was typed


def test_a_forced_tier_without_answers_is_refused_via_api(web: WebWorkspace) -> None:
    editor = web.client("editor")
    assert _add(editor).status_code == 303
    answer = editor.http.post(
        "/api/ai/systems/hr-screen/classify",
        json={"tier": "minimal", "tier_reason": "counsel"},
        headers=editor.headers(),
    )
    assert answer.status_code == 400 and answer.json()["detail"].startswith("tier:")
    assert editor.http.get("/api/ai/systems/hr-screen").json()["system"]["classification"] is None


def test_obligation_follow_up_and_deadlines_api(web: WebWorkspace) -> None:
    editor = web.client("editor")
    _add(editor)
    editor.http.post(
        "/api/ai/systems/hr-screen/classify",
        json={"answers": {"annex_iii_area": "employment"}},
        headers=editor.headers(),
    )
    got = editor.http.patch(
        "/api/ai/systems/hr-screen/obligations",
        json={"ref": "Art. 12", "status": "met", "owner": "Ana"},
        headers=editor.headers(),
    )
    assert got.status_code == 200, got.text
    assert (got.json()["status"], got.json()["owner"]) == ("met", "Ana")
    # the demo's today is 2026-11-27: Annex III duties (2027-12-02) are 12 months and 5 days out
    upcoming = editor.http.get("/api/ai/deadlines").json()
    assert not any(d["system_id"] == "hr-screen" for d in upcoming["deadlines"])
    later = editor.http.get("/api/ai/deadlines?months=13").json()
    assert {d["ref"] for d in later["deadlines"] if d["system_id"] == "hr-screen"} >= {"Art. 12"}


def test_the_auditor_reads_but_cannot_add(web: WebWorkspace) -> None:
    auditor = web.client("auditor")
    page = auditor.http.get("/ai")
    assert page.status_code == 200 and NOTICE in page.text
    assert 'id="ai-add"' not in page.text
    assert _add(auditor).status_code == 403


def test_the_follow_up_form_keeps_blank_fields_and_links_evidence(web: WebWorkspace) -> None:
    editor = web.client("editor")
    _add(editor)
    editor.post("/ai/hr-screen/classify", data={"q-annex_iii_area": "employment"})
    first = editor.post(
        "/ai/hr-screen/obligation",
        data={"obligation": "provider|Art. 12", "status": "in progress", "owner": "Ana"},
    )
    assert first.status_code == 303, first.text
    evidence = editor.http.get("/api/evidence").json()
    some = evidence[0]["id"] if isinstance(evidence, list) else evidence["evidence"][0]["id"]
    second = editor.post(
        "/ai/hr-screen/obligation",
        data={"obligation": "provider|Art. 12", "status": "", "owner": "", "evidence": str(some)},
    )
    assert second.status_code == 303, second.text
    rows = editor.http.get("/api/ai/systems/hr-screen").json()["obligations"]
    art12 = next(o for o in rows if o["obligation"]["ref"] == "Art. 12")
    assert (art12["status"], art12["owner"], art12["evidence"]) == ("in progress", "Ana", [some])
    bad = editor.post(
        "/ai/hr-screen/obligation", data={"obligation": "provider|Art. 12", "evidence": "x"}
    )
    assert bad.status_code == 400 and "evidence id &#39;x&#39; is not a whole number" in bad.text
