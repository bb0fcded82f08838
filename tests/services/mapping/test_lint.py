from __future__ import annotations

from pathlib import Path

from crosswalk.catalogs.loader import Library, load_library
from crosswalk.services.mapping.lint import Severity, lint_library
from tests.factories import catalog, edge, mapping_set, write_yaml


def test_shipped_mapping_sets_have_no_structural_error(library: Library) -> None:
    report = lint_library(library)
    errors = [f for f in report.all_findings if f.severity is Severity.ERROR]
    assert errors == []
    cards = {c.mapping_set: c for c in report.scorecards}
    assert set(cards) == set(library.mapping_sets)
    soc2 = cards["soc2-to-iso27001-2022"]
    assert soc2.sources_reached == soc2.sources_total == 61
    assert len(soc2.by_relationship) >= 3  # a typed judgment per edge, not "intersects" by default
    assert soc2.with_strength == soc2.edges


def _lint(
    tmp_path: Path, mappings: list[dict[str, object]], **kwargs: object
) -> list[tuple[str, str, str]]:
    write_yaml(tmp_path / "acme.yaml", catalog())
    write_yaml(tmp_path / "map.yaml", mapping_set(mappings, **kwargs))  # type: ignore[arg-type]
    library = load_library([tmp_path], strict=False)
    report = lint_library(library, only=["acme-to-iso"], backbone=None)
    return [(f.severity.value, f.code, f.where) for f in report.all_findings]


def test_duplicates_contradictions_and_unknown_refs_are_errors(tmp_path: Path) -> None:
    findings = _lint(
        tmp_path,
        [
            edge("G1.1", "A.5.1", "equal"),
            edge("G1.1", "A.5.1", "equal"),
            edge("G1.2", "A.5.2", "subset_of"),
            edge("G1.2", "A.5.2", "superset_of"),
            edge("G1.2", "A.5.404"),
        ],
    )
    assert ("error", "duplicate-edge", "acme-policy-1:G1.1 -> iso27001-2022:A.5.1") in findings
    assert ("error", "contradictory-edges", "acme-policy-1:G1.2 -> iso27001-2022:A.5.2") in findings
    assert any(code == "bad-edge" and "A.5.404" in where for _, code, where in findings)


def test_no_counterpart_record_contradicts_a_mapping(tmp_path: Path) -> None:
    findings = _lint(tmp_path, [edge("G1.1", None, "no_relationship"), edge("G1.1", "A.5.1")])
    assert ("error", "contradictory-edges", "acme-policy-1:G1.1") in findings


def test_edges_that_break_a_refinement_need_a_reason(tmp_path: Path) -> None:
    write_yaml(tmp_path / "coarse.yaml", mapping_set([edge("G1", "A.5.1")], set_id="acme-coarse"))
    findings = _lint(
        tmp_path,
        [
            edge("G1.1", "A.5.1"),  # rolls up: G1 -> A.5.1
            edge("G1.2", "A.5.2"),  # does not, and says nothing
            edge("G1.2", "A.5.3", beyond_refined="segregation is part of approval"),
        ],
        refines="acme-coarse",
    )
    breaks = [where for _, code, where in findings if code == "breaks-refinement"]
    assert breaks == ["acme-policy-1:G1.2 -> iso27001-2022:A.5.2"]


def test_backbone_disagreement_is_reported(tmp_path: Path) -> None:
    # acme G1.1 is superset of CSF GV.PO-01, which NIST links to A.5.1 (intersects):
    # the backbone then implies a certain intersection, contradicting a no-overlap claim.
    write_yaml(tmp_path / "acme.yaml", catalog())
    write_yaml(
        tmp_path / "csf.yaml",
        mapping_set(
            [edge("G1.1", "GV.PO-01", "superset_of")], set_id="acme-to-csf", target="nist-csf-2.0"
        ),
    )
    write_yaml(tmp_path / "map.yaml", mapping_set([edge("G1.1", "A.5.1", "no_relationship")]))
    library = load_library([tmp_path], strict=False)
    report = lint_library(library, only=["acme-to-iso"])
    codes = [(f.code, f.where) for f in report.all_findings]
    assert ("backbone-disagrees", "acme-policy-1:G1.1 -> iso27001-2022:A.5.1") in codes
