from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from crosswalk.catalogs.loader import Library
from crosswalk.catalogs.parse import parse_yaml_text, read_catalog, read_mapping_set
from crosswalk.catalogs.writer import dump_framework, dump_mapping_set
from crosswalk.domain.relationships import RationaleKind, Relationship
from crosswalk.io.ciso_assistant import read_library, urn_tail
from crosswalk.io.ciso_matching import EXPORTED_AS
from crosswalk.io.ciso_writer import write_mapping_set_library
from crosswalk.io.converted import ConversionError
from tests.conftest import SHARED

FIXTURES = SHARED / "fixtures" / "ciso-assistant"
NIST = "nist-csf-2.0"
ISO = "iso27001-2022"


def fixture(name: str) -> Path:
    path = FIXTURES / name
    if not path.exists():
        pytest.skip(f"CISO Assistant fixtures not found at {FIXTURES}")
    return path


def write_yaml(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def node(fw: str, ref: str, parent: str | None = None, **extra: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"urn": f"urn:test:risk:req_node:{fw}:{ref.lower()}", "ref_id": ref}
    if parent is not None:
        entry["parent_urn"] = f"urn:test:risk:req_node:{fw}:{parent.lower()}"
    entry.update(extra)
    return entry


def framework_library(fw: str, nodes: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "urn": f"urn:test:risk:library:{fw}",
        "ref_id": fw.upper(),
        "name": f"Test library {fw}",
        "version": 3,
        "publication_date": "2026-01-02",
        "provider": "Test provider",
        "packager": "test",
        "copyright": "Written for the tests",
        "objects": {
            "framework": {
                "urn": f"urn:test:risk:framework:{fw}",
                "ref_id": fw.upper(),
                "name": f"Test framework {fw}",
                "requirement_nodes": nodes,
            }
        },
    }


def mapping_library(edges: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "urn": "urn:test:risk:library:mapping-test",
        "ref_id": "mapping-test",
        "name": "Test mapping",
        "version": 1,
        "provider": "Test provider",
        "packager": "test",
        "objects": {
            "requirement_mapping_sets": [
                {
                    "urn": "urn:test:risk:req_mapping_set:test",
                    "ref_id": "test-set",
                    "name": "CSF to ISO, a few edges",
                    "source_framework_urn": f"urn:intuitem:risk:framework:{NIST}",
                    "target_framework_urn": f"urn:intuitem:risk:framework:{ISO}",
                    "requirement_mappings": edges,
                }
            ]
        },
    }


def edge(source: str, target: str, **extra: Any) -> dict[str, Any]:
    return {
        "source_requirement_urn": f"urn:intuitem:risk:req_node:{NIST}:{source}",
        "target_requirement_urn": f"urn:intuitem:risk:req_node:{ISO}:{target}",
        "relationship": "intersect",
        **extra,
    }


@pytest.mark.parametrize(
    ("name", "framework_id", "assessable"),
    [("nist-csf-2.0.yaml", NIST, 106), ("iso27001-2022.yaml", ISO, 123)],
)
def test_shipped_frameworks_are_matched_not_imported_again(
    library: Library, name: str, framework_id: str, assessable: int
) -> None:
    imported = read_library(fixture(name), library.frameworks)
    assert imported.frameworks == [] and imported.mapping_sets == []
    assert imported.notes == [
        f"matched the loaded {framework_id}: {assessable} assessable requirements, all known"
    ]


def test_a_framework_can_be_imported_beside_ours_under_a_new_id(library: Library) -> None:
    imported = read_library(fixture("iso27001-2022.yaml"), library.frameworks, "iso-ciso")
    [framework] = imported.frameworks
    assert framework.id == "iso-ciso" and len(framework) == 140
    assert framework.counts_by_kind() == {"section": 17, "requirement": 123}
    control = framework.get("A.5.15")
    assert control is not None and control.kind == "requirement" and control.parent is not None
    assert control.attributes["urn"] == "urn:intuitem:risk:req_node:iso27001-2022:a.5.15"
    assert "urn:intuitem:risk:framework:iso27001-2022" in framework.source
    # what the installer writes reads back as a valid catalog
    text = dump_framework(framework)
    assert read_catalog(Path("iso-ciso.yaml"), parse_yaml_text(text)) == framework


def test_the_mapping_set_agrees_with_nists_informative_references(library: Library) -> None:
    imported = read_library(
        fixture("mapping-nist-csf-2.0-to-iso27001-2022.yaml"), library.frameworks
    )
    assert imported.frameworks == []
    forward, backward = imported.mapping_sets
    assert forward.id == "ciso-mapping-nist-csf-2.0-to-iso27001-2022"
    assert (forward.source_framework, forward.target_framework) == (NIST, ISO)
    assert (backward.source_framework, backward.target_framework) == (ISO, NIST)
    shipped = library.mapping_sets["nist-csf-2.0-to-iso27001-2022"]

    def targets(mappings: Any, source: str) -> set[str | None]:
        return {m.target for m in mappings if m.source == source}

    gv_oc_01 = f"{NIST}:GV.OC-01"
    assert targets(forward.mappings, gv_oc_01) == targets(shipped.mappings, gv_oc_01)
    assert f"{ISO}:4.1" in targets(forward.mappings, gv_oc_01)
    assert {(m.source, m.target) for m in forward.mappings} == {
        (m.source, m.target) for m in shipped.mappings
    }
    assert all(m.relationship is Relationship.INTERSECTS_WITH for m in forward.mappings)
    assert all(m.rationale is RationaleKind.SEMANTIC for m in forward.mappings)
    assert forward.provenance.authors == ("NIST",)
    assert any("2 repeated edge(s) dropped" in note for note in imported.notes)
    # the installer's own check accepts what we read
    frameworks = dict(library.frameworks)
    for mapping_set in imported.mapping_sets:
        text = dump_mapping_set(mapping_set)
        _, problems = read_mapping_set(Path("x.yaml"), frameworks, parse_yaml_text(text))
        assert problems == []


def test_a_node_with_an_unknown_parent_is_refused(tmp_path: Path, library: Library) -> None:
    path = write_yaml(
        tmp_path / "lib.yaml",
        framework_library(
            "tiny",
            [
                node("tiny", "A", assessable=False, name="Area"),
                node("tiny", "A-1", "A", assessable=True, name="First"),
                node("tiny", "B-1", "B", assessable=True, name="Orphan"),
            ],
        ),
    )
    with pytest.raises(ConversionError) as caught:
        read_library(path, library.frameworks)
    error = caught.value
    assert error.path == str(path)
    assert error.where == "objects.framework.requirement_nodes[2]"
    assert "urn:test:risk:req_node:tiny:b" in error.message
    assert "names no requirement node" in error.message


def test_a_mapping_to_a_missing_ref_is_refused(tmp_path: Path, library: Library) -> None:
    path = write_yaml(
        tmp_path / "map.yaml",
        mapping_library([edge("gv.oc-01", "4.1"), edge("gv.oc-01", "a.5.99")]),
    )
    with pytest.raises(ConversionError) as caught:
        read_library(path, library.frameworks)
    error = caught.value
    assert error.where == "objects.requirement_mapping_sets[0].requirement_mappings[1]"
    assert "urn:intuitem:risk:req_node:iso27001-2022:a.5.99" in error.message
    assert f"not a requirement of {ISO}" in error.message


def test_mapping_fields_are_translated(tmp_path: Path, library: Library) -> None:
    path = write_yaml(
        tmp_path / "map.yaml",
        mapping_library(
            [
                edge("GV.OC-01", "4.1", relationship="equal", rationale="syntactic"),
                edge("gv.oc-02", "a.5.1", relationship="subset", strength_of_relationship=14),
                edge("gv.oc-03", "A.5.31", relationship="superset", strength_of_relationship=0),
                edge("gv.oc-04", "6.1.1", relationship="not_related", annotation="Nope\n here"),
                edge("gv.oc-05", "4.2", rationale="functional", strength_of_relationship=7),
            ]
        ),
    )
    [mapping_set] = read_library(path, library.frameworks).mapping_sets
    assert mapping_set.id == "ciso-test-set"
    found = [
        (m.target, m.relationship.value, m.rationale.value, m.strength, m.note)
        for m in mapping_set.mappings
    ]
    generic = "CISO Assistant mapping set test-set: no annotation given"
    assert found == [
        (f"{ISO}:4.1", "equal", "syntactic", None, generic),
        (f"{ISO}:A.5.1", "subset_of", "semantic", 10, generic),
        (f"{ISO}:A.5.31", "superset_of", "semantic", 1, generic),
        (f"{ISO}:6.1.1", "no_relationship", "semantic", None, "Nope here"),
        (f"{ISO}:4.2", "intersects_with", "functional", 7, generic),
    ]
    assert mapping_set.provenance.method.value == "human"


def test_contradictory_and_unknown_words_are_refused(tmp_path: Path, library: Library) -> None:
    path = write_yaml(
        tmp_path / "map.yaml",
        mapping_library([edge("gv.oc-01", "4.1"), edge("gv.oc-01", "4.1", relationship="equal")]),
    )
    with pytest.raises(ConversionError, match=r"equal here but intersect") as caught:
        read_library(path, library.frameworks)
    assert caught.value.where.endswith("requirement_mappings[1]")
    write_yaml(path, mapping_library([edge("gv.oc-01", "4.1", relationship="overlaps")]))
    with pytest.raises(ConversionError, match="unknown relationship 'overlaps'"):
        read_library(path, library.frameworks)


def test_a_mapping_between_unknown_frameworks_is_refused(tmp_path: Path, library: Library) -> None:
    document = mapping_library([edge("gv.oc-01", "4.1")])
    mapping_set = document["objects"]["requirement_mapping_sets"][0]
    mapping_set["target_framework_urn"] = "urn:intuitem:risk:framework:pci-dss-4.0"
    path = write_yaml(tmp_path / "map.yaml", document)
    with pytest.raises(ConversionError, match=r"pci-dss-4\.0") as caught:
        read_library(path, library.frameworks)
    assert caught.value.where == "objects.requirement_mapping_sets[0].target_framework_urn"


def test_an_unknown_edition_of_a_known_framework_needs_a_new_id(
    tmp_path: Path, library: Library
) -> None:
    document = framework_library(
        ISO,
        [
            node(ISO, "A.5", assessable=False, name="Organizational controls"),
            node(ISO, "A.5.1", "A.5", assessable=True, name="Policies"),
            node(ISO, "A.5.38", "A.5", assessable=True, name="A control from the future"),
        ],
    )
    document["objects"]["framework"]["urn"] = f"urn:test:risk:framework:{ISO}"
    path = write_yaml(tmp_path / "iso.yaml", document)
    with pytest.raises(ConversionError, match=r"1 of 2 assessable .* 'A\.5\.38'.*--id NEW"):
        read_library(path, library.frameworks)
    [framework] = read_library(path, library.frameworks, framework_id="iso-next").frameworks
    assert [r.ref for r in framework] == ["A.5", "A.5.1", "A.5.38"]


def test_a_new_framework_keeps_refs_as_written_and_its_own_mappings(
    tmp_path: Path, library: Library
) -> None:
    document = framework_library(
        "tiny",
        [
            node("tiny", "5.10", "5", assessable=True, description="Child above its parent."),
            node("tiny", "5", assessable=False, name="Five", depth=1),
            {"urn": "urn:test:risk:req_node:tiny:no-ref", "assessable": True, "name": "No ref"},
            {
                "urn": "urn:test:risk:req_node:tiny:5-bis",
                "ref_id": "5",
                "parent_urn": "urn:test:risk:req_node:tiny:5",
                "assessable": True,
                "name": "Same ref_id as its parent",
            },
        ],
    )
    document["objects"]["requirement_mapping_sets"] = [
        {
            "ref_id": "tiny-to-iso",
            "source_framework_urn": "urn:test:risk:framework:tiny",
            "target_framework_urn": f"urn:intuitem:risk:framework:{ISO}",
            "requirement_mappings": [
                {
                    "source_requirement_urn": "urn:test:risk:req_node:tiny:5.10",
                    "target_requirement_urn": f"urn:intuitem:risk:req_node:{ISO}:a.5.1",
                    "relationship": "intersect",
                },
                {
                    "source_requirement_urn": "urn:test:risk:req_node:tiny:no-ref",
                    "target_requirement_urn": f"urn:intuitem:risk:req_node:{ISO}:a.5.2",
                    "relationship": "equal",
                },
            ],
        }
    ]
    path = write_yaml(tmp_path / "tiny.yaml", document)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("ref_id: '5.10'", "ref_id: 5.10"), encoding="utf-8")
    assert "ref_id: 5.10\n" in path.read_text(encoding="utf-8")  # a YAML float, kept as text
    imported = read_library(path, library.frameworks)
    [framework] = imported.frameworks
    assert framework.id == "tiny"
    refs = [(r.ref, r.kind, r.parent, r.title) for r in framework]
    assert refs == [
        ("5", "section", None, "Five"),
        ("5.10", "requirement", "5", "Child above its parent."),
        ("5-bis", "requirement", "5", "Same ref_id as its parent"),
        ("no-ref", "requirement", None, "No ref"),
    ]
    assert framework.publisher == "Test provider" and framework.version == "3"
    [mapping_set] = imported.mapping_sets
    assert [(m.source, m.target) for m in mapping_set.mappings] == [
        ("tiny:5.10", f"{ISO}:A.5.1"),
        ("tiny:no-ref", f"{ISO}:A.5.2"),
    ]
    assert any("took their ref from their urn" in note for note in imported.notes)


