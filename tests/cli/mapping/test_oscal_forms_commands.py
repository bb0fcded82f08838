"""OSCAL content as users get it (issue 16): renamed files, YAML, from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import Run, as_json
from tests.conftest import SHARED

CATALOGS = SHARED / "fixtures" / "oscal" / "catalogs"
SP800_53 = CATALOGS / "NIST_SP-800-53_rev5_catalog_v5.0.1_2021-06-08.json"
LOW = CATALOGS / "NIST_SP-800-53_rev5_LOW-baseline_profile.json"


@pytest.fixture(autouse=True)
def _fixtures_present() -> None:
    if not SP800_53.exists():
        pytest.skip(f"fixtures not found at {SHARED / 'fixtures'}")


def test_the_same_catalog_from_a_renamed_minified_file_is_the_same_not_a_new_version(
    workspace_dir: Path, run: Run, tmp_path: Path
) -> None:
    first = as_json(run("frameworks", "import", str(SP800_53), "--json"))
    assert first["frameworks"] == {"nist-sp-800-53-rev5": 1209}
    stored = workspace_dir / "catalogs" / "frameworks" / "nist-sp-800-53-rev5.yaml"
    before = stored.read_bytes()
    # NIST publishes each catalog also minified, as ``..._catalog-min.json``
    minified = tmp_path / "NIST_SP-800-53_rev5_catalog-min.json"
    document = json.loads(SP800_53.read_text(encoding="utf-8"))
    minified.write_text(json.dumps(document, separators=(",", ":")), encoding="utf-8")
    again = run("frameworks", "import", str(minified), "--json")
    report = as_json(again)
    assert report["created"] == [] and report["unchanged"] == [str(stored)]
    assert any("same content" in note for note in report["notes"])
    assert stored.read_bytes() == before  # the first import's record of where it came from
    # a real change is still a different version
    document["catalog"]["groups"][0]["controls"][0]["title"] = "Changed"
    minified.write_text(json.dumps(document), encoding="utf-8")
    changed = run("frameworks", "import", str(minified))
    assert changed.exit_code == 2 and "different version" in changed.stderr


def test_oscal_yaml_imports_as_oscal_not_as_a_ciso_assistant_file(
    workspace_dir: Path, run: Run, tmp_path: Path
) -> None:
    from crosswalk.io.oscal_document import yaml_text

    catalog = tmp_path / "NIST_SP-800-53_rev5_catalog.yaml"
    document = json.loads(SP800_53.read_text(encoding="utf-8"))
    catalog.write_text("---\n# NIST's YAML form\n" + yaml_text(document), encoding="utf-8")
    report = as_json(run("frameworks", "import", str(catalog), "--json"))
    assert report["frameworks"] == {"nist-sp-800-53-rev5": 1209}
    profile = tmp_path / "low.yml"
    profile.write_text(yaml_text(json.loads(LOW.read_text(encoding="utf-8"))), encoding="utf-8")
    low = as_json(run("frameworks", "import", str(profile), "--catalog", str(catalog), "--json"))
    assert list(low["frameworks"]) == ["nist-sp-800-53-rev5-low"]


def test_xml_with_entity_expansion_is_refused_and_stores_nothing(
    workspace_dir: Path, run: Run, tmp_path: Path
) -> None:
    entities = "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))
    hostile = tmp_path / "catalog.xml"
    hostile.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE catalog [<!ENTITY l0 "ha">{entities}]>\n'
        '<catalog xmlns="http://csrc.nist.gov/ns/oscal/1.0" uuid="x"><metadata>'
        "<title>&l9;</title></metadata></catalog>\n",
        encoding="utf-8",
    )
    result = run("frameworks", "import", str(hostile))
    assert result.exit_code == 2 and "DTD" in result.stderr and str(hostile) in result.stderr
    assert not list((workspace_dir / "catalogs").rglob("*.yaml"))


def test_the_export_keeps_params_guidance_and_links_and_show_does_not_list_them(
    workspace_dir: Path, run: Run
) -> None:
    as_json(run("frameworks", "import", str(SP800_53), "--json"))
    shown = as_json(run("show", "nist-sp-800-53-rev5:ac-2", "--json"))
    assert not any(key.startswith("oscal.") for key in shown["attributes"])
    exported = run("frameworks", "export", "nist-sp-800-53-rev5")
    assert exported.exit_code == 0, exported.stderr
    catalog = json.loads(exported.stdout)["catalog"]
    ac_2 = next(c for c in catalog["groups"][0]["controls"] if c["id"] == "ac-2")
    assert [p["id"] for p in ac_2["params"]][:2] == ["ac-2_prm_1", "ac-2_prm_2"]
    assert {"href": "#ac-3", "rel": "related"} in ac_2["links"]
    assert [p["name"] for p in ac_2["parts"]] == ["statement", "guidance"]
    assert ac_2["parts"][1]["prose"].startswith("Examples of system account types include")


def test_a_folder_with_oscal_yaml_imports_it_as_oscal_with_skip_unknown_refs(
    workspace_dir: Path, run: Run, tmp_path: Path
) -> None:
    from crosswalk.io.oscal_document import yaml_text

    folder = tmp_path / "mixed"
    folder.mkdir()
    document = json.loads(SP800_53.read_text(encoding="utf-8"))
    (folder / "sp800-53.yaml").write_text(yaml_text(document), encoding="utf-8")
    result = run("frameworks", "import", str(folder), "--skip-unknown-refs")
    assert result.exit_code == 0, result.stdout + result.stderr
    stored = workspace_dir / "catalogs" / "frameworks" / "nist-sp-800-53-rev5.yaml"
    assert stored.exists()
