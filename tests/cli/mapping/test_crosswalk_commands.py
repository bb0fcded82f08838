from __future__ import annotations

import csv
import json
from pathlib import Path

from openpyxl import load_workbook

from tests.cli.conftest import Run, as_json
from tests.factories import catalog, edge, mapping_set, write_yaml


def test_frameworks_json_shows_the_counts_auditors_know(run: Run) -> None:
    data = {f["id"]: f for f in as_json(run("frameworks", "--json"))}
    soc2 = data["soc2-tsc-2017"]
    assert soc2["counts"]["criterion"] == 61
    assert next(g for g in soc2["groups"] if g["ref"] == "CC")["counts"]["criterion"] == 33
    iso = data["iso27001-2022"]
    assert iso["counts"]["control"] == 93 and iso["counts"]["clause"] == 41
    themes = {g["ref"]: g["counts"]["control"] for g in iso["groups"] if g["kind"] == "theme"}
    assert themes == {"A.5": 37, "A.6": 8, "A.7": 14, "A.8": 34}
    assert data["iso27001-2013"]["counts"]["control"] == 114
    assert data["nist-csf-2.0"]["counts"]["subcategory"] == 106


def test_map_2013_control_to_2022(run: Run) -> None:
    data = as_json(run("map", "iso27001-2013:A.9.2.5", "--to", "iso27001-2022", "--json"))
    assert [p["target"]["ref"] for p in data["direct"]] == ["A.5.18"]
    assert data["direct"][0]["inferred"] is False


def test_map_cc8_1_answers_change_management_with_its_note(run: Run) -> None:
    data = as_json(run("map", "soc2-tsc-2017:CC8.1", "--to", "iso27001-2022", "--json"))
    a832 = [p for p in data["direct"] if p["target"]["ref"] == "A.8.32"]
    assert len(a832) == 1
    step = a832[0]["steps"][0]
    assert step["mapping_set"] == "soc2-to-iso27001-2022" and step["note"]
    result = run("map", "soc2-tsc-2017:CC8.1", "--to", "iso27001-2022", "--explain")
    assert result.exit_code == 0
    assert "A.8.32" in result.stdout and step["note"][:30] in " ".join(result.stdout.split())


def test_map_via_backbone_labels_inferred_paths(run: Run) -> None:
    data = as_json(
        run(
            "map", "soc2-tsc-2017:CC6.1", "--to", "iso27001-2022", "--via", "nist-csf-2.0", "--json"
        )
    )
    assert data["inferred"], "CSF backbone should reach ISO from CC6.1"
    for path in data["inferred"]:
        assert path["inferred"] is True
        assert path["via"] and all(v["key"].startswith("nist-csf-2.0:") for v in path["via"])
        assert len(path["steps"]) >= 2
        assert path["relationship"] in {
            "equal",
            "subset_of",
            "superset_of",
            "intersects_with",
            "possible overlap",
        }
        strengths = [s["strength"] for s in path["steps"] if s["strength"] is not None]
        if strengths:
            assert path["strength"] <= min(strengths)
    text = run("map", "cc6.1", "--to", "iso27001-2022", "--via", "nist-csf-2.0", "--explain")
    assert "inferred via nist-csf-2.0" in text.stdout and "[inferred]" in text.stdout


def test_unknown_ref_exits_2_with_suggestions(run: Run) -> None:
    result = run("map", "soc2-tsc-2017:CC10.1", "--to", "iso27001-2022")
    assert result.exit_code == 2
    assert "unknown requirement of soc2-tsc-2017 'CC10.1'" in result.stderr
    assert "did you mean" in result.stderr
    assert run("show", "nist-csf-2.1:GV.OC-01").exit_code == 2
    assert run("map", "cc6.1", "--to", "iso27002").exit_code == 2


def test_malformed_catalog_given_on_the_command_line_exits_2_naming_it(
    run: Run, tmp_path: Path
) -> None:
    bad = write_yaml(
        tmp_path / "bad.yaml",
        catalog(requirements=[{"ref": "X", "kind": "item", "title": "a"}] * 2, counts={"item": 2}),
    )
    result = run("--catalog-path", str(bad), "frameworks")
    assert result.exit_code == 2
    assert str(bad) in result.stderr.replace("\n", "") and "duplicate ref 'X'" in result.stderr