def test_broken_files_name_the_place(tmp_path: Path, library: Library) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("objects:\n  framework: {urn: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConversionError, match="not valid YAML") as caught:
        read_library(path, library.frameworks)
    assert caught.value.where.startswith("line ")
    write_yaml(path, {"urn": "urn:test:risk:library:empty", "objects": {}})
    with pytest.raises(ConversionError, match="nothing to import"):
        read_library(path, library.frameworks)
    write_yaml(path, framework_library("tiny", [{"ref_id": "X", "name": "No urn"}]))
    with pytest.raises(ConversionError, match="missing 'urn'") as caught:
        read_library(path, library.frameworks)
    assert caught.value.where == "objects.framework.requirement_nodes[0]"


@pytest.mark.parametrize(
    "set_id",
    [
        "nist-csf-2.0-to-iso27001-2022",
        "soc2-to-iso27001-2022",
        "soc2-to-nist-csf-2.0",
        "gdpr-to-iso27001-2022",
        "eu-ai-act-to-iso27001-2022",
        "iso27001-2013-to-2022",
        "seed-primary",
    ],
)
def test_shipped_mapping_sets_survive_a_round_trip(
    tmp_path: Path, library: Library, set_id: str
) -> None:
    original = library.mapping_sets[set_id]
    text = write_mapping_set_library(original, library.frameworks)
    document = yaml.safe_load(text)
    [written] = document["objects"]["requirement_mapping_sets"]
    theirs = EXPORTED_AS.get(original.source_framework, original.source_framework)
    assert written["source_framework_urn"] == f"urn:intuitem:risk:framework:{theirs}"
    first = written["requirement_mappings"][0]
    assert first["source_requirement_urn"].startswith(f"urn:intuitem:risk:req_node:{theirs}:")
    assert (
        urn_tail(first["source_requirement_urn"])
        == urn_tail(first["source_requirement_urn"]).lower()
    )
    path = tmp_path / f"{set_id}.yaml"
    path.write_text(text, encoding="utf-8")
    [back] = read_library(path, library.frameworks).mapping_sets
    assert back.id == f"ciso-{set_id}"
    assert (back.source_framework, back.target_framework) == (
        original.source_framework,
        original.target_framework,
    )

    def edges(mapping_set: Any) -> list[tuple[Any, ...]]:
        return [
            (
                m.source,
                m.target,
                m.relationship,
                m.rationale,
                m.strength,
                m.note,
                m.beyond_refined,
                m.marked_weak,
                dict(m.attributes),
            )
            for m in mapping_set.mappings
            if m.target is not None  # CISO Assistant mappings always have a target
        ]

    assert edges(back) == edges(original)
    # what CISO Assistant's format has no field for travels in our own key
    assert back.version == original.version and back.refines == original.refines
    assert back.provenance == original.provenance
    left_out = len(original.mappings) - len(edges(original))
    assert (f"{left_out} no_relationship edge(s)" in text) == bool(left_out)
