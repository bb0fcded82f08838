"""The confirmation round on the web: an owner confirms their own controls, and the gap page
and API change accordingly; nobody confirms someone else's control."""

from __future__ import annotations

from crosswalk.services.coverage.gap import run_gap
from crosswalk.services.coverage.rounds import owner_rounds
from crosswalk.services.mapping.library import open_library
from tests.conftest import DEMO_TODAY
from tests.web.conftest import OWNER_NAME, WebWorkspace


def _verdict(web: WebWorkspace, ref: str) -> str:
    with web.session() as session:
        return str(run_gap(session, open_library(), today=DEMO_TODAY).find(ref).verdict)


def test_an_owner_sees_only_their_round_and_confirming_makes_it_covered(web: WebWorkspace) -> None:
    owner = web.client("control_owner")
    rounds = owner.http.get("/api/confirmations/likely", params={"owner": "Priya"}).json()
    assert [r["owner"] for r in rounds] == [OWNER_NAME]  # their own, whatever they ask
    item = rounds[0]["items"][0]
    control = item["candidates"][0]["control_id"]
    page = owner.http.get("/confirmations")
    assert page.status_code == 200
    assert f'data-control="{control}"' in page.text and 'name="csrf_token"' in page.text
    assert _verdict(web, item["ref"]) == "likely"

    done = owner.post(
        "/confirmations",
        data={"control_id": control, "requirement": item["ref"], "meets": "full"},
    )

    assert done.status_code == 303 and done.headers["location"].startswith("/confirmations")
    assert _verdict(web, item["ref"]) == "covered"
    gap = owner.http.get("/api/gap").json()
    assert {v["ref"]: v["verdict"] for v in gap["annex_a"]}[item["ref"]] == "covered"
    again = owner.http.get("/api/confirmations/likely").json()
    assert item["ref"] not in {i["ref"] for r in again for i in r["items"]}


def test_partial_keeps_it_partial_with_the_missing_part_and_others_are_refused(
    web: WebWorkspace,
) -> None:
    with web.session() as session:
        rounds = owner_rounds(run_gap(session, open_library(), today=DEMO_TODAY))
    theirs = next(r for r in rounds if r.owner == OWNER_NAME)
    other = next(r for r in rounds if r.owner not in {OWNER_NAME, "(no owner)"})
    owner = web.client("control_owner")
    foreign = other.items[0]
    refused = owner.post(
        "/confirmations",
        data={
            "control_id": foreign.candidates[0].control_id,
            "requirement": foreign.ref,
            "meets": "full",
        },
    )
    assert refused.status_code == 403
    assert _verdict(web, foreign.ref) == "likely"  # nothing changed

    item = theirs.items[0]
    editor = web.client("editor")
    answer = editor.http.post(
        "/api/confirmations",
        json={
            "control_id": item.candidates[0].control_id,
            "requirement": item.ref,
            "meets": "partial",
            "missing": "no written procedure yet",
        },
        headers=editor.headers(),
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["verdict"] == "partial"
    assert any("no written procedure yet" in r for r in body["why_not_higher"])
    auditor = web.client("auditor")
    assert (
        auditor.post(
            "/confirmations",
            data={"control_id": item.candidates[0].control_id, "requirement": item.ref},
        ).status_code
        == 403
    )


def test_a_bad_answer_keeps_the_owner_on_the_page_and_changes_nothing(web: WebWorkspace) -> None:
    owner = web.client("control_owner")
    rounds = owner.http.get("/api/confirmations/likely").json()
    item = rounds[0]["items"][0]
    control = item["candidates"][0]["control_id"]
    answer = owner.post(
        "/confirmations",
        data={"control_id": control, "requirement": item["ref"], "meets": "partial"},
    )
    assert answer.status_code == 400
    assert 'id="confirm-error"' in answer.text and "what is missing" in answer.text
    assert _verdict(web, item["ref"]) == "likely"
    spoofed = owner.http.get("/confirmations", params={"status_code": 500, "error": "x"})
    assert spoofed.status_code == 200 and 'id="confirm-error"' not in spoofed.text
