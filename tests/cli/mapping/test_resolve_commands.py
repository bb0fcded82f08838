"""``crosswalk frameworks resolve`` and profile imports from the command line (issue 23)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crosswalk.io.oscal_xml import read_oscal_xml
from tests.cli.conftest import Run, as_json
from tests.conftest import SHARED

CATALOGS = SHARED / "fixtures" / "oscal" / "catalogs"
SP800_53 = CATALOGS / "NIST_SP-800-53_rev5_catalog_v5.0.1_2021-06-08.json"
HIGH = CATALOGS / "NIST_SP-800-53_rev5_HIGH-baseline_profile.json"
FEDRAMP = CATALOGS / "FedRAMP_rev5_MODERATE-baseline_profile.json"
TESTS = SHARED / "fixtures" / "oscal" / "profile-resolution" / "requirement-tests"


@pytest.fixture(autouse=True)
def _fixtures_present() -> None:
    if not (SP800_53.exists() and TESTS.exists()):
        pytest.skip(f"fixtures not found at {SHARED / 'fixtures'}")


def controls(catalog: dict[str, object]) -> list[str]:
    found: list[str] = []
    stack = [catalog]
    while stack:
        holder = stack.pop(0)
        for control in holder.get("controls") or []:  # type: ignore[attr-defined]
            found.append(control["id"])
            stack.append(control)
        stack.extend(holder.get("groups") or [])  # type: ignore[arg-type]
    return found


def test_resolve_writes_the_oscal_catalog_and_reports_it(run: Run, tmp_path: Path) -> None:
    output = tmp_path / "high.json"
    report = as_json(
        run(
            "frameworks",
            "resolve",
            str(HIGH),
            "--catalog",
            str(SP800_53),
            "-o",
            str(output),
            "--json",
        )
    )
    assert (report["controls"], report["groups"], report["format"]) == (370, 18, "oscal")
    assert any("resolved against --catalog" in note for note in report["notes"])
    document = json.loads(output.read_text(encoding="utf-8"))
    assert list(document) == ["catalog"]
    assert len(controls(document["catalog"])) == 370
    props = {p["name"]: p["value"] for p in document["catalog"]["metadata"]["props"]}
    assert props["source-profile"] == HIGH.name


def test_resolve_writes_oscal_xml_too(run: Run, tmp_path: Path) -> None:
    output = tmp_path / "high.xml"
    result = run(
        "frameworks",
        "resolve",
        str(HIGH),
        "--catalog",
        str(SP800_53),
        "-f",
        "xml",
        "-o",
        str(output),
    )
    assert result.exit_code == 0, result.stderr
    assert "wrote" in result.stderr and "370 controls in 18 groups" in result.stderr
    back = read_oscal_xml(output.read_bytes(), str(output))
    assert len(controls(back["catalog"])) == 370


def test_resolve_without_output_prints_the_catalog(run: Run) -> None:
    result = run("frameworks", "resolve", str(TESTS / "req-include-by-id.xml"))
    assert result.exit_code == 0, result.stderr
    assert controls(json.loads(result.stdout)["catalog"]) == [
        "a1",
        "b1",
        "c1",
        "c3",
        "c3.a",
        "c3.a-1",
    ]


@pytest.mark.parametrize(
    ("profile", "chain"),
    [
        ("req-broken-import.xml", "req-broken-import.xml -> catalogs/missing-catalog.xml"),
        (
            "req-missing-resource.xml",
            "req-missing-resource.xml -> #449ce77c-24d3-4740-b0bd-1b37239437f0",
        ),
        (
            "req-circular_import.xml",
            "req-circular_import.xml -> req-circular_importer.xml -> req-circular_import.xml",
        ),
    ],
)
def test_broken_missing_and_circular_imports_exit_2_with_the_chain(
    run: Run, tmp_path: Path, profile: str, chain: str
) -> None:
    output = tmp_path / "out.json"
    for extra in ([], ["--catalog", str(TESTS / "catalogs" / "abc-simple_catalog.xml")]):
        result = run("frameworks", "resolve", str(TESTS / profile), "-o", str(output), *extra)
        assert result.exit_code == 2, result.stdout
        assert chain in result.stderr
        assert not output.exists()  # nothing written


def test_a_catalog_that_contradicts_the_local_import_is_refused(run: Run) -> None:
    other = TESTS / "catalogs" / "abc-simple_catalog.xml"
    result = run(
        "frameworks", "resolve", str(TESTS / "req-include-all-asis.xml"), "--catalog", str(other)
    )
    assert result.exit_code == 2 and "contradicts the profile's imports" in result.stderr


def test_import_fedramp_shows_its_parameter_values(
    workspace_dir: Path, run: Run, tmp_path: Path
) -> None:
    imported = run("frameworks", "import", str(FEDRAMP), "--catalog", str(SP800_53), "--json")
    report = as_json(imported)
    assert report["frameworks"] == {"nist-sp-800-53-rev5-fedramp-moderate": 341}
    shown = as_json(run("show", "nist-sp-800-53-rev5-fedramp-moderate:ac-1", "--json"))
    assert shown["parameters"]["ac-01_odp.05"].startswith("constraint: at least every 3 years")
    assert not any(key.startswith("param.") for key in shown["attributes"])
    text = run("show", "nist-sp-800-53-rev5-fedramp-moderate:at-2")
    assert (
        "parameter at-2_prm_1: organization-defined frequency (constraint: at least annually)"
        in (text.stdout)
    )
    resolved = tmp_path / "fedramp.json"
    assert (
        run(
            "frameworks",
            "resolve",
            str(FEDRAMP),
            "--catalog",
            str(SP800_53),
            "-f",
            "json",
            "-o",
            str(resolved),
        ).exit_code
        == 0
    )
    stored = workspace_dir / "catalogs" / "frameworks" / "nist-sp-800-53-rev5-fedramp-moderate.yaml"
    from crosswalk.catalogs.parse import parse_yaml_text

    assert parse_yaml_text(stored.read_text(encoding="utf-8")) == json.loads(
        resolved.read_text("utf-8")
    )
    again = as_json(run("frameworks", "import", str(FEDRAMP), "--catalog", str(SP800_53), "--json"))
    assert again["created"] == [] and len(again["unchanged"]) == 1  # re-import: no-op


def test_a_refused_profile_import_stores_nothing(workspace_dir: Path, run: Run) -> None:
    result = run("frameworks", "import", str(TESTS / "req-circular_import.xml"))
    assert result.exit_code == 2 and "circular import" in result.stderr
    assert not list((workspace_dir / "catalogs").rglob("*.yaml"))
    duplicated = run("frameworks", "import", str(TESTS / "keep-everything-twice.xml"))
    assert duplicated.exit_code == 2 and "more than once" in duplicated.stderr
