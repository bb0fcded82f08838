"""The audit trail on the web pages through all of it, filters by who and when, and
downloads as CSV with the hashes that chain it (issue 17)."""

from __future__ import annotations

import csv
import io
import re

from sqlalchemy import func, select

from crosswalk.store.models import AuditRow
from tests.web.conftest import WebWorkspace


def _count(web: WebWorkspace) -> int:
    with web.session() as session:
        return int(session.scalar(select(func.count()).select_from(AuditRow)) or 0)


def test_every_entry_is_reached_page_by_page(web: WebWorkspace) -> None:
    auditor = web.client("admin")
    total = _count(web)
    assert total > 400  # the demo's trail spans several pages
    seen: list[int] = []
    url = "/api/trail?limit=150"
    while True:
        page = auditor.http.get(url).json()
        seen.extend(entry["id"] for entry in page["entries"])
        if page["older"] is None:
            break
        url = f"/api/trail?limit=150&before={page['older']}"
    assert len(seen) == len(set(seen)) == total
    assert seen == sorted(seen, reverse=True)
    html = auditor.http.get("/trail?limit=150").text
    older = re.search(r'href="(/trail\?[^"]*before=\d+)"', html)
    assert older is not None and "Older entries" in html
    second = auditor.http.get(older.group(1).replace("&amp;", "&")).text
    assert "Newest" in second


def test_filters_by_who_and_until_narrow_the_trail(web: WebWorkspace) -> None:
    admin = web.client("admin")
    entries = admin.http.get("/api/trail?limit=2000").json()["entries"]
    actor = entries[-1]["actor"]
    day = entries[-1]["at"][:10]
    mine = admin.http.get(f"/api/trail?limit=2000&actor={actor}&until={day}").json()["entries"]
    assert mine and all(e["actor"] == actor and e["at"][:10] <= day for e in mine)
    assert len(mine) < len(entries)


def test_the_trail_downloads_as_csv_whose_chain_links(web: WebWorkspace) -> None:
    auditor = web.client("auditor")
    answer = auditor.http.get("/trail/export.csv")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["x-crosswalk-trail-check"].startswith("intact; ")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert rows and [int(r["id"]) for r in rows] == sorted(int(r["id"]) for r in rows)
    by_id = {int(r["id"]): r for r in rows}
    linked = [r for r in rows if int(r["id"]) - 1 in by_id]
    assert linked and all(r["previous hash"] == by_id[int(r["id"]) - 1]["hash"] for r in linked)
    # what the auditor may not see in the trail is not in the file either
    visible = {e["entity"] for e in auditor.http.get("/api/trail?limit=2000").json()["entries"]}
    assert {r["entity"] for r in rows} <= visible
    everything = web.client("admin").http.get("/trail/export.csv").text
    assert len(list(csv.DictReader(io.StringIO(everything)))) == _count(web)
    narrowed = auditor.http.get("/trail/export.csv?entity=control").text
    assert {r["entity"] for r in csv.DictReader(io.StringIO(narrowed))} == {"control"}
