"""Statement-level items in OSCAL mapping collections (issue 23): ``ac-2_smt.a`` is kept
under ``ac-2``, named in the edge's note and attributes, and exported as the statement."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator, validators

from crosswalk.catalogs.loader import Library, load_library
from crosswalk.domain.requirements import Framework
from crosswalk.io.converted import ConversionError
from crosswalk.io.oscal_catalog import read_oscal_catalog
from crosswalk.io.oscal_mapping import read_mapping_collection, write_mapping_collection
from crosswalk.services.mapping.formats import install
from tests.conftest import SHARED
from tests.io.test_oscal_mapping import SCHEMA, _edge_key, _errors, _regex_pattern

SP800_53 = (
    SHARED
    / "fixtures"
    / "oscal"
    / "catalogs"
    / "NIST_SP-800-53_rev5_catalog_v5.0.1_2021-06-08.json"
)
NAMES = {"source": "nist-csf-2.0", "target": "nist-sp-800-53-rev5"}

pytestmark = pytest.mark.skipif(not SP800_53.exists(), reason="SP 800-53 fixture not found")


@pytest.fixture(scope="module")
def nist_validator() -> Any:
    cls = validators.extend(Draft7Validator, {"pattern": _regex_pattern})
    return cls(json.loads(SCHEMA.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def frameworks(library: Library) -> dict[str, Framework]:
    catalog = read_oscal_catalog(SP800_53).frameworks[0]
    return {**library.frameworks, catalog.id: catalog}


def item(id_ref: str, kind: str = "statement") -> dict[str, str]:
    return {"type": kind, "id-ref": id_ref}


def collection(*maps: dict[str, Any]) -> dict[str, Any]:
    return {
        "mapping-collection": {
            "uuid": "b0000000-0000-4000-8000-000000000000",
            "metadata": {
                "title": "CSF to SP 800-53, by statement",
                "last-modified": "2026-01-01T00:00:00Z",
                "version": "1",
                "oscal-version": "1.2.1",
            },
            "provenance": {
                "method": "human",
                "matching-rationale": "semantic",
                "status": "complete",
                "mapping-description": "test",
            },
            "mappings": [
                {
                    "uuid": "b0000000-0000-4000-8000-000000000001",
                    "source-resource": {"type": "catalog", "href": "csf.json"},
                    "target-resource": {"type": "catalog", "href": "sp800-53.json"},
                    "maps": [
                        {"uuid": f"b0000000-0000-4000-8000-{n:012d}", **m}
                        for n, m in enumerate(maps, start=10)
                    ],
                }
            ],
        }
    }


def write(tmp_path: Path, document: dict[str, Any]) -> Path:
    path = tmp_path / "collection.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


MAPS = (
    {
        "relationship": "intersects-with",
        "sources": [item("GV.OC-01", "control")],
        "targets": [item("pm-11_smt.a")],
        "remarks": "the mission is defined",
    },
    {
        "relationship": "intersects-with",
        "sources": [item("GV.OC-01", "control")],
        "targets": [item("pm-11_smt.b")],
    },
    {
        "relationship": "subset-of",
        "sources": [item("PR.AA-01", "control")],
        "targets": [item("ac-2_smt.a", "control"), item("ac-2")],  # the form says statement
    },
)


def test_statement_targets_are_kept_under_their_control(
    frameworks: dict[str, Framework], tmp_path: Path
) -> None:
    (mapping_set,) = read_mapping_collection(
        write(tmp_path, collection(*MAPS)), frameworks, NAMES
    ).mapping_sets
    edges = [
        (e.source, e.target, e.attributes.get("target_statement"), e.note)
        for e in mapping_set.mappings
    ]
    assert edges == [
        (
            "nist-csf-2.0:GV.OC-01",
            "nist-sp-800-53-rev5:pm-11",
            "pm-11_smt.a",
            "the mission is defined (target statement pm-11_smt.a)",
        ),
        (
            "nist-csf-2.0:GV.OC-01",
            "nist-sp-800-53-rev5:pm-11",
            "pm-11_smt.b",
            "Imported from collection.json (target statement pm-11_smt.b)",
        ),
        (
            "nist-csf-2.0:PR.AA-01",
            "nist-sp-800-53-rev5:ac-2",
            "ac-2_smt.a",
            "Imported from collection.json (weakened from subset-of: the map relates 1 source(s) "
            "to 2 target(s) as sets) (target statement ac-2_smt.a)",
        ),
        (
            "nist-csf-2.0:PR.AA-01",
            "nist-sp-800-53-rev5:ac-2",
            None,
            "Imported from collection.json (weakened from subset-of: the map relates 1 source(s) "
            "to 2 target(s) as sets)",
        ),
    ]


def test_statement_edges_install_export_as_statements_and_read_back(
    frameworks: dict[str, Framework], tmp_path: Path, nist_validator: Any
) -> None:
    imported = read_mapping_collection(write(tmp_path, collection(*MAPS)), frameworks, NAMES)
    (mapping_set,) = imported.mapping_sets
    library = load_library()
    catalog = frameworks["nist-sp-800-53-rev5"]
    install(library, tmp_path / "ws", type(imported)(source="sp", frameworks=[catalog]))
    report = install(load_library([tmp_path / "ws" / "frameworks"]), tmp_path / "ws", imported)
    assert report.mapping_sets == {mapping_set.id: 4}
    exported = write_mapping_collection(mapping_set, frameworks)
    assert _errors(nist_validator, exported) == []
    maps = exported["mapping-collection"]["mappings"][0]["maps"]
    assert [m["targets"] for m in maps] == [
        [item("pm-11_smt.a")],
        [item("pm-11_smt.b")],
        [item("ac-2_smt.a")],
        [item("ac-2", "control")],
    ]
    assert maps[0]["remarks"] == "the mission is defined"  # the reader adds the statement back
    again = tmp_path / "again.json"
    again.write_text(json.dumps(exported), encoding="utf-8")
    (back,) = read_mapping_collection(again, frameworks).mapping_sets
    assert [_edge_key(e) for e in back.mappings] == [_edge_key(e) for e in mapping_set.mappings]


def test_a_source_statement_works_the_same_way(
    frameworks: dict[str, Framework], tmp_path: Path
) -> None:
    document = collection(
        {
            "relationship": "superset-of",
            "sources": [item("ra-5_smt.a")],
            "targets": [item("ID.RA-01", "control")],
        }
    )
    names = {"source": "nist-sp-800-53-rev5", "target": "nist-csf-2.0"}
    (mapping_set,) = read_mapping_collection(
        write(tmp_path, document), frameworks, names
    ).mapping_sets
    (edge,) = mapping_set.mappings
    assert (edge.source, edge.attributes["source_statement"]) == (
        "nist-sp-800-53-rev5:ra-5",
        "ra-5_smt.a",
    )
    assert edge.note.endswith("(source statement ra-5_smt.a)")


def test_a_statement_of_an_unknown_control_is_refused_or_skipped(
    frameworks: dict[str, Framework], tmp_path: Path
) -> None:
    document = collection(
        {
            "relationship": "intersects-with",
            "sources": [item("GV.OC-01", "control")],
            "targets": [item("zz-9_smt.a")],
        }
    )
    path = write(tmp_path, document)
    with pytest.raises(
        ConversionError, match=r"statement 'zz-9_smt\.a': its control 'zz-9' is not"
    ):
        read_mapping_collection(path, frameworks, NAMES)
    with pytest.raises(ConversionError, match="no edge to import"):
        read_mapping_collection(path, frameworks, NAMES, skip_unknown_refs=True)
