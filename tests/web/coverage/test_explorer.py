"""The crosswalk explorer and the SOC 2 x ISO matrix, over the demo workspace and the
shipped catalogs: what a compliance lead finds, reads and relies on."""

from __future__ import annotations

import re
from typing import Any

from crosswalk.catalogs.loader import Library
from crosswalk.services.mapping.frameworks import describe_requirement
from crosswalk.services.mapping.queries import build_matrix, map_requirement
from tests.web.conftest import WebWorkspace

A_5_15 = "iso27001-2022:A.5.15"
CC6_1 = "soc2-tsc-2017:CC6.1"


def _keys(payload: dict[str, Any]) -> list[str]:
    return [hit["key"] for hit in payload["results"]]


def _table(html: str, table_id: str) -> str:
    found = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S)
    assert found, f"the page has a table #{table_id}"
    return found.group(0)


def _row(table: str, attribute: str, value: str) -> str:
    found = re.search(rf'<tr[^>]*{attribute}="{re.escape(value)}".*?</tr>', table, re.S)
    assert found, f"a row with {attribute}={value}"
    return found.group(0)


def test_search_finds_a_5_15_from_a_forgiving_ref_and_from_words(web: WebWorkspace) -> None:
    http = web.client("auditor").http  # reading the crosswalk needs no write role
    for typed in ("a.5.15", "A 5.15", "5.15"):
        found = http.get("/api/requirements", params={"q": typed}).json()
        assert _keys(found)[0] == A_5_15, typed
    words = http.get("/api/requirements", params={"q": "access control"}).json()
    assert A_5_15 in _keys(words)
    hit = next(h for h in words["results"] if h["key"] == A_5_15)
    assert hit["title"] == "Access control"
    assert hit["framework_name"] == "ISO/IEC 27001:2022"
    assert hit["mappings"] == 15  # as `crosswalk show iso27001-2022:A.5.15` lists
    page = http.get("/explorer", params={"q": "a.5.15"})
    assert page.status_code == 200
    assert 'href="/explorer/iso27001-2022%3AA.5.15"' in _table(page.text, "results")


def test_search_within_one_framework_and_refusals(web: WebWorkspace) -> None:
    http = web.client("editor").http
    soc2 = http.get(
        "/api/requirements", params={"q": "access", "framework": "soc2"}
    ).json()  # a unique prefix of the framework id, as the CLI accepts
    assert soc2["framework"] == "soc2-tsc-2017"
    assert soc2["results"] and all(k.startswith("soc2-tsc-2017:") for k in _keys(soc2))
    browse = http.get("/api/requirements", params={"framework": "iso27001-2022"}).json()
    assert len(browse["results"]) == 138  # every requirement, in document order
    assert _keys(browse)[0] == "iso27001-2022:4"
    unknown = http.get("/api/requirements", params={"q": "x", "framework": "pci"})
    assert unknown.status_code == 400
    assert "framework" in unknown.json()["detail"]
    home = http.get("/api/requirements").json()
    assert {f["id"] for f in home["frameworks"]} >= {"soc2-tsc-2017", "iso27001-2022"}
    assert web.client().http.get("/api/requirements").status_code == 401


def test_requirement_page_shows_soc2_mappings_with_relationship_and_provenance(
    web: WebWorkspace,
) -> None:
    http = web.client("editor").http
    page = http.get("/explorer/iso27001-2022:A.5.15")
    assert page.status_code == 200
    assert "Access control" in page.text
    mappings = _table(page.text, "mappings")
    cc6_1 = _row(mappings, "data-ref", "CC6.1")
    assert "intersects with" in cc6_1  # read from A.5.15's side, in words
    assert "soc2-to-iso27001-2022" in cc6_1  # the mapping set it comes from
    assert "human · reviewed 2026-12-06" in cc6_1  # its method and review
    assert "access rules derived from business and security needs" in cc6_1  # the note
    series = _row(mappings, "data-ref", "CC6")
    assert "seed-primary" in series and "superseded" in series  # shown, marked, not counted
    inferred = re.search(r'<section class="card" id="inferred">.*?</section>', page.text, re.S)
    assert inferred and inferred.group(0).count('class="inferred-row"') == 22
    assert "possible overlap" in inferred.group(0)
    program = _table(page.text, "controls")
    route = _row(program, "data-control", "NW-AC-02")  # tagged CC6.1, which reaches A.5.15
    assert 'href="/controls/NW-AC-02"' in route and "via" in route and "CC6.1" in route
    forgiving = http.get("/explorer/5.15")
    assert forgiving.status_code == 200
    assert _table(forgiving.text, "mappings") == mappings


