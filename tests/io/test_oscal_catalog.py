"""OSCAL catalogs and profiles: NIST's real files in, our catalogs out and back in."""

from __future__ import annotations

import copy
import json
import re
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from crosswalk.catalogs.loader import Library, load_library
from crosswalk.domain.requirements import Framework, Requirement
from crosswalk.io.converted import ConversionError
from crosswalk.io.oscal_catalog import (
    CROSSWALK_NS,
    derive_framework_id,
    read_oscal_catalog,
    write_oscal_catalog,
)
from crosswalk.services.mapping.formats import install

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "oscal" / "catalogs"
SP800_53 = FIXTURES / "NIST_SP-800-53_rev5_catalog_v5.0.1_2021-06-08.json"
CSF = FIXTURES / "NIST_CSF_v2.0_catalog.json"


def fixture(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"OSCAL fixture not found at {path} (shared/ must sit beside the repo)")
    return path


@pytest.fixture(scope="module")
def sp800_53() -> Framework:
    return read_oscal_catalog(fixture(SP800_53)).frameworks[0]


@pytest.fixture(scope="module")
def sp800_53_document() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(fixture(SP800_53).read_text(encoding="utf-8"))
    return data


def rows(framework: Framework) -> list[tuple[object, ...]]:
    return [
        (r.ref, r.parent, r.title, r.kind, r.text, r.mandatory, dict(r.attributes))
        for r in framework.requirements
    ]


# ---------------------------------------------------------------- SP 800-53 rev5 catalog


def test_sp800_53_gives_1189_controls_322_base_867_enhancements(sp800_53: Framework) -> None:
    counts = sp800_53.counts_by_kind()
    assert counts == {"group": 20, "control": 322, "enhancement": 867}
    assert counts["control"] + counts["enhancement"] == 1189
    assert [r.ref for r in sp800_53.roots()][:3] == ["ac", "at", "au"]
    assert sp800_53.id == "nist-sp-800-53-rev5"
    assert sp800_53.version == "5.0.1"
    assert sp800_53.publisher == "NIST"
    assert sp800_53.notice == "Public domain, NIST"
    assert SP800_53.name in sp800_53.source
    assert "OSCAL 1.0.0" in sp800_53.source
    assert "2021-06-08" in sp800_53.source


def test_withdrawn_controls_are_kept_and_marked(sp800_53: Framework) -> None:
    withdrawn = [r for r in sp800_53.requirements if r.attributes.get("withdrawn") == "true"]
    assert len(withdrawn) == 182
    assert Counter(r.kind for r in withdrawn) == {"control": 24, "enhancement": 158}
    shared_credentials = sp800_53.get("ac-2.10")
    assert shared_credentials is not None
    assert shared_credentials.title == "Shared and Group Account Credential Change"
    assert shared_credentials.attributes["incorporated_into"] == "ac-2_smt.k"
    assert sp800_53.get("ac-1") not in withdrawn


def test_titles_labels_parents_and_statement_text(sp800_53: Framework) -> None:
    ac_1 = sp800_53.get("ac-1")
    assert ac_1 is not None
    assert (ac_1.title, ac_1.kind, ac_1.parent) == ("Policy and Procedures", "control", "ac")
    assert ac_1.attributes["label"] == "AC-1"
    assert ac_1.attributes["sort_id"] == "ac-01"
    assert ac_1.text is not None
    assert ac_1.text.startswith(
        "a. Develop, document, and disseminate to [Assignment: organization-defined "
        "personnel or roles]: 1. [Selection (one or more): Organization-level; "
        "Mission/business process-level; System-level] access control policy that: (a) "
    )
    assert "{{" not in ac_1.text and "\n" not in ac_1.text
    enhancement = sp800_53.get("ac-2.1")
    assert enhancement is not None
    assert (enhancement.kind, enhancement.parent) == ("enhancement", "ac-2")
    assert enhancement.attributes["label"] == "AC-2(1)"
    assert sp800_53.get("ac") == Requirement(
        sp800_53.id, "ac", "Access Control", "group", attributes={"class": "family"}
    )
    assert not any(r.text and "{{ insert" in r.text for r in sp800_53.requirements)


def test_framework_id_can_be_given_and_is_checked() -> None:
    imported = read_oscal_catalog(fixture(SP800_53), "nist-800-53-r5")
    assert imported.frameworks[0].id == "nist-800-53-r5"
    assert {r.framework for r in imported.frameworks[0].requirements} == {"nist-800-53-r5"}
    with pytest.raises(ConversionError, match="lower-case"):
        read_oscal_catalog(SP800_53, "NIST 800-53")


def test_derived_ids() -> None:
    assert (
        derive_framework_id(
            "NIST Special Publication 800-53 Revision 5: Security and Privacy Controls", "5.0.1"
        )
        == "nist-sp-800-53-rev5"
    )
    assert derive_framework_id("Example Catalog", "1.0") == "example-catalog-1.0"


