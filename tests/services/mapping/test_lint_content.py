"""Content checks in ``mappings lint``: each planted fault is found, and the same edge told
right is not."""

from __future__ import annotations

from pathlib import Path

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


def edge_(
    source: str,
    target: str,
    relationship: str = "intersects_with",
    note: str = "test edge",
    **extra: object,
) -> dict[str, object]:
    from tests.factories import edge

    return edge(source, target, relationship, note, **extra)
