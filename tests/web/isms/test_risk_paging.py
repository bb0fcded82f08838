"""The risk register pages past 50 risks and finds by id, title, owner or treatment, in
the server (a register of hundreds of risks is not sent whole)."""

from __future__ import annotations

import re

from tests.web.conftest import WebWorkspace


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr id="risk-([^"]+)" data-risk=', html)


def test_the_register_pages_and_every_risk_is_on_exactly_one_page(web: WebWorkspace) -> None:
    editor = web.client("editor")
    for number in range(60):
        added = editor.http.post(
            "/api/risks",
            json={"title": f"Bulk risk {number}", "likelihood": 2, "impact": 2},
            headers=editor.headers(),
        )
        assert added.status_code == 201, added.text
    total = editor.http.get("/api/risks").json()["summary"]["risks"]
    first = editor.http.get("/risks").text
    assert len(_rows(first)) == 50 and "Page 1 of" in first
    seen: list[str] = []
    page, pages = 1, -(-total // 50)
    while True:
        html = editor.http.get("/risks", params={"page": page}).text
        seen += _rows(html)
        if page == pages:
            assert 'rel="next"' not in html
            break
        assert f'href="/risks?page={page + 1}" rel="next"' in html
        page += 1
    assert len(seen) == total and len(set(seen)) == total
    past = editor.http.get("/risks", params={"page": 999}).text
    assert _rows(past) == _rows(html)  # past the end: the last page


def test_finding_narrows_the_register_and_keeps_the_query_while_paging(web: WebWorkspace) -> None:
    editor = web.client("editor")
    for number in range(55):
        editor.http.post(
            "/api/risks",
            json={"title": f"Laptop theft {number}", "likelihood": 2, "impact": 3},
            headers=editor.headers(),
        )
    found = editor.http.get("/risks", params={"q": "laptop theft"}).text
    assert "55 of" in found and len(_rows(found)) == 50
    assert 'href="/risks?q=laptop+theft&amp;page=2" rel="next"' in found
    second = editor.http.get("/risks", params={"q": "laptop theft", "page": 2}).text
    assert len(_rows(second)) == 5
    none = editor.http.get("/risks", params={"q": "no such risk"}).text
    assert _rows(none) == [] and "No risk matches" in none
