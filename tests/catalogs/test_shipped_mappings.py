"""The shipped mapping sets: exact where they reproduce a source, complete where we author."""

from __future__ import annotations

import pytest

from crosswalk.catalogs.loader import Library
from crosswalk.domain.relationships import Relationship
from tests.conftest import reference_rows

SOC2_TO_ISO = "soc2-to-iso27001-2022"


def test_seed_primary_equals_the_seed_table(library: Library) -> None:
    rows = reference_rows("mappings/seed_soc2_series_to_iso27001_2022.csv")
    expected = sorted((r["soc2_series"], r["iso27001_2022_ref"], r["fit"]) for r in rows)
    shipped = library.mapping_sets["seed-primary"]
    actual = sorted(
        (m.source.partition(":")[2], m.target.partition(":")[2], m.attributes["fit"])  # type: ignore[union-attr]
        for m in shipped.mappings
    )
    assert actual == expected
    fits = {m.attributes["fit"] for m in shipped.mappings}
    assert fits == {"primary", "weak", "partial"}
    weak = [m for m in shipped.mappings if m.attributes["fit"] == "weak"]
    assert {m.source for m in weak} == {"soc2-tsc-2017:PI1"}
    assert all((m.strength or 10) < 6 for m in weak)


def test_iso_2013_to_2022_is_the_official_correspondence(library: Library) -> None:
    rows = reference_rows("catalogs/iso27001_2013_to_2022.csv")
    expected = sorted((r["ref_2013"], target) for r in rows for target in r["ref_2022"].split(";"))
    mappings = library.mapping_sets["iso27001-2013-to-2022"].mappings
    actual = sorted((m.source.partition(":")[2], m.target.partition(":")[2]) for m in mappings)  # type: ignore[union-attr]
    assert actual == expected
    split = [m for m in mappings if m.source == "iso27001-2013:A.18.2.3"]
    assert {m.target for m in split} == {"iso27001-2022:A.5.36", "iso27001-2022:A.8.8"}


def test_nist_informative_references_are_all_there_and_untyped(library: Library) -> None:
    rows = reference_rows("mappings/nist_csf_2_0_to_iso27001_2022.csv")
    mappings = library.mapping_sets["nist-csf-2.0-to-iso27001-2022"].mappings
    assert sorted(
        (m.source.partition(":")[2], m.target.partition(":")[2]) for m in mappings
    ) == sorted(  # type: ignore[union-attr]
        (r["csf_subcategory"], r["iso27001_2022_ref"]) for r in rows
    )
    assert {m.relationship for m in mappings} == {Relationship.INTERSECTS_WITH}


def test_every_soc2_criterion_is_mapped_to_iso(library: Library) -> None:
    soc2 = library.frameworks["soc2-tsc-2017"]
    mappings = library.mapping_sets[SOC2_TO_ISO].mappings
    sources = {m.source for m in mappings}
    missing = [r.ref for r in soc2 if r.kind == "criterion" and r.key not in sources]
    assert missing == []
    for mapping in mappings:
        assert mapping.relationship and mapping.rationale and mapping.note.strip()
        if mapping.target is None:
            assert mapping.relationship is Relationship.NO_RELATIONSHIP


def test_every_annex_a_control_in_the_seed_is_reached_by_a_criterion(library: Library) -> None:
    seed_targets = {
        m.target
        for m in library.mapping_sets["seed-primary"].mappings
        if m.target and m.target.partition(":")[2].startswith("A.")
    }
    reached = {m.target for m in library.mapping_sets[SOC2_TO_ISO].mappings}
    assert sorted(t for t in seed_targets if t not in reached) == []  # type: ignore[type-var]


def test_the_links_public_crosswalks_miss_are_present(library: Library) -> None:
    targets = {m.target for m in library.mapping_sets[SOC2_TO_ISO].mappings}
    for ref in ("A.5.1", "A.5.19", "A.5.20", "6.1.2"):
        assert f"iso27001-2022:{ref}" in targets, ref
    assert targets & {"iso27001-2022:9.2", "iso27001-2022:9.2.1", "iso27001-2022:9.2.2"}


def test_soc2_never_fully_covers_a_management_system_clause(library: Library) -> None:
    iso = library.frameworks["iso27001-2022"]
    for mapping in library.mapping_sets[SOC2_TO_ISO].mappings:
        target = library.requirement(mapping.target) if mapping.target else None
        if target is not None and target.kind == "clause":
            assert not mapping.relationship.covers_target, (mapping.source, target.ref)
    assert iso.get("4.3") is not None


