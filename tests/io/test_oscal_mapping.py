"""OSCAL 1.2 mapping collections: NIST's CSF -> SP 800-53 collection in, our sets out and back."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import regex
from jsonschema import Draft7Validator, validators
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator

from crosswalk.catalogs.loader import Library
from crosswalk.catalogs.parse import parse_yaml_text, read_mapping_set
from crosswalk.catalogs.writer import dump_mapping_set
from crosswalk.domain.mappings import Mapping, MappingSet, Method, Provenance
from crosswalk.domain.relationships import RationaleKind, Relationship
from crosswalk.domain.requirements import Framework, Requirement
from crosswalk.io.converted import ConversionError
from crosswalk.io.oscal_catalog import write_oscal_catalog
from crosswalk.io.oscal_mapping import NS, read_mapping_collection, write_mapping_collection

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "oscal"
COLLECTIONS = FIXTURES / "mapping-collections"
DEGENARO = COLLECTIONS / "degenaro_NIST_CSF_v2.0-to-NIST_SP-800-53_rev5.mapping-collection.json"
TRESTLE = COLLECTIONS / "trestle_simple_mapping.json"
SCHEMA = COLLECTIONS / "oscal_mapping_schema.json"
SP800_53_CATALOG = FIXTURES / "catalogs" / "NIST_SP-800-53_rev5_catalog_v5.0.1_2021-06-08.json"
SHIPPED_SETS = [
    "eu-ai-act-to-iso27001-2022",
    "gdpr-to-iso27001-2022",
    "iso27001-2013-to-2022",
    "nist-csf-2.0-to-iso27001-2022",
    "seed-primary",
    "soc2-to-iso27001-2022",
    "soc2-to-nist-csf-2.0",
]
# Controls the collection names that SP 800-53 release 5.1 added after the 5.0.1 catalog.
ADDED_IN_5_1 = {"ia-13", "sa-15.13", "sa-24", "si-2.7"}

pytestmark = pytest.mark.skipif(not DEGENARO.exists(), reason=f"fixtures not found at {FIXTURES}")


def _regex_pattern(
    validator: Validator, pattern: str, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    """JSON Schema ``pattern`` with the ``regex`` engine: NIST's patterns use ``\\p{L}``."""
    if validator.is_type(instance, "string") and not regex.search(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


@pytest.fixture(scope="module")
def oscal_validator() -> Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    cls = validators.extend(Draft7Validator, {"pattern": _regex_pattern})
    checker: Any = Draft7Validator.FORMAT_CHECKER
    return cls(schema, format_checker=checker)


def _errors(validator: Validator, document: dict[str, Any]) -> list[str]:
    """Every failure, down to the leaves of anyOf branches, with its path in the document."""
    found: list[str] = []
    pending = list(validator.iter_errors(document))
    while pending:
        error = pending.pop()
        if error.context:
            pending.extend(error.context)
            continue
        found.append(f"{'/'.join(map(str, error.absolute_path))}: {error.message[:160]}")
    return found


def _collection_refs() -> tuple[list[str], list[str]]:
    document = json.loads(DEGENARO.read_text(encoding="utf-8"))
    maps = document["mapping-collection"]["mappings"][0]["maps"]
    sources = [item["id-ref"] for entry in maps for item in entry["sources"]]
    targets = [item["id-ref"] for entry in maps for item in entry["targets"]]
    return sources, targets


def _label(oscal_id: str) -> str:
    """``cm-7.2`` -> ``CM-7(2)``: the printed form, so matching must translate ids."""
    base, _, enhancement = oscal_id.upper().partition(".")
    return f"{base}({enhancement})" if enhancement else base


@pytest.fixture(scope="module")
def minimal_800_53() -> Framework:
    """An SP 800-53 built from exactly the refs the collection uses, in printed form."""
    _, targets = _collection_refs()
    requirements: dict[str, Requirement] = {}
    for oscal_id in sorted(set(targets)):
        base = oscal_id.partition(".")[0]
        if _label(base) not in requirements:
            requirements[_label(base)] = Requirement(
                "nist-sp-800-53-rev5", _label(base), f"Control {base}", "control"
            )
        if oscal_id != base:
            requirements[_label(oscal_id)] = Requirement(
                "nist-sp-800-53-rev5",
                _label(oscal_id),
                f"Enhancement {oscal_id}",
                "enhancement",
                parent=_label(base),
            )
    return Framework(
        "nist-sp-800-53-rev5",
        "NIST SP 800-53 (test subset)",
        "5.1.1",
        "NIST",
        "built in the test",
        "public domain",
        tuple(requirements.values()),
    )


@pytest.fixture(scope="module")
def catalog_800_53() -> Framework:
    """The SP 800-53 5.0.1 catalog fixture, read by the OSCAL catalog converter."""
    try:
        from crosswalk.io.oscal_catalog import read_oscal_catalog
    except ImportError:  # pragma: no cover - the converter lands separately
        pytest.skip("crosswalk.io.oscal_catalog is not available yet")
    return read_oscal_catalog(SP800_53_CATALOG).frameworks[0]


def _with(library: Library, *extra: Framework) -> dict[str, Framework]:
    return {**library.frameworks, **{f.id: f for f in extra}}


def _edge_key(edge: Mapping) -> tuple[Any, ...]:
    return (
        edge.source,
        edge.target or "",
        edge.relationship.value,
        edge.rationale.value,
        edge.strength or 0,
        edge.note,
        edge.beyond_refined or "",
        tuple(sorted(edge.attributes.items())),
        repr(edge.marked_weak),
    )


def _write(tmp_path: Path, document: Any, name: str = "collection.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- importing


def test_csf_to_800_53_collection_imports_every_edge(
    library: Library, minimal_800_53: Framework
) -> None:
    imported = read_mapping_collection(DEGENARO, _with(library, minimal_800_53))
    assert len(imported.mapping_sets) == 1
    mapping_set = imported.mapping_sets[0]
    assert mapping_set.id == "nist-csf-2.0-to-nist-sp-800-53-rev5"
    assert (mapping_set.source_framework, mapping_set.target_framework) == (
        "nist-csf-2.0",
        "nist-sp-800-53-rev5",
    )
    # 106 maps, one CSF subcategory each, 737 (source, target) pairs in all.
    assert len(mapping_set.mappings) == 737
    assert len({m.source for m in mapping_set.mappings}) == 106
    assert {m.relationship for m in mapping_set.mappings} == {Relationship.SUPERSET_OF}
    assert {m.rationale for m in mapping_set.mappings} == {RationaleKind.SEMANTIC}
    assert {m.strength for m in mapping_set.mappings} == {10}  # confidence-score 1.0
    assert all(m.note == f"Imported from {DEGENARO.name}" for m in mapping_set.mappings)
    # ids translated: gv.oc-01 -> GV.OC-01 (case), cm-7.2 -> CM-7(2) (printed form)
    targets = {m.target for m in mapping_set.mappings if m.source == "nist-csf-2.0:GV.OC-01"}
    assert targets == {"nist-sp-800-53-rev5:PM-11"}
    assert "nist-sp-800-53-rev5:CM-7(2)" in {m.target for m in mapping_set.mappings}
    provenance = mapping_set.provenance
    assert provenance.method is Method.HUMAN  # the collection says "manual"
    assert provenance.source == f"NIST_CSF_v2.0 to NIST_SP-800-53_rev5 ({DEGENARO.name})"
    assert provenance.reviewed_on is not None and provenance.reviewed_on.isoformat() == "2026-03-06"
    assert mapping_set.version == "1.0"
    # the gap summary lists CSF 1.1 ids; reported, never turned into edges
    assert any("source-gap-summary lists 79" in note for note in imported.notes)


def test_imported_collection_is_installable(library: Library, minimal_800_53: Framework) -> None:
    """What the converter returns reads back through our own loader without a problem."""
    frameworks = _with(library, minimal_800_53)
    mapping_set = read_mapping_collection(DEGENARO, frameworks).mapping_sets[0]
    text = dump_mapping_set(mapping_set, "test")
    reread, problems = read_mapping_set(Path("x.yaml"), frameworks, parse_yaml_text(text))
    assert problems == []
    assert sorted(map(_edge_key, reread.mappings)) == sorted(map(_edge_key, mapping_set.mappings))


def test_imported_collection_exports_valid_oscal_and_reads_back(
    library: Library, minimal_800_53: Framework, tmp_path: Path, oscal_validator: Validator
) -> None:
    frameworks = _with(library, minimal_800_53)
    imported = read_mapping_collection(DEGENARO, frameworks).mapping_sets[0]
    document = write_mapping_collection(imported, frameworks)
    assert _errors(oscal_validator, document) == []
    (back,) = read_mapping_collection(_write(tmp_path, document), frameworks).mapping_sets
    assert sorted(map(_edge_key, back.mappings)) == sorted(map(_edge_key, imported.mappings))
    assert back.provenance == imported.provenance


def test_against_the_5_0_1_catalog_the_controls_added_in_5_1_stop_the_import(
    library: Library, catalog_800_53: Framework
) -> None:
    frameworks = _with(library, catalog_800_53)
    with pytest.raises(ConversionError) as caught:
        read_mapping_collection(DEGENARO, frameworks)
    error = caught.value
    assert error.where == "mapping-collection.mappings[0].maps[23].targets[4]"
    assert "'sa-24'" in error.message and catalog_800_53.id in error.message

    imported = read_mapping_collection(DEGENARO, frameworks, skip_unknown_refs=True)
    mapping_set = imported.mapping_sets[0]
    assert mapping_set.target_framework == catalog_800_53.id
    assert len(mapping_set.mappings) == 737 - 8  # 8 edges name the 4 controls added in 5.1
    left_out = next(note for note in imported.notes if "left out 8 edge(s)" in note)
    assert all(ref in left_out for ref in ADDED_IN_5_1)
    assert any("withdrawn" in note for note in imported.notes)  # RA-4 is withdrawn in 5.0.1


def test_trestle_collection_needs_its_frameworks_named(
    library: Library, minimal_800_53: Framework
) -> None:
    """Its resources are https://foo/bar.json and https://dog/cat.json: nothing to recognise."""
    frameworks = _with(library, minimal_800_53)
    with pytest.raises(ConversionError) as caught:
        read_mapping_collection(TRESTLE, frameworks)
    assert caught.value.where == "mapping-collection.mappings[0].source-resource"
    assert "--framework-id 'https://foo/bar.json=FRAMEWORK'" in caught.value.message

    imported = read_mapping_collection(
        TRESTLE,
        frameworks,
        {"https://foo/bar.json": "nist-sp-800-53-rev5", "cat.json": "nist-sp-800-53-rev5"},
        set_id="trestle-test",
    )
    (mapping_set,) = imported.mapping_sets
    assert mapping_set.id == "trestle-test"
    assert [(m.source, m.target, m.relationship) for m in mapping_set.mappings] == [
        ("nist-sp-800-53-rev5:AC-1", "nist-sp-800-53-rev5:AC-2", Relationship.SUBSET_OF)
    ]
    assert mapping_set.provenance.method is Method.HUMAN


# ----------------------------------------------------------------------------- exporting


@pytest.mark.parametrize("set_id", SHIPPED_SETS)
def test_export_of_every_shipped_set_validates_against_nist_schema(
    library: Library, oscal_validator: Validator, set_id: str
) -> None:
    document = write_mapping_collection(library.mapping_sets[set_id], library.frameworks)
    assert _errors(oscal_validator, document) == []


def test_the_validator_really_checks_unicode_patterns(
    library: Library, oscal_validator: Validator
) -> None:
    document = write_mapping_collection(library.mapping_sets["seed-primary"], library.frameworks)
    broken = copy.deepcopy(document)
    broken["mapping-collection"]["mappings"][0]["maps"][0]["relationship"] = "1-bad token"
    problem = "mappings/0/maps/0/relationship: '1-bad token' does not match"
    assert any(problem in e for e in _errors(oscal_validator, broken))
    with pytest.raises(re.error, match="bad escape"):  # why the stdlib engine will not do
        re.compile(r"^(\p{L}|_)$")


def test_every_shipped_set_is_covered(library: Library) -> None:
    assert sorted(library.mapping_sets) == SHIPPED_SETS


@pytest.mark.parametrize("set_id", SHIPPED_SETS)
def test_round_trip_of_every_shipped_set(library: Library, tmp_path: Path, set_id: str) -> None:
    original = library.mapping_sets[set_id]
    path = _write(tmp_path, write_mapping_collection(original, library.frameworks))
    imported = read_mapping_collection(path, library.frameworks)
    (back,) = imported.mapping_sets
    assert sorted(map(_edge_key, back.mappings)) == sorted(map(_edge_key, original.mappings))
    assert len(back.mappings) == len(original.mappings)
    assert (back.id, back.version, back.title, back.refines) == (
        original.id,
        original.version,
        original.title,
        original.refines,
    )
    assert (back.source_framework, back.target_framework) == (
        original.source_framework,
        original.target_framework,
    )
    assert back.provenance == original.provenance
    assert back.description == original.description
    assert imported.notes == []


def _control_ids(catalog: dict[str, Any]) -> set[str]:
    """Every id of a control or group in an OSCAL catalog document."""
    found: set[str] = set()
    stack = [catalog["catalog"]]
    while stack:
        node = stack.pop()
        for key in ("controls", "groups"):
            for child in node.get(key) or ():
                found.add(child["id"])
                stack.append(child)
    return found


@pytest.mark.parametrize("set_id", SHIPPED_SETS)
def test_every_id_ref_resolves_in_our_catalog_exports_of_both_sides(
    library: Library, set_id: str
) -> None:
    """Another tool given our mapping export and our two catalog exports finds every control
    a map names ("4.1" is "clause-4.1" in both, "Art. 12" is "Art.-12" in both)."""
    mapping_set = library.mapping_sets[set_id]
    mapping = write_mapping_collection(mapping_set, library.frameworks)["mapping-collection"]
    (written,) = mapping["mappings"]
    sides = {
        "sources": _control_ids(
            write_oscal_catalog(library.frameworks[mapping_set.source_framework])
        ),
        "targets": _control_ids(
            write_oscal_catalog(library.frameworks[mapping_set.target_framework])
        ),
    }
    unresolved = {
        (side, item["id-ref"])
        for entry in written["maps"]
        for side, ids in sides.items()
        for item in entry[side]
        if item["id-ref"] not in ids
    }
    gaps = written.get("source-gap-summary", {"unmapped-controls": [{"with-ids": []}]})
    unresolved |= {
        ("source-gap-summary", i)
        for i in gaps["unmapped-controls"][0]["with-ids"]
        if i not in sides["sources"]
    }
    assert unresolved == set()
    assert sum(len(m["sources"]) for m in written["maps"]) > 0


def test_export_is_repeatable_and_uuids_unique(library: Library) -> None:
    mapping_set = library.mapping_sets["soc2-to-iso27001-2022"]
    first = write_mapping_collection(mapping_set, library.frameworks)
    assert first == write_mapping_collection(mapping_set, library.frameworks)
    collection = first["mapping-collection"]
    assert collection["metadata"]["last-modified"] == "2026-12-06T00:00:00Z"  # the review date
    uuids = [m["uuid"] for m in collection["mappings"][0]["maps"]]
    assert len(uuids) == len(set(uuids)) == len(mapping_set.mappings)
    unreviewed = library.mapping_sets["nist-csf-2.0-to-iso27001-2022"]
    pinned = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    written = write_mapping_collection(unreviewed, library.frameworks, last_modified=pinned)
    assert written["mapping-collection"]["metadata"]["last-modified"] == "2026-01-02T03:04:05Z"


def test_relationship_vocabulary_is_translated(library: Library) -> None:
    words = {
        (m["relationship"], m["matching-rationale"])
        for set_id in SHIPPED_SETS
        for m in write_mapping_collection(library.mapping_sets[set_id], library.frameworks)[
            "mapping-collection"
        ]["mappings"][0]["maps"]
    }
    relationships = {word for word, _ in words}
    assert relationships == {"equal-to", "subset-of", "superset-of", "intersects-with"}
    assert ("equal-to", "syntactic") in words  # ISO 2013 -> 2022: the same words


def test_semantic_equality_is_written_equivalent_to(
    library: Library, tmp_path: Path, oscal_validator: Validator
) -> None:
    edge = Mapping(
        "csf-soc2-eq",
        "nist-csf-2.0:GV.OC-01",
        "soc2-tsc-2017:CC2.1",
        Relationship.EQUAL,
        RationaleKind.SEMANTIC,
        "same meaning, other words",
        strength=7,
    )
    mapping_set = MappingSet(
        "csf-soc2-eq",
        "0.1",
        "Equality test",
        "nist-csf-2.0",
        "soc2-tsc-2017",
        Provenance("test", Method.AUTOMATION),
        (edge,),
    )
    document = write_mapping_collection(mapping_set, library.frameworks)
    (entry,) = document["mapping-collection"]["mappings"][0]["maps"]
    assert entry["relationship"] == "equivalent-to"
    assert entry["confidence-score"] == {"percentage": 0.7}
    assert entry["remarks"] == "same meaning, other words"
    assert _errors(oscal_validator, document) == []
    (back,) = read_mapping_collection(_write(tmp_path, document), library.frameworks).mapping_sets
    assert _edge_key(back.mappings[0]) == _edge_key(edge)
    assert back.provenance.method is Method.AUTOMATION


def test_sources_without_counterpart_are_props_and_gap_summary(library: Library) -> None:
    soc2 = write_mapping_collection(
        library.mapping_sets["soc2-to-nist-csf-2.0"], library.frameworks
    )
    mapping = soc2["mapping-collection"]["mappings"][0]
    unmapped = [p for p in mapping["props"] if p["name"] == "no-relationship"]
    assert len(unmapped) == 11
    assert all(p["ns"] == NS and p["remarks"] and p["class"] for p in unmapped)
    assert mapping["source-gap-summary"]["unmapped-controls"][0]["with-ids"] == [
        p["value"] for p in unmapped
    ]
    assert not any(m["relationship"] == "no-relationship" for m in mapping["maps"])
    # "Art. 5" is not an OSCAL token: the props carry the ref, the gap summary the id the
    # article has in our OSCAL catalog export of the AI Act
    ai_act = write_mapping_collection(
        library.mapping_sets["eu-ai-act-to-iso27001-2022"], library.frameworks
    )["mapping-collection"]["mappings"][0]
    gaps = ai_act["source-gap-summary"]["unmapped-controls"][0]["with-ids"]
    assert "Art.-5" in gaps and len(gaps) == 35
    # 35 since set 2.0.0: the two Art. 5 prohibitions the Digital Omnibus on AI inserts,
    # Art. 5(1)(ba) and (bb), carry no_relationship records like the other prohibitions
    assert sum(p["name"] == "no-relationship" for p in ai_act["props"]) == 35


# ----------------------------------------------------------------------------- how maps read


def _document(*maps: dict[str, Any], **mapping_extra: Any) -> dict[str, Any]:
    mapping = {
        "uuid": "a0000000-0000-4000-8000-000000000001",
        "source-resource": {"type": "catalog", "href": "soc2-tsc-2017.json"},
        "target-resource": {"type": "catalog", "href": "iso27001-2022.json"},
        "maps": list(maps),
        **mapping_extra,
    }
    return {
        "mapping-collection": {
            "uuid": "a0000000-0000-4000-8000-000000000000",
            "metadata": {
                "title": "A test collection",
                "last-modified": "2026-01-01T00:00:00Z",
                "version": "3",
                "oscal-version": "1.2.1",
            },
            "provenance": {
                "method": "hybrid",
                "matching-rationale": "functional",
                "status": "draft",
                "mapping-description": "test",
            },
            "mappings": [mapping],
        }
    }


def _map(relationship: str, sources: list[str], targets: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "uuid": "a0000000-0000-4000-8000-000000000002",
        "relationship": relationship,
        "sources": [{"type": "control", "id-ref": s} for s in sources],
        "targets": [{"type": "control", "id-ref": t} for t in targets],
        **extra,
    }


def test_several_sources_or_targets_become_several_edges(library: Library, tmp_path: Path) -> None:
    document = _document(
        _map("superset-of", ["cc6.1"], ["A.5.15", "a.8.5"], remarks="one source covers both"),
        _map("subset-of", ["CC6.2"], ["A.5.16", "A.5.18"]),
        _map("equivalent-to", ["CC6.3", "CC6.4"], ["A.5.18"]),
        _map("subset-of", ["CC7.1", "CC7.2"], ["A.8.16"], **{"matching-rationale": "semantic"}),
    )
    (mapping_set,) = read_mapping_collection(
        _write(tmp_path, document), library.frameworks
    ).mapping_sets
    edges = {(m.source, m.target): m for m in mapping_set.mappings}
    assert len(edges) == 8
    kept = edges[("soc2-tsc-2017:CC6.1", "iso27001-2022:A.8.5")]
    assert kept.relationship is Relationship.SUPERSET_OF  # s covers T1 u T2, so each
    assert kept.note == "one source covers both"
    assert kept.rationale is RationaleKind.FUNCTIONAL  # from the provenance
    weakened = edges[("soc2-tsc-2017:CC6.2", "iso27001-2022:A.5.16")]
    assert weakened.relationship is Relationship.INTERSECTS_WITH  # s in T1 u T2: not in T1
    assert "weakened from subset-of" in weakened.note
    assert edges[("soc2-tsc-2017:CC6.4", "iso27001-2022:A.5.18")].relationship is (
        Relationship.INTERSECTS_WITH
    )
    each_in = edges[("soc2-tsc-2017:CC7.2", "iso27001-2022:A.8.16")]
    assert each_in.relationship is Relationship.SUBSET_OF  # S1 u S2 in t: each is
    assert each_in.rationale is RationaleKind.SEMANTIC
    assert mapping_set.provenance.method is Method.HYBRID
    assert mapping_set.id == "soc2-tsc-2017-to-iso27001-2022"


def test_missing_rationale_is_semantic_with_a_note(library: Library, tmp_path: Path) -> None:
    document = _document(_map("intersects-with", ["CC1.1"], ["A.5.1"]))
    del document["mapping-collection"]["provenance"]["matching-rationale"]
    imported = read_mapping_collection(_write(tmp_path, document), library.frameworks)
    (edge,) = imported.mapping_sets[0].mappings
    assert edge.rationale is RationaleKind.SEMANTIC
    assert "semantic assumed" in edge.note
    assert any("semantic assumed" in note for note in imported.notes)


def test_frameworks_are_recognised_from_titles_and_hrefs(library: Library, tmp_path: Path) -> None:
    document = _document(_map("intersects-with", ["GV.OC-01"], ["5.1"]))
    mapping = document["mapping-collection"]["mappings"][0]
    mapping["source-resource"]["href"] = "https://example.org/NIST_CSF_v2.0_catalog.json"
    mapping["target-resource"]["href"] = "https://example.org/ISO_IEC_27001.json"
    ambiguous = _write(tmp_path, document, "ambiguous.json")
    with pytest.raises(ConversionError) as caught:
        read_mapping_collection(ambiguous, library.frameworks)
    assert "iso27001-2013, iso27001-2022" in caught.value.message
    assert caught.value.where.endswith("target-resource")

    mapping["target-resource"]["href"] = "https://example.org/ISO_IEC_27001_2022.json"
    (mapping_set,) = read_mapping_collection(
        _write(tmp_path, document, "iso2022.json"), library.frameworks
    ).mapping_sets
    assert (mapping_set.source_framework, mapping_set.target_framework) == (
        "nist-csf-2.0",
        "iso27001-2022",
    )
    # an override wins, by href or by side
    (overridden,) = read_mapping_collection(
        ambiguous, library.frameworks, {"target": "iso27001-2022"}
    ).mapping_sets
    assert overridden.target_framework == "iso27001-2022"


# ----------------------------------------------------------------------------- errors


def test_truncated_json_is_a_clear_error(library: Library, tmp_path: Path) -> None:
    text = DEGENARO.read_text(encoding="utf-8")
    path = tmp_path / "truncated.json"
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(ConversionError) as caught:
        read_mapping_collection(path, library.frameworks)
    assert caught.value.path == str(path)
    assert caught.value.where.startswith("line ")
    assert "not valid JSON" in caught.value.message and "truncated" in caught.value.message


def test_a_mapping_to_a_missing_ref_names_the_map_and_the_id(
    library: Library, minimal_800_53: Framework, tmp_path: Path
) -> None:
    document = json.loads(DEGENARO.read_text(encoding="utf-8"))
    document["mapping-collection"]["mappings"][0]["maps"][2]["targets"][1]["id-ref"] = "zz-99"
    with pytest.raises(ConversionError) as caught:
        read_mapping_collection(_write(tmp_path, document), _with(library, minimal_800_53))
    assert caught.value.where == "mapping-collection.mappings[0].maps[2].targets[1]"
    assert "unknown ref 'zz-99'" in caught.value.message
    assert "nist-sp-800-53-rev5" in caught.value.message


def test_an_unknown_relationship_word_is_a_clear_error(library: Library, tmp_path: Path) -> None:
    document = _document(
        _map("intersects-with", ["CC1.1"], ["A.5.1"]), _map("related-to", ["CC1.2"], ["A.5.2"])
    )
    with pytest.raises(ConversionError) as caught:
        read_mapping_collection(_write(tmp_path, document), library.frameworks)
    assert caught.value.where == "mapping-collection.mappings[0].maps[1].relationship"
    assert "'related-to'" in caught.value.message and "equivalent-to" in caught.value.message


def test_not_a_mapping_collection(library: Library, tmp_path: Path) -> None:
    with pytest.raises(ConversionError, match="not an OSCAL mapping collection"):
        read_mapping_collection(_write(tmp_path, {"catalog": {}}), library.frameworks)
    with pytest.raises(ConversionError, match="unknown method 'by-hand'"):
        document = _document(_map("intersects-with", ["CC1.1"], ["A.5.1"]))
        document["mapping-collection"]["provenance"]["method"] = "by-hand"
        read_mapping_collection(_write(tmp_path, document), library.frameworks)