def test_bad_mapping_file_exits_2_for_queries_and_1_for_lint(run: Run, tmp_path: Path) -> None:
    write_yaml(tmp_path / "acme.yaml", catalog())
    write_yaml(tmp_path / "map.yaml", mapping_set([edge("G1.1", "A.5.404")]))
    query = run("--catalog-path", str(tmp_path), "show", "acme-policy-1:G1.1")
    assert query.exit_code == 2 and "A.5.404" in query.stderr
    lint = run("--catalog-path", str(tmp_path), "mappings", "lint", "acme-to-iso", "--json")
    assert lint.exit_code == 1
    assert "A.5.404" in lint.stdout


def test_show_lists_mappings_both_ways(run: Run) -> None:
    data = as_json(run("show", "iso27001-2022:5.15", "--json"))
    assert data["key"] == "iso27001-2022:A.5.15" and data["parent"]["ref"] == "A.5"
    directions = {(m["direction"], m["mapping_set"]) for m in data["mappings"]}
    assert ("incoming", "soc2-to-iso27001-2022") in directions
    assert ("incoming", "iso27001-2013-to-2022") in directions
    incoming = [m for m in data["mappings"] if m["other"]["key"] == "iso27001-2013:A.9.1.1"]
    assert incoming and incoming[0]["relationship"] == "superset_of"  # read from A.5.15's side


def test_matrix_writes_markdown_csv_and_a_filterable_xlsx(run: Run, tmp_path: Path) -> None:
    md = run("matrix", "soc2-tsc-2017", "iso27001-2022", "--format", "md")
    assert md.exit_code == 0 and "| CC8.1 |" in md.stdout and "A.8.32" in md.stdout
    csv_path = tmp_path / "x.csv"
    assert run("matrix", "soc2", "iso27001-2022", "-f", "csv", "-o", str(csv_path)).exit_code == 0
    assert csv_path.read_text(encoding="utf-8").startswith("soc2-tsc-2017,title,iso27001-2022")
    xlsx = tmp_path / "crosswalk.xlsx"
    result = run("matrix", "soc2-tsc-2017", "iso27001-2022", "--format", "xlsx", "-o", str(xlsx))
    assert result.exit_code == 0
    sheet = load_workbook(xlsx).active
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:")
    assert sheet.cell(1, 1).value == "soc2-tsc-2017" and sheet.cell(1, 1).font.bold
    assert sheet.column_dimensions["H"].width >= 40  # the note column is readable
    criteria = {sheet.cell(r, 1).value for r in range(2, sheet.max_row + 1)}
    assert {"CC1.1", "PI1.2", "P8.1"} <= criteria
    piped = run(
        "matrix", "soc2", "iso27001-2022", "--format", "xlsx"
    )  # no -o and not a terminal: the workbook on stdout
    assert piped.exit_code == 0 and piped.stdout_bytes.startswith(b"PK")


def test_mappings_lint_passes_on_shipped_sets(run: Run) -> None:
    result = run("mappings", "lint", "--json")
    data = as_json(result)
    assert data["errors"] == 0
    assert {c["mapping_set"] for c in data["scorecards"]} >= {
        "seed-primary",
        "soc2-to-iso27001-2022",
    }


def test_mappings_list(run: Run) -> None:
    sets = {s["id"]: s for s in as_json(run("mappings", "list", "--json"))}
    assert sets["seed-primary"]["edges"] == 65
    assert sets["iso27001-2013-to-2022"]["provenance"]["method"] == "human"


def test_weak_edges_are_labelled_weak_wherever_edges_are_shown(run: Run, tmp_path: Path) -> None:
    shown = json.loads(run("show", "soc2-tsc-2017:CC1.4", "--json").stdout)
    by_target = {m["other"]["key"]: m for m in shown["mappings"]}
    assert by_target["iso27001-2022:7.1"]["strength"] == 3
    assert by_target["iso27001-2022:7.1"]["weak"] is True  # one resource of many: tangential
    assert by_target["iso27001-2022:7.2"]["weak"] is False
    text = " ".join(run("show", "soc2-tsc-2017:CC1.4").stdout.split())
    assert "3 weak" in text
    mapped = json.loads(run("map", "cc1.4", "--to", "iso27001-2022", "--json").stdout)
    assert {p["target"]["ref"] for p in mapped["direct"] if p["weak"]} >= {"7.1"}
    out = tmp_path / "matrix.csv"
    assert (
        run("matrix", "soc2-tsc-2017", "iso27001-2022", "--format", "csv", "-o", str(out)).exit_code
        == 0
    )
    rows = list(csv.DictReader(out.open()))
    weak = {(r["soc2-tsc-2017"], r["iso27001-2022"]) for r in rows if r["weak"] == "weak"}
    assert ("CC1.4", "7.1") in weak
    assert all(int(r["strength"]) <= 3 for r in rows if r["weak"] == "weak" and r["strength"])