def test_sp800_53_installs_and_loads_back(library: Library, tmp_path: Path) -> None:
    imported = read_oscal_catalog(fixture(SP800_53))
    report = install(library, tmp_path, imported)
    assert report.frameworks == {"nist-sp-800-53-rev5": 1209}
    loaded = load_library([tmp_path / "frameworks"])
    assert rows(loaded.frameworks["nist-sp-800-53-rev5"]) == rows(imported.frameworks[0])
    again = install(loaded, tmp_path, read_oscal_catalog(SP800_53))
    assert again.created == [] and len(again.unchanged) == 1


# Profiles (NIST's baselines, FedRAMP's) are resolved in test_oscal_baselines.py.


# ---------------------------------------------------------------- CSF 2.0 in OSCAL


def test_csf_2_0_oscal_catalog_imports() -> None:
    imported = read_oscal_catalog(fixture(CSF))
    csf = imported.frameworks[0]
    assert csf.counts_by_kind() == {"group": 40, "control": 185}
    withdrawn = [r for r in csf.requirements if r.attributes.get("withdrawn") == "true"]
    assert Counter(r.kind for r in withdrawn) == {"control": 79, "group": 12}
    assert sum(1 for r in csf.requirements if r.kind == "control" and r not in withdrawn) == 106
    assert [r.ref for r in csf.roots()] == ["gv", "id", "pr", "de", "rs", "rc"]
    subcategory = csf.get("gv.oc-01")
    assert subcategory is not None
    assert (subcategory.title, subcategory.parent) == ("GV.OC-01", "gv.oc")
    assert subcategory.text == (
        "The organizational mission is understood and informs cybersecurity risk management"
    )
    # The file repeats each function as an empty group; the repeats merge into the first.
    assert any("merged" in note for note in imported.notes)
    assert csf.publisher == "NIST"
    assert csf.id == "nist-cybersecurity-framework-csf-v2.0"


# ---------------------------------------------------------------- writing and round trips


def test_every_shipped_catalog_round_trips_through_oscal(library: Library, tmp_path: Path) -> None:
    for framework in library.frameworks.values():
        document = write_oscal_catalog(framework)
        assert json.dumps(document) == json.dumps(write_oscal_catalog(framework))  # stable
        catalog = document["catalog"]
        assert uuid.UUID(catalog["uuid"]).version == 5
        metadata = catalog["metadata"]
        assert metadata["oscal-version"] == "1.1.2"
        assert metadata["title"] == framework.name
        assert metadata["version"] == framework.version
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT00:00:00Z", metadata["last-modified"])
        check_oscal_shape(catalog)
        path = tmp_path / f"{framework.id}.json"
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")
        back = read_oscal_catalog(path).frameworks[0]
        assert [(r.ref, r.parent, r.title) for r in back.requirements] == [
            (r.ref, r.parent, r.title) for r in framework.requirements
        ], framework.id
        # Kinds, text, attributes and the header travel in Crosswalk props: nothing is lost.
        assert rows(back) == rows(framework), framework.id
        assert (back.id, back.name, back.version, back.publisher, back.source, back.notice) == (
            framework.id,
            framework.name,
            framework.version,
            framework.publisher,
            framework.source,
            framework.notice,
        )


def test_sp800_53_round_trips_and_exports_nist_style(sp800_53: Framework, tmp_path: Path) -> None:
    document = write_oscal_catalog(sp800_53)
    control = document["catalog"]["groups"][0]["controls"][0]
    assert control["id"] == "ac-1" and control["title"] == "Policy and Procedures"
    assert {"name": "label", "value": "AC-1"} in control["props"]
    assert control["parts"][0]["name"] == "statement"
    enhancement_ids = [c["id"] for c in control.get("controls", [])]
    assert enhancement_ids == []  # AC-1 has no enhancements; AC-2's sit inside AC-2:
    ac_2 = document["catalog"]["groups"][0]["controls"][1]
    assert [c["id"] for c in ac_2["controls"]][:2] == ["ac-2.1", "ac-2.2"]
    withdrawn = ac_2["controls"][9]
    assert {"name": "status", "value": "withdrawn"} in withdrawn["props"]
    path = tmp_path / "sp800-53.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    assert rows(read_oscal_catalog(path).frameworks[0]) == rows(sp800_53)


def test_refs_that_are_not_oscal_ids_are_kept_in_a_prop(library: Library) -> None:
    catalog = write_oscal_catalog(library.frameworks["iso27001-2022"])["catalog"]
    clause = next(g for g in catalog["groups"] if g["title"] == "Planning")
    first = clause["controls"][0]  # 6.1 has children: a control with nested controls
    assert first["id"] == "clause-6.1"
    assert {"name": "ref", "ns": CROSSWALK_NS, "value": "6.1"} in first["props"]
    assert [c["id"] for c in first["controls"]] == ["clause-6.1.1", "clause-6.1.2", "clause-6.1.3"]


def check_oscal_shape(node: dict[str, Any]) -> None:
    """OSCAL ids are tokens; a group holds groups or controls, never both (trestle agrees)."""
    token = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
    for group in node.get("groups", []):
        assert token.match(group["id"]) and group["title"]
        assert not ("groups" in group and "controls" in group), group["id"]
        check_oscal_shape(group)
    for control in node.get("controls", []):
        assert token.match(control["id"]) and control["title"]
        for prop in control.get("props", []):
            assert re.fullmatch(r"\S(.*\S)?", prop["value"]), prop
        check_oscal_shape(control)


