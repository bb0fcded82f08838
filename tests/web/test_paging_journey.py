"""Issue 17's paging journey in Chromium: every list that can grow (controls, evidence, the
trail, the risk register) is walked with its own "next" link from the first page to the
last; every item is met exactly once, and as many as the API counts."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import ARTIFACTS, SignIn

pytestmark = pytest.mark.slow


def _walk(page: Any, start: str, rows: str, key: str) -> list[str]:
    page.goto(start)
    seen: list[str] = []
    for _ in range(200):
        seen += [str(r.get_attribute(key)) for r in page.locator(rows).all()]
        following = page.locator("nav.pager a[rel=next]")
        if following.count() == 0:
            return seen
        following.first.click()
        page.wait_for_load_state()
    raise AssertionError(f"{start}: more than 200 pages")


def test_every_list_pages_from_first_to_last_meeting_each_item_once(
    page: Any, live_server: str, browser_sign_in: SignIn
) -> None:
    browser_sign_in(page, "admin")
    page.goto(f"{live_server}/")
    token = page.evaluate("() => document.querySelector('meta[name=csrf-token]').content")
    headers = {"X-CSRF-Token": token}
    for number in range(140):  # past the controls list's 200 a page
        answer = page.request.post(
            f"{live_server}/api/controls",
            data={"control_id": f"NW-PG-{number:03d}", "title": f"Paged control {number}"},
            headers=headers,
        )
        assert answer.status == 201, answer.text()
    for number in range(30):  # past the register's 50 a page
        answer = page.request.post(
            f"{live_server}/api/risks",
            data={"title": f"Paged risk {number}", "likelihood": 2, "impact": 2},
            headers=headers,
        )
        assert answer.status == 201, answer.text()
    api = page.request
    totals = {
        "controls": api.get(f"{live_server}/api/controls").json()["total"],
        "risks": api.get(f"{live_server}/api/risks").json()["summary"]["risks"],
        "evidence": api.get(f"{live_server}/api/evidence?per_page=1").json()["counts"]["total"],
    }
    lists = {
        "controls": (f"{live_server}/controls", "tr[data-control]", "data-control"),
        "evidence": (f"{live_server}/evidence", "tr[data-evidence]", "data-evidence"),
        "risks": (f"{live_server}/risks", "tr[data-risk]", "data-risk"),
        "trail": (f"{live_server}/trail?limit=100", "tr[data-entry]", "data-entry"),
    }
    walked = {name: _walk(page, *where) for name, where in lists.items()}
    for name, seen in walked.items():
        assert len(seen) == len(set(seen)), f"{name}: an item met twice"
        if name in totals:
            assert len(seen) == totals[name], (name, len(seen), totals[name])
    assert len(walked["trail"]) > 400  # the demo's whole history, a hundred at a time
    trail_ids = [int(i) for i in walked["trail"]]
    assert trail_ids == sorted(trail_ids, reverse=True) and trail_ids[-1] == 1
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "paging-last-trail-page.png"), full_page=True)
    assert page.console_errors == []
