"""Mapping reviews and flags from the web (issue 17): a set's review recorded clears its
flags, an owner and cadence are named, a single flag is cleared; refusals are named beside
the form and change nothing; each has a JSON twin."""

from __future__ import annotations

import html
from datetime import date

from crosswalk.services.mapping.flags import open_flags, raise_flag
from crosswalk.services.mapping.reviews import mapping_review_status
from tests.web.conftest import WebWorkspace

SET = "soc2-to-iso27001-2022"


def _flag(web: WebWorkspace, subject: str = SET, kind: str = "mapping_set") -> int:
    with web.session() as session:
        flag = raise_flag(
            session, kind, subject, "the target framework has a new version", "test", date.today()
        )
        session.commit()
        return flag.id


def _status(web: WebWorkspace, set_id: str = SET) -> object:
    from crosswalk.catalogs.loader import load_library

    with web.session() as session:
        found = mapping_review_status(session, load_library(), date(2026, 12, 1))
    return next(s for s in found if s.mapping_set == set_id)


def test_the_page_lists_every_set_and_an_editor_records_a_review(web: WebWorkspace) -> None:
    flag_id = _flag(web)
    editor = web.client("editor")
    page = editor.http.get("/mapping-reviews")
    assert page.status_code == 200
    assert f'data-set="{SET}"' in page.text and f'data-flag="{flag_id}"' in page.text
    done = editor.post(
        f"/mapping-reviews/{SET}/review",
        data={"by": "Priya Raman (CISO)", "on": "2026-11-30", "note": "read every CC6 row"},
    )
    assert done.status_code == 303, done.text
    assert "1 flags cleared" in html.unescape(done.headers["location"]).replace("%20", " ")
    status = _status(web)
    assert status.last_reviewed_by == "Priya Raman (CISO)"  # type: ignore[attr-defined]
    assert status.last_reviewed_on == date(2026, 11, 30)  # type: ignore[attr-defined]
    with web.session() as session:
        assert all(f.id != flag_id for f in open_flags(session))


def test_an_owner_and_cadence_are_named_and_a_blank_owner_is_refused(web: WebWorkspace) -> None:
    editor = web.client("editor")
    refused = editor.post(
        f"/mapping-reviews/{SET}/owner", data={"owner": " ", "cadence_days": "90"}
    )
    assert refused.status_code == 400
    assert "owner cannot be empty" in html.unescape(refused.text)
    bad_days = editor.post(
        f"/mapping-reviews/{SET}/owner", data={"owner": "Jonas", "cadence_days": "soon"}
    )
    assert bad_days.status_code == 400 and "is not a whole number" in html.unescape(bad_days.text)
    assert _status(web).owner is None  # type: ignore[attr-defined]
    done = editor.post(
        f"/mapping-reviews/{SET}/owner", data={"owner": "Jonas", "cadence_days": "90"}
    )
    assert done.status_code == 303
    status = _status(web)
    assert status.owner == "Jonas" and status.cadence_days == 90  # type: ignore[attr-defined]


def test_an_unknown_set_is_refused_and_nothing_is_recorded(web: WebWorkspace) -> None:
    editor = web.client("editor")
    refused = editor.post("/mapping-reviews/no-such-set/review", data={"by": "Jonas"})
    assert refused.status_code == 400 and "no mapping set 'no-such-set'" in html.unescape(
        refused.text
    )
    api = editor.http.post(
        "/api/mapping-reviews/no-such-set/owner", json={"owner": "Jonas"}, headers=editor.headers()
    )
    assert api.status_code == 400


def test_one_flag_is_cleared_and_clearing_it_again_is_refused(web: WebWorkspace) -> None:
    flag_id = _flag(web, f"{SET}:soc2-tsc-2017:CC6.1->iso27001-2022:A.5.15", "edge")
    editor = web.client("editor")
    done = editor.post(f"/flags/{flag_id}/clear", data={"by": "Jonas"})
    assert done.status_code == 303
    again = editor.post(f"/flags/{flag_id}/clear", data={"by": "Jonas"})
    assert again.status_code == 400 and "already cleared by Jonas" in html.unescape(again.text)
    api = editor.http.post(f"/api/flags/{flag_id}/clear", json={}, headers=editor.headers())
    assert api.status_code == 400


def test_the_api_lists_reviews_records_one_and_the_auditor_sees_no_form(web: WebWorkspace) -> None:
    _flag(web)
    editor = web.client("editor")
    listed = editor.http.get("/api/mapping-reviews").json()
    assert any(s["mapping_set"] == SET and s["due"] for s in listed["sets"])
    assert listed["flags"] and listed["due"]
    recorded = editor.http.post(
        f"/api/mapping-reviews/{SET}/review", json={"note": "checked"}, headers=editor.headers()
    )
    assert recorded.status_code == 200, recorded.text
    body = recorded.json()
    assert body["review"]["reviewed_by"] and body["cleared_flags"]
    auditor = web.client("auditor")
    page = auditor.http.get("/mapping-reviews").text
    assert "set-review" not in page and "flag-clear" not in page