# ---------------------------------------------------------------- errors


def test_truncated_json_names_the_file_line_and_column(tmp_path: Path) -> None:
    text = fixture(SP800_53).read_text(encoding="utf-8")
    truncated = tmp_path / "truncated.json"
    truncated.write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(ConversionError) as caught:
        read_oscal_catalog(truncated)
    error = caught.value
    assert error.path == str(truncated)
    assert re.fullmatch(r"line \d+, column \d+", error.where)
    assert "not valid JSON" in error.message and "truncated" in error.message
    assert str(truncated) in str(error)


def test_a_control_without_id_is_named_by_its_json_path(
    sp800_53_document: dict[str, Any], tmp_path: Path
) -> None:
    document = copy.deepcopy(sp800_53_document)
    del document["catalog"]["groups"][3]["controls"][7]["id"]
    path = tmp_path / "no-id.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(ConversionError) as caught:
        read_oscal_catalog(path)
    assert caught.value.where == "catalog.groups[3].controls[7]"
    assert "no 'id'" in caught.value.message


def test_nested_problems_and_missing_catalog(tmp_path: Path) -> None:
    def attempt(document: object) -> ConversionError:
        path = tmp_path / "bad.json"
        path.write_text(json.dumps(document), encoding="utf-8")
        with pytest.raises(ConversionError) as caught:
            read_oscal_catalog(path)
        return caught.value

    assert attempt({"profile": {}}).where == "catalog"
    assert "OSCAL profile" in attempt({"profile": {}}).message
    metadata = {"title": "T", "version": "1", "oscal-version": "1.1.2"}
    control = {"id": "c-1", "title": "C", "controls": [{"title": "no id"}]}
    inner = {"id": "h", "title": "H", "controls": [control]}
    nested = {"metadata": metadata, "groups": [{"id": "g", "title": "G", "groups": [inner]}]}
    error = attempt({"catalog": nested})
    assert error.where == "catalog.groups[0].groups[0].controls[0].controls[0]"
    twice = {
        "metadata": metadata,
        "controls": [{"id": "c", "title": "A"}, {"id": "c", "title": "B"}],
    }
    assert "duplicate id 'c'" in attempt({"catalog": twice}).message
    assert attempt({"catalog": {"metadata": metadata}}).message.endswith("no controls")


def _controls_by_id(catalog: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    stack = [catalog]
    while stack:
        node = stack.pop()
        for key in ("controls", "groups"):
            for child in node.get(key) or ():
                found[child["id"]] = child
                stack.append(child)
    return found


def test_the_export_keeps_the_params_guidance_and_links_the_source_had(
    sp800_53: Framework, sp800_53_document: dict[str, Any], tmp_path: Path
) -> None:
    source = _controls_by_id(sp800_53_document["catalog"])
    exported = _controls_by_id(write_oscal_catalog(sp800_53)["catalog"])
    resources = {r["uuid"]: r for r in sp800_53_document["catalog"]["back-matter"]["resources"]}
    with_params = [i for i, c in source.items() if c.get("params")]
    with_guidance = [
        i for i, c in source.items() if any(p["name"] == "guidance" for p in c.get("parts", []))
    ]
    assert len(with_params) == 676 and len(with_guidance) > 900
    for control_id in with_params:
        mine, theirs = exported[control_id]["params"], source[control_id]["params"]
        assert [p["id"] for p in mine] == [p["id"] for p in theirs]
        assert [p.get("label") for p in mine] == [p.get("label") for p in theirs]
    for control_id in with_guidance:
        (guidance,) = [p for p in exported[control_id]["parts"] if p["name"] == "guidance"]
        (original,) = [p for p in source[control_id]["parts"] if p["name"] == "guidance"]
        assert " ".join(guidance["prose"].split()) == " ".join(original["prose"].split())
    path = tmp_path / "sp800-53.json"
    path.write_text(json.dumps(write_oscal_catalog(sp800_53)), encoding="utf-8")
    assert read_oscal_catalog(path).frameworks[0] == sp800_53  # and read back, all of it
    ac_2 = exported["ac-2"]
    related = [k["href"] for k in ac_2["links"] if k["rel"] == "related"]
    assert related == [k["href"] for k in source["ac-2"]["links"] if k["rel"] == "related"]
    assert all(k["href"][1:] in exported for k in ac_2["links"] if k["rel"] == "related")
    references = [k for k in ac_2["links"] if k["rel"] == "reference"]
    cited = [k for k in source["ac-2"]["links"] if k["rel"] == "reference"]
    assert len(references) == len(cited) > 0
    for mine, theirs in zip(references, cited, strict=True):  # the back matter is not kept:
        resource = resources[theirs["href"][1:]]  # the link points where the resource does
        assert mine["href"] == resource["rlinks"][0]["href"]
        assert mine["text"] == resource["title"]