def test_cc8_1_reaches_change_management_with_a_note(library: Library) -> None:
    edges = [
        m
        for m in library.mapping_sets[SOC2_TO_ISO].mappings
        if m.source == "soc2-tsc-2017:CC8.1" and m.target == "iso27001-2022:A.8.32"
    ]
    assert len(edges) == 1 and len(edges[0].note) > 10


def test_regulation_sets_cover_the_articles_the_issue_names(library: Library) -> None:
    gdpr = library.mapping_sets["gdpr-to-iso27001-2022"]
    by_source: dict[str, set[str]] = {}
    for mapping in gdpr.mappings:
        by_source.setdefault(mapping.source.partition(":")[2], set()).add(
            (mapping.target or "").partition(":")[2]
        )
    for article in (
        "Art. 5(1)(f)",
        "Art. 24",
        "Art. 25",
        "Art. 28",
        "Art. 30",
        "Art. 32",
        "Art. 33",
        "Art. 34",
        "Art. 35",
    ):
        assert by_source.get(article, set()) - {""}, article
    assert {"A.5.24", "A.5.26"} <= by_source["Art. 33"]
    assert "A.5.9" in by_source["Art. 30"]
    assert {"A.5.15", "A.8.15", "A.8.7", "A.8.13", "A.8.24"} <= by_source["Art. 32"]
    ai = library.mapping_sets["eu-ai-act-to-iso27001-2022"]
    ai_framework = library.frameworks["eu-ai-act"]
    ai_sources = {m.source for m in ai.mappings}
    assert all(r.key in ai_sources for r in ai_framework if r.kind == "obligation")
    mapped = {m.source.partition(":")[2] for m in ai.mappings if m.target}
    assert {"Art. 9", "Art. 12", "Art. 17", "Art. 73"} <= mapped
    unmapped = {m.source.partition(":")[2] for m in ai.mappings if m.target is None}
    assert "Art. 5(1)(a)" in unmapped


AUTHORED = [
    "soc2-to-iso27001-2022",
    "soc2-to-nist-csf-2.0",
    "gdpr-to-iso27001-2022",
    "eu-ai-act-to-iso27001-2022",
]


def _bare(where: str) -> str:
    """``soc2-tsc-2017:CC6.4 -> iso27001-2022:A.7.2`` as a changelog writes it: CC6.4 -> A.7.2."""
    return " -> ".join(part.strip().partition(":")[2] or part.strip() for part in where.split("->"))


@pytest.mark.parametrize("set_id", AUTHORED)
def test_every_authored_set_ships_a_changelog_that_explains_each_remaining_warning(
    library: Library, set_id: str
) -> None:
    from crosswalk.catalogs.loader import SHIPPED_DIR
    from crosswalk.services.mapping.lint import lint_library

    changelog = SHIPPED_DIR / "mappings" / "changelog" / f"{set_id}.md"
    assert changelog.is_file(), f"{set_id} ships without {changelog.name}"
    text = changelog.read_text(encoding="utf-8")
    mapping_set = library.mapping_sets[set_id]
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings and headings[0].startswith(f"## {mapping_set.version}"), (
        "the newest changelog entry is the set's version"
    )
    assert mapping_set.provenance.reviewed_on is not None
    assert mapping_set.provenance.reviewed_on.isoformat() in headings[0]
    report = lint_library(library, only=[set_id])  # as `crosswalk mappings lint` runs it
    assert not report.has_errors
    unexplained = [
        f"{f.code} {f.where}"
        for f in report.all_findings
        if f.severity.value == "warning" and _bare(f.where) not in text
    ]
    assert unexplained == [], "each remaining lint warning is explained in the changelog"


@pytest.mark.parametrize("set_id", AUTHORED)
def test_authored_sets_mark_every_tangential_edge_weak_and_target_leaf_clauses(
    library: Library, set_id: str
) -> None:
    mapping_set = library.mapping_sets[set_id]
    for mapping in mapping_set.mappings:
        if mapping.strength is not None:
            assert bool(mapping.marked_weak) == (mapping.strength <= 3), mapping
        if mapping.target is None or not mapping.target.startswith("iso27001-2022:"):
            continue
        framework = library.frameworks["iso27001-2022"]
        ref = mapping.target.partition(":")[2]
        assert not framework.children(ref) or ref.startswith("A."), (
            f"{mapping.source} -> {ref}: target the leaf clauses, roll up for display"
        )
