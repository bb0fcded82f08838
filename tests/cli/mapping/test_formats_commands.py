"""Open formats from the command line: imports land in the workspace and work everywhere."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import Run, as_json
from tests.conftest import SHARED

FIXTURES = SHARED / "fixtures"
CATALOG = FIXTURES / "oscal/catalogs/NIST_SP-800-53_rev5_catalog_v5.0.1_2021-06-08.json"
PROFILE = FIXTURES / "oscal/catalogs/NIST_SP-800-53_rev5_MODERATE-baseline_profile.json"
COLLECTION = (
    FIXTURES / "oscal/mapping-collections/degenaro_NIST_CSF_v2.0-to-NIST_SP-800-53_rev5"
    ".mapping-collection.json"
)
CISO = FIXTURES / "ciso-assistant"


@pytest.fixture(autouse=True)
def _fixtures_present() -> None:
    if not CATALOG.exists():
        pytest.skip(f"fixtures not found at {FIXTURES} (shared/ must sit beside the repo)")


def imported_files(workspace: Path) -> list[Path]:
    return sorted((workspace / "catalogs").rglob("*.yaml"))


def test_800_53_catalog_profile_and_csf_collection(workspace_dir: Path, run: Run) -> None:
    assert run("frameworks", "import", str(CATALOG)).exit_code == 0
    frameworks = {f["id"]: f for f in as_json(run("frameworks", "--json"))}
    counts = frameworks["nist-sp-800-53-rev5"]["counts"]
    assert (counts["control"], counts["enhancement"]) == (322, 867)
    shown = as_json(run("show", "nist-sp-800-53-rev5:ac-2.10", "--json"))
    assert shown["attributes"]["withdrawn"] == "true"
    again = as_json(run("frameworks", "import", str(CATALOG), "--json"))
    assert again["created"] == [] and len(again["unchanged"]) == 1  # re-import: no-op

    assert (
        run("frameworks", "import", str(PROFILE), "--catalog", "nist-sp-800-53-rev5").exit_code == 0
    )
    moderate = {f["id"]: f for f in as_json(run("frameworks", "--json"))}[
        "nist-sp-800-53-rev5-moderate"
    ]
    assert moderate["counts"]["control"] + moderate["counts"]["enhancement"] == 287

    strict = run("mappings", "import", str(COLLECTION))
    assert strict.exit_code == 2 and "sa-24" in strict.stderr  # a 5.1 control, not in 5.0.1
    assert run("mappings", "import", str(COLLECTION), "--skip-unknown-refs").exit_code == 0
    mapped = as_json(run("map", "nist-csf-2.0:GV.OC-01", "--to", "nist-sp-800-53-rev5", "--json"))
    assert [p["target"]["ref"] for p in mapped["direct"]] == ["pm-11"]
    lint = as_json(run("mappings", "lint", "--json"))
    assert lint["errors"] == 0
    gap = as_json(run("gap", "--to", "nist-sp-800-53-rev5", "--json"))
    assert gap["annex_a_summary"]["total"] == 322  # imported frameworks work everywhere
    matrix = run("matrix", "nist-csf-2.0", "nist-sp-800-53-rev5", "--format", "csv")
    assert "pm-11" in matrix.stdout


def test_ciso_assistant_libraries_match_and_agree_with_nist(workspace_dir: Path, run: Run) -> None:
    for name in ("nist-csf-2.0", "iso27001-2022", "mapping-nist-csf-2.0-to-iso27001-2022"):
        result = run("frameworks", "import", str(CISO / f"{name}.yaml"))
        assert result.exit_code == 0, result.stderr
    mapped = as_json(run("map", "nist-csf-2.0:GV.OC-01", "--to", "iso27001-2022", "--json"))
    by_set: dict[str, set[str]] = {}
    for path in mapped["direct"]:
        by_set.setdefault(path["steps"][0]["mapping_set"], set()).add(path["target"]["ref"])
    ours = by_set["nist-csf-2.0-to-iso27001-2022"]
    assert by_set["ciso-mapping-nist-csf-2.0-to-iso27001-2022"] == ours and ours


def test_bad_files_import_nothing(workspace_dir: Path, run: Run, tmp_path: Path) -> None:
    truncated = tmp_path / "truncated.json"
    truncated.write_bytes(CATALOG.read_bytes()[:50_000])
    result = run("frameworks", "import", str(truncated))
    assert result.exit_code == 2 and "line" in result.stderr
    orphan = tmp_path / "orphan.yaml"
    orphan.write_text(
        "urn: urn:test:lib\nref_id: t\nname: t\nobjects:\n  framework:\n    urn: urn:test:fw:t\n"
        "    ref_id: t\n    name: T\n    requirement_nodes:\n      - urn: urn:test:node:t:a\n"
        "        ref_id: A\n        name: A\n        assessable: true\n"
        "        parent_urn: urn:test:node:t:missing\n",
        encoding="utf-8",
    )
    result = run("frameworks", "import", str(orphan), "--id", "test-orphan")
    assert result.exit_code == 2 and "urn:test:node:t:missing" in result.stderr
    assert run("mappings", "import", str(COLLECTION)).exit_code == 2  # 800-53 not imported here
    assert imported_files(workspace_dir) == []


def test_exports_write_oscal_csv_and_ciso(workspace_dir: Path, run: Run) -> None:
    oscal = workspace_dir / "soc2-iso.json"
    assert (
        run(
            "mappings", "export", "soc2-to-iso27001-2022", "-f", "oscal", "-o", str(oscal)
        ).exit_code
        == 0
    )
    assert "mapping-collection" in json.loads(oscal.read_text())
    csv_out = run("mappings", "export", "soc2-to-iso27001-2022", "--format", "csv")
    assert csv_out.stdout.startswith("Focal Document Element,")
    ciso = run("mappings", "export", "seed-primary", "--format", "ciso-assistant")
    assert "requirement_mapping_sets" in ciso.stdout
    catalog = workspace_dir / "soc2.json"
    assert run("frameworks", "export", "soc2-tsc-2017", "-o", str(catalog)).exit_code == 0
    assert json.loads(catalog.read_text())["catalog"]["metadata"]["title"]
    template = workspace_dir / "custom.xlsx"
    assert run("frameworks", "template", "-o", str(template)).exit_code == 0 and template.exists()


def tiny_catalog(tmp_path: Path, title: str) -> Path:
    document = {
        "catalog": {
            "metadata": {"title": title, "version": "1", "oscal-version": "1.1.2"},
            "groups": [{"id": "g", "title": "G", "controls": [{"id": "c-1", "title": "One"}]}],
        }
    }
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_a_new_version_imported_flags_the_sets_of_the_old_one(
    workspace_dir: Path, run: Run, tmp_path: Path
) -> None:
    path = tiny_catalog(tmp_path, "A test edition")
    plain = run("frameworks", "import", str(path), "--id", "tiny-test")
    assert plain.exit_code == 0 and "flagged" not in plain.stderr
    newer = run("frameworks", "import", str(path), "--id", "iso27001-2030")
    assert newer.exit_code == 0, newer.stderr
    assert "flagged for review (a new framework version)" in newer.stderr
    assert "seed-primary" in newer.stderr and "iso27001-2013-to-2022" in newer.stderr
    again = run("frameworks", "import", str(path), "--id", "iso27001-2030")
    assert again.exit_code == 0 and "flagged" not in again.stderr  # unchanged: nothing new


PROBE = """
import json, sys
sys.argv = ["crosswalk", "frameworks", "import", sys.argv[1], "--json"]
from crosswalk.cli.app import app
try:
    app()
except SystemExit as exit:
    code = exit.code
heavy = ("sqlalchemy", "alembic", "openpyxl", "jinja2", "fastapi")
print("LOADED=" + json.dumps(sorted(m for m in heavy if m in sys.modules)), file=sys.stderr)
sys.exit(code)
"""


def test_an_import_with_nothing_to_flag_loads_no_database_layer(workspace_dir: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(CATALOG)],
        cwd=workspace_dir,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["frameworks"] == {"nist-sp-800-53-rev5": 1209}
    loaded = [x for x in done.stderr.splitlines() if x.startswith("LOADED=")]
    assert loaded == ["LOADED=[]"], done.stderr
    assert (workspace_dir / "catalogs" / "frameworks" / "nist-sp-800-53-rev5.yaml").is_file()
