"""The plan to certification on the web: the same plan as the service, as a page, JSON and
downloads."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook

from crosswalk.services.mapping.library import open_library
from crosswalk.services.program.plan import certification_plan
from tests.conftest import DEMO_TODAY
from tests.web.conftest import WebWorkspace

TARGET = date(2027, 6, 30)


def test_the_plan_page_and_api_are_the_services_plan(web: WebWorkspace) -> None:
    with web.session() as session:
        expected = certification_plan(
            session, open_library(), TARGET, DEMO_TODAY, workspace_root=web.folder
        )
    client = web.client("auditor")  # reading the plan needs no write role

    data = client.http.get("/api/plan", params={"target": str(TARGET)}).json()
    page = client.http.get("/plan", params={"target": str(TARGET)})

    assert [len(p["items"]) for p in data["phases"]] == [len(p.items) for p in expected.phases]
    assert data["phases"][0]["items"][0]["key"] == expected.phases[0].items[0].key
    assert page.status_code == 200 and "<svg" in page.text
    for phase in expected.phases:
        assert f'id="phase-{phase.key}" data-count="{len(phase.items)}"' in page.text
    assert 'href="/plan/report.xlsx?target=2027-06-30"' in page.text
    book = load_workbook(io.BytesIO(client.http.get("/plan/report.xlsx?target=2027-06-30").content))
    assert book.sheetnames[1] == "Stage 1 blockers"
    assert book["Stage 1 blockers"].max_row == len(expected.phases[0].items) + 1
    bad = client.http.get("/api/plan", params={"target": "soon"})
    assert bad.status_code == 400 and "not a date" in bad.text
