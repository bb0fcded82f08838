"""CISO Assistant's own SOC 2, GDPR and AI Act matched to the shipped frameworks (issue 16):
their finer nodes read as parts of our criteria and articles, their edges combined at our
grain, what cannot be matched reported. Real library files are read in place."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from crosswalk.catalogs.loader import Library
from crosswalk.domain.relationships import Relationship
from crosswalk.io.ciso_assistant import read_library
from crosswalk.io.ciso_matching import combined, rolled_relationship, spellings
from crosswalk.io.ciso_writer import write_mapping_set_library
from crosswalk.io.converted import ConversionError
from tests.io.test_ciso_assistant import FIXTURES, write_yaml

LIBRARY = FIXTURES / "library"
SOC2 = "soc2-tsc-2017"
NODE = "urn:intuitem:risk:req_node:"

R = Relationship


def real(name: str) -> Path:
    path = LIBRARY / name
    if not path.exists():
        pytest.skip(f"CISO Assistant library not found at {LIBRARY}")
    return path


@pytest.mark.parametrize(
    ("name", "ours", "matched", "assessable"),
    [
        ("soc2_2017_with_rev_2022.yaml", SOC2, 301, 301),  # their PP1.x is our PI1.x
        ("soc2-2017.yaml", SOC2, 358, 358),
        ("gdpr.yaml", "gdpr", 253, 287),
        ("ai-act.yaml", "eu-ai-act", 208, 347),
    ],
)
def test_their_editions_of_shipped_frameworks_are_matched_not_duplicated(
    library: Library, name: str, ours: str, matched: int, assessable: int
) -> None:
    imported = read_library(real(name), library.frameworks)
    assert imported.frameworks == [] and imported.mapping_sets == []
    [note] = imported.notes
    assert f"matched the loaded {ours}: {matched} of {assessable} assessable" in note
    assert "read as part of a broader requirement of ours" in note


def test_what_cannot_be_matched_is_named(library: Library) -> None:
    [note] = read_library(real("soc2_2017_with_rev_2022.yaml"), library.frameworks).notes
    assert note.startswith("urn:intuitem:risk:framework:soc2-2017-rev-2022: the same work as")
    [note] = read_library(real("gdpr.yaml"), library.frameworks).notes
    assert "34 not in gdpr (11.1, 11.2, 27.1, 27.2, 27.2.a, 27.2.b and 28 more)" in note


def test_their_soc2_to_iso_mapping_attaches_to_our_soc2_at_criterion_level(
    library: Library,
) -> None:
    imported = read_library(
        real("mapping-soc2-2017-rev-2022-to-iso27001-2022.yaml"), library.frameworks
    )
    forward = next(s for s in imported.mapping_sets if not s.id.endswith("-revert"))
    assert (forward.source_framework, forward.target_framework) == (SOC2, "iso27001-2022")
    criteria = {r.key for r in library.frameworks[SOC2].requirements if r.kind == "criterion"}
    assert {m.source for m in forward.mappings} <= criteria
    assert len(forward.mappings) == len({(m.source, m.target) for m in forward.mappings})
    # CC6.1's points of focus reach A.5.13 "intersect": the criterion intersects it
    edge = next(
        m
        for m in forward.mappings
        if (m.source, m.target) == (f"{SOC2}:CC6.1", "iso27001-2022:A.5.13")
    )
    assert edge.relationship is R.INTERSECTS_WITH
    assert "CC6.1.1" in edge.note
    notes = " | ".join(imported.notes)
    assert "edge(s) on parts of our requirements" in notes
    assert "3 edge(s) left out: a requirement not in ours" in notes  # their 'c6.5.1'


def test_the_older_singular_mapping_set_key_is_read(tmp_path: Path, library: Library) -> None:
    imported = read_library(
        real("mapping-iso27001-2013-to-iso27001-2022.yaml"),
        library.frameworks,
        skip_unknown_refs=True,
    )
    [mapping_set] = imported.mapping_sets
    assert (mapping_set.source_framework, mapping_set.target_framework) == (
        "iso27001-2013",
        "iso27001-2022",
    )
    assert any(
        m.source == "iso27001-2013:A.5.1.1" and m.target == "iso27001-2022:A.5.1"
        for m in mapping_set.mappings
    )
    # clauses 4-10 of 2013 are not shipped: named and left out, not a refusal
    assert any("left out: a requirement not in ours" in n for n in imported.notes)


def test_one_bad_edge_no_longer_rejects_a_file_with_skip_unknown_refs(
    tmp_path: Path, library: Library
) -> None:
    document: dict[str, Any] = {
        "urn": "urn:test:risk:library:map",
        "ref_id": "map",
        "objects": {
            "requirement_mapping_sets": [
                {
                    "urn": "urn:test:risk:req_mapping_set:x",
                    "ref_id": "x",
                    "source_framework_urn": "urn:intuitem:risk:framework:nist-csf-2.0",
                    "target_framework_urn": "urn:intuitem:risk:framework:iso27001-2022",
                    "requirement_mappings": [
                        {
                            "source_requirement_urn": f"{NODE}nist-csf-2.0:{s}",
                            "target_requirement_urn": f"{NODE}iso27001-2022:{t}",
                            "relationship": "intersect",
                        }
                        for s, t in (("gv.oc-01", "4.1"), ("gv.oc-99", "4.2"))
                    ],
                }
            ]
        },
    }
    path = write_yaml(tmp_path / "map.yaml", document)
    with pytest.raises(ConversionError, match="--skip-unknown-refs leaves such edges out"):
        read_library(path, library.frameworks)
    imported = read_library(path, library.frameworks, set_id="mine", skip_unknown_refs=True)
    [mapping_set] = imported.mapping_sets
    assert mapping_set.id == "mine" and len(mapping_set.mappings) == 1
    assert any("gv.oc-99" in n for n in imported.notes)


@pytest.mark.parametrize(
    ("ref", "name", "spelled"),
    [
        ("5.1.a", None, "Art. 5(1)(a)"),
        ("node273", "Article 5", "Art. 5"),
        ("Article 32", None, "Art. 32"),
        ("ANNEX III", None, "Annex III"),
        ("CC6.1", None, "CC6.1"),
    ],
)
def test_their_ways_of_writing_refs_are_read_as_ours(
    ref: str, name: str | None, spelled: str
) -> None:
    assert spelled in spellings(ref, name)


def test_an_edge_between_parts_says_only_what_is_true_of_the_wholes() -> None:
    # their point of focus P is part of our criterion S
    assert rolled_relationship(R.EQUAL, True, False) is R.SUPERSET_OF  # S holds P = T
    assert rolled_relationship(R.SUBSET_OF, True, False) is R.INTERSECTS_WITH
    assert rolled_relationship(R.EQUAL, False, True) is R.SUBSET_OF
    assert rolled_relationship(R.SUPERSET_OF, False, True) is R.INTERSECTS_WITH
    assert rolled_relationship(R.EQUAL, True, True) is R.INTERSECTS_WITH
    assert rolled_relationship(R.NO_RELATIONSHIP, True, False) is None
    assert rolled_relationship(R.SUBSET_OF, False, False) is R.SUBSET_OF
    assert combined([R.INTERSECTS_WITH, R.SUPERSET_OF]) is R.SUPERSET_OF
    assert combined([R.SUBSET_OF, R.SUPERSET_OF]) is R.EQUAL
    assert combined([R.INTERSECTS_WITH, R.INTERSECTS_WITH]) is R.INTERSECTS_WITH


THEIR_FILES = {
    "soc2-tsc-2017": "soc2_2017_with_rev_2022.yaml",
    "gdpr": "gdpr.yaml",
    "iso27001-2022": "iso27001-2022.yaml",
    "iso27001-2013": "iso27001-2013.yaml",
    "nist-csf-2.0": "nist-csf-2.0.yaml",
}


@pytest.mark.parametrize(
    "set_id",
    [
        "soc2-to-iso27001-2022",
        "soc2-to-nist-csf-2.0",
        "gdpr-to-iso27001-2022",
        "nist-csf-2.0-to-iso27001-2022",
        "iso27001-2013-to-2022",
    ],
)
def test_exported_urns_exist_in_their_library(library: Library, set_id: str) -> None:
    mapping_set = library.mapping_sets[set_id]
    document = yaml.safe_load(write_mapping_set_library(mapping_set, library.frameworks))
    [written] = document["objects"]["requirement_mapping_sets"]
    for side in ("source", "target"):
        theirs = real(THEIR_FILES[getattr(mapping_set, f"{side}_framework")]).read_text()
        known = set(re.findall(r"urn: (urn:intuitem:risk:req_node:\S+)", theirs))
        named = {edge[f"{side}_requirement_urn"] for edge in written["requirement_mappings"]}
        assert named and named <= known, sorted(named - known)[:5]


def test_with_their_files_matched_every_shipped_sets_urns_exist_there(library: Library) -> None:
    """The urns kept by matching (``Imported.urns``) name their article nodes (the AI Act's
    ``node273``) and, for a requirement their library has no node for (our SOC 2 series
    A1), the nearest broader node that it has."""
    kept: dict[str, dict[str, str]] = {}
    for name in THEIR_FILES.values():
        kept.update(read_library(real(name), library.frameworks).urns)
    kept.update(read_library(real("ai-act.yaml"), library.frameworks).urns)
    files = {**THEIR_FILES, "eu-ai-act": "ai-act.yaml"}
    for mapping_set in library.mapping_sets.values():
        text = write_mapping_set_library(mapping_set, library.frameworks, kept)
        [written] = yaml.safe_load(text)["objects"]["requirement_mapping_sets"]
        for side in ("source", "target"):
            theirs = real(files[getattr(mapping_set, f"{side}_framework")]).read_text()
            known = set(re.findall(r"urn: (urn:intuitem:risk:req_node:\S+)", theirs))
            named = {edge[f"{side}_requirement_urn"] for edge in written["requirement_mappings"]}
            assert named <= known, (mapping_set.id, side, sorted(named - known)[:5])