def test_requirement_api_matches_the_library_and_marks_inferred_paths(
    web: WebWorkspace, library: Library
) -> None:
    data = web.client("auditor").http.get(f"/api/requirements/{A_5_15}").json()
    detail = data["detail"]
    assert detail["key"] == A_5_15 and detail["parent"]["ref"] == "A.5"
    expected = describe_requirement(library, A_5_15)
    assert [(m["other"]["key"], m["relationship"]) for m in detail["mappings"]] == [
        (m.other.key, m.relationship) for m in expected.mappings
    ]
    cc6_1 = next(m for m in detail["mappings"] if m["other"]["key"] == CC6_1)
    assert cc6_1["relationship"] == "intersects_with"
    assert cc6_1["direction"] == "incoming"  # authored SOC 2 -> ISO, read from ISO's side
    assert cc6_1["mapping_set"] == "soc2-to-iso27001-2022"
    assert cc6_1["strength"] == 7
    sets = {s["id"]: s for s in data["sets"]}
    assert sets["soc2-to-iso27001-2022"]["method"] == "human"
    assert sets["soc2-to-iso27001-2022"]["reviewed_on"] == "2026-12-06"
    assert sets["soc2-to-iso27001-2022"]["counts_for_coverage"] is True
    assert sets["seed-primary"]["superseded_by"] == "soc2-to-iso27001-2022"
    assert sets["seed-primary"]["counts_for_coverage"] is False
    [group] = data["inferred"]
    assert group["framework"] == "soc2-tsc-2017" and group["via"] == ["nist-csf-2.0"]
    cli = map_requirement(library, A_5_15, "soc2-tsc-2017", ["nist-csf-2.0"])
    assert len(group["paths"]) == len(cli.inferred) == 22
    for path in group["paths"]:
        assert path["inferred"] is True
        assert len(path["steps"]) == 2
        assert path["steps"][0]["other"]["key"].startswith("nist-csf-2.0:")
        assert path["relationship"] == "possible overlap" or path["certain"]
    routes = data["program"]["routes"]
    assert data["program"]["verdict"] == "likely"  # CC6.1 -> A.5.15 is strength 7
    assert any(r["control_id"] == "NW-AC-02" and r["tagged"] == CC6_1 for r in routes)
    assert all(r["gives"] == "partial" for r in routes)  # intersects_with: partial at most


def test_unknown_requirement_is_refused_with_suggestions(web: WebWorkspace) -> None:
    http = web.client("editor").http
    response = http.get("/api/requirements/iso27001-2022:A.5.155")
    assert response.status_code == 400
    assert "iso27001-2022:A.5.15" in response.json()["detail"]  # did you mean ...
    page = http.get("/explorer/nonsense-ref")
    assert page.status_code == 400


def test_matrix_api_has_soc2_rows_and_iso_columns(web: WebWorkspace, library: Library) -> None:
    http = web.client("auditor").http
    grid = http.get("/api/matrix").json()
    assert grid["source"] == "soc2-tsc-2017" and grid["target"] == "iso27001-2022"
    rows = {r["ref"]: r for r in grid["rows"]}
    assert len(rows) == 61 and {"CC1.1", "CC6.1", "A1.2", "P8.1"} <= set(rows)
    columns = [c["ref"] for c in grid["columns"]]
    assert len(columns) == 93 and all(ref.startswith("A.") for ref in columns)
    cell = rows["CC6.1"]["cells"]["A.5.15"]
    assert cell["relationship"] == "intersects_with"
    assert cell["effect"] == "partial"
    assert cell["mapping_set"] == "soc2-to-iso27001-2022"
    assert rows["CC6.1"]["cells"]["A.8.3"]["effect"] == "full"  # superset_of
    # A.7.2 also absorbed delivery and loading areas, which CC6.4 does not address
    assert rows["CC6.4"]["cells"]["A.7.2"]["effect"] == "partial"
    # Same mappings as `crosswalk matrix soc2-tsc-2017 iso27001-2022` gives into Annex A.
    expected = {
        (r.source_ref, r.target_ref)
        for r in build_matrix(library, "soc2-tsc-2017", "iso27001-2022")
        if r.mapping_set in library.coverage_sets and r.target_ref.startswith("A.")
    }
    shown = {(ref, target) for ref, row in rows.items() for target in row["cells"]}
    assert shown == expected
    assert grid["counts"]["full"] + grid["counts"]["partial"] == len(expected)
    assert grid["counts"]["possible"] == 0  # nothing inferred unless asked


def test_matrix_options_and_page(web: WebWorkspace) -> None:
    http = web.client("editor").http
    theme = http.get("/api/matrix", params={"columns": "A.8"}).json()
    assert {c["ref"] for c in theme["columns"]} == {f"A.8.{n}" for n in range(1, 35)}
    inferred = http.get("/api/matrix", params={"via": "nist-csf-2.0"}).json()
    assert inferred["counts"]["possible"] > 0
    possible = [
        c for r in inferred["rows"] for c in r["cells"].values() if c["effect"] == "possible"
    ]
    assert all(c["inferred_via"].startswith("nist-csf-2.0:") for c in possible)
    with_seed = http.get("/api/matrix", params={"all_sets": "true"}).json()
    assert "CC6" in {r["ref"] for r in with_seed["rows"]}  # the superseded series-level seed
    bad = http.get("/api/matrix", params={"columns": "B.1"})
    assert bad.status_code == 400 and "columns" in bad.json()["detail"]
    page = http.get("/matrix")
    assert page.status_code == 200
    assert 'class="matrix-wrap"' in page.text and 'id="legend"' in page.text
    assert 'title="CC6.1 → A.5.15 Access control: intersects with, strength 7' in page.text
