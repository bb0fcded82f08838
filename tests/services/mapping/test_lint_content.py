"""Content checks in ``mappings lint``: each planted fault is found, and the same edge told
right is not."""

from __future__ import annotations

from pathlib import Path

from crosswalk.catalogs.loader import Library
from tests.services.mapping.test_lint import _lint

EDGE_A72 = "acme-policy-1:G1.1 -> iso27001-2022:A.7.2"


def test_a_superset_into_a_merged_control_must_name_each_absorbed_part(tmp_path: Path) -> None:
    # A.7.2 absorbed 2013's A.11.1.2 (physical entry) and A.11.1.6 (delivery and loading areas)
    silent = _lint(tmp_path, [edge_("G1.1", "A.7.2", "superset_of", "Badges at every door")])
    assert ("warning", "merged-target-unnamed", EDGE_A72) in silent
    named = _lint(
        tmp_path,
        [
            edge_(
                "G1.1",
                "A.7.2",
                "superset_of",
                "Physical entry controls at every door (A.11.1.2) and at the loading bay "
                "(delivery and loading areas)",
            )
        ],
    )
    assert not any(code == "merged-target-unnamed" for _, code, _ in named)
    partial = _lint(tmp_path, [edge_("G1.1", "A.7.2", "intersects_with", "Badges at doors")])
    assert not any(code == "merged-target-unnamed" for _, code, _ in partial)


def test_a_note_that_names_another_requirement_is_flagged(tmp_path: Path) -> None:
    wrong = _lint(tmp_path, [edge_("G1.1", "A.5.1", note="Approval as A.5.2 describes it")])
    assert ("warning", "note-names-other", "acme-policy-1:G1.1 -> iso27001-2022:A.5.1") in wrong
    own = _lint(tmp_path, [edge_("G1.1", "A.5.1", note="G1 asks what A.5.1 asks")])
    assert not any(code == "note-names-other" for _, code, _ in own)


def test_one_source_targeting_a_clause_and_its_part_is_flagged(tmp_path: Path) -> None:
    mixed = _lint(tmp_path, [edge_("G1.1", "9.2"), edge_("G1.1", "9.2.2")])
    assert ("warning", "mixed-levels", "acme-policy-1:G1.1") in mixed
    leaves = _lint(tmp_path, [edge_("G1.1", "9.2.1"), edge_("G1.1", "9.2.2")])
    assert not any(code == "mixed-levels" for _, code, _ in leaves)


def test_weak_edges_are_counted(tmp_path: Path) -> None:
    findings = _lint(
        tmp_path, [edge_("G1.1", "A.5.1", strength=2), edge_("G1.2", "A.5.2", strength=8)]
    )
    assert ("info", "weak-edges", "1 of 2 edges") in findings
    strong = _lint(tmp_path, [edge_("G1.1", "A.5.1", strength=8)])
    assert not any(code == "weak-edges" for _, code, _ in strong)


def test_a_weak_mark_must_agree_with_the_strength_band(tmp_path: Path) -> None:
    where = "acme-policy-1:G1.1 -> iso27001-2022:A.5.1"
    unmarked = _lint(tmp_path, [edge_("G1.1", "A.5.1", strength=2)])
    assert ("warning", "weak-unmarked", where) in unmarked
    marked = _lint(tmp_path, [edge_("G1.1", "A.5.1", strength=2, weak=True)])
    assert not any(code.startswith("weak-") and code != "weak-edges" for _, code, _ in marked)
    overmarked = _lint(tmp_path, [edge_("G1.1", "A.5.1", strength=6, weak=True)])
    assert ("error", "weak-mark", where) in overmarked
    undermarked = _lint(tmp_path, [edge_("G1.1", "A.5.1", strength=3, weak=False)])
    assert ("error", "weak-mark", where) in undermarked


def test_a_published_tables_ref_that_changed_meaning_in_2022_must_say_its_numbering(
    tmp_path: Path,
) -> None:
    # 2013's A.8.2 was information classification (A.8.2.1-A.8.2.3, now A.5.12, A.5.13,
    # A.5.10); 2022's A.8.2 is privileged access rights.
    table = {"as_written": "A.5.1, A.8.2"}
    where = "acme-policy-1:G1.1 -> iso27001-2022:A.8.2"
    silent = _lint(tmp_path, [edge_("G1.1", "A.8.2", attributes=table)])
    assert ("warning", "renumbered-ref", where) in silent
    stated = _lint(
        tmp_path,
        [edge_("G1.1", "A.8.2", attributes={**table, "numbering": "2013", "reads_as": "A.5.12"})],
    )
    assert not any(code == "renumbered-ref" for _, code, _ in stated)
    wrong = _lint(
        tmp_path,
        [edge_("G1.1", "A.8.2", attributes={**table, "numbering": "2013", "reads_as": "A.5.99"})],
    )
    assert ("error", "renumbered-ref", where) in wrong
    # A.5.1 kept its meaning (2013's A.5.1.x became 2022's A.5.1); an authored edge is no table
    same = _lint(tmp_path, [edge_("G1.1", "A.5.1", attributes=table), edge_("G1.2", "A.8.2")])
    assert not any(code == "renumbered-ref" for _, code, _ in same)


def test_the_seed_tables_cc2_a82_is_flagged_and_counts_toward_nothing(library: Library) -> None:
    from crosswalk.services.mapping.frameworks import describe_requirement

    detail = describe_requirement(library, "soc2-tsc-2017:CC2")
    [a82] = [v for v in detail.mappings if v.other.key == "iso27001-2022:A.8.2"]
    assert a82.cautions and "2013 numbering" in a82.cautions[0] and "A.5.12" in a82.cautions[0]
    [a51] = [v for v in detail.mappings if v.other.key == "iso27001-2022:A.5.1"]
    assert a51.cautions == []
    seed = library.mapping_sets["seed-primary"]
    labels = {m.source: m.note for m in seed.mappings}
    assert "'lines up with'" in labels["soc2-tsc-2017:A1"]
    assert "'maps to'" in labels["soc2-tsc-2017:C1"]
    assert all("Crosswalk's estimate" in m.note for m in seed.mappings)


def edge_(
    source: str,
    target: str,
    relationship: str = "intersects_with",
    note: str = "test edge",
    **extra: object,
) -> dict[str, object]:
    from tests.factories import edge

    return edge(source, target, relationship, note, **extra)
