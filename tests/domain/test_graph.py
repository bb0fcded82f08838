from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from crosswalk.domain.graph import CrosswalkGraph
from crosswalk.domain.mappings import Mapping, MappingSet, Method, Provenance
from crosswalk.domain.relationships import RationaleKind, Relationship, compose_path

R = Relationship
PROVENANCE = Provenance("test", Method.HUMAN, reviewed_on=date(2026, 1, 1))


def edge(source: str, target: str | None, rel: Relationship, strength: int | None = 5) -> Mapping:
    return Mapping("set", source, target, rel, RationaleKind.SEMANTIC, "why", strength)


def graph(*edges: Mapping) -> CrosswalkGraph:
    return CrosswalkGraph([MappingSet("set", "1", "t", "a", "c", PROVENANCE, tuple(edges))])


def test_direct_edges_are_found_from_either_end_with_the_relationship_inverted() -> None:
    g = graph(edge("a:1", "c:1", R.SUBSET_OF, 8))
    forward = g.direct("a:1", "c")
    backward = g.direct("c:1", "a")
    assert [(p.target, p.composed.relationship) for p in forward] == [("c:1", R.SUBSET_OF)]
    assert [(p.target, p.composed.relationship) for p in backward] == [("a:1", R.SUPERSET_OF)]
    assert backward[0].steps[0].inverted


def test_inference_goes_only_through_the_backbone_and_labels_the_path() -> None:
    g = graph(
        edge("a:1", "b:1", R.SUPERSET_OF, 9),
        edge("b:1", "c:1", R.SUBSET_OF, 4),
        edge("a:1", "x:1", R.EQUAL, 9),  # a framework not named as backbone
        edge("x:1", "c:2", R.EQUAL, 9),
    )
    paths = g.infer("a:1", "c", via=["b"])
    assert len(paths) == 1
    path = paths[0]
    assert path.inferred and path.via == ("b:1",)
    assert path.composed.relationship is R.INTERSECTS_WITH and path.composed.certain
    assert path.strength == 4


def test_no_relationship_edges_do_not_carry_inference() -> None:
    g = graph(edge("a:1", "b:1", R.NO_RELATIONSHIP), edge("b:1", "c:1", R.EQUAL))
    assert g.infer("a:1", "c", via=["b"]) == []


def test_unmapped_records_are_kept_apart_from_edges() -> None:
    g = graph(edge("a:9", None, R.NO_RELATIONSHIP, None))
    assert g.edges_of("a:9") == []
    assert [m.note for m in g.unmapped_notes("a:9")] == ["why"]


relationships = st.sampled_from(list(R))
node = st.sampled_from(["a:1", "a:2", "b:1", "b:2", "b:3", "c:1", "c:2"])


@settings(max_examples=200)
@given(
    st.lists(
        st.tuples(node, node, relationships, st.one_of(st.none(), st.integers(1, 10))),
        max_size=25,
    )
)
def test_inferred_paths_are_honest(raw: list[tuple[str, str, Relationship, int | None]]) -> None:
    edges = [edge(s, t, rel, strength) for s, t, rel, strength in raw if s != t]
    g = graph(*edges)
    for start in ("a:1", "a:2"):
        for path in g.infer(start, "c", via=["b"], max_hops=4):
            strengths = [s.mapping.strength for s in path.steps]
            known = [s for s in strengths if s is not None]
            if known:
                assert path.strength is not None and path.strength <= min(known)
            assert path.composed == compose_path([s.relationship for s in path.steps])
            assert path.source == start and path.target.startswith("c:")
            assert all(key.startswith("b:") for key in path.via)
            assert len(set(path.via)) == len(path.via)
