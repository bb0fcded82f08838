from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from crosswalk.domain.relationships import (
    IDENTITY,
    Composed,
    Relationship,
    compose,
    compose_path,
    weakest_strength,
)

R = Relationship
composed_values = st.builds(
    Composed,
    st.sampled_from([R.EQUAL, R.SUBSET_OF, R.SUPERSET_OF, R.INTERSECTS_WITH]),
    st.booleans(),
)
maybe_composed = st.one_of(st.none(), composed_values)


def certain(relationship: Relationship) -> Composed:
    return Composed(relationship, certain=True)


def test_composition_table_of_the_design_brief() -> None:
    expected_certain = {
        (R.SUBSET_OF, R.SUBSET_OF): R.SUBSET_OF,
        (R.SUPERSET_OF, R.SUPERSET_OF): R.SUPERSET_OF,
        (R.SUPERSET_OF, R.INTERSECTS_WITH): R.INTERSECTS_WITH,
        (R.INTERSECTS_WITH, R.SUBSET_OF): R.INTERSECTS_WITH,
        (R.SUPERSET_OF, R.SUBSET_OF): R.INTERSECTS_WITH,
    }
    only_possible = [
        (R.SUBSET_OF, R.SUPERSET_OF),
        (R.SUBSET_OF, R.INTERSECTS_WITH),
        (R.INTERSECTS_WITH, R.SUPERSET_OF),
        (R.INTERSECTS_WITH, R.INTERSECTS_WITH),
    ]
    for (a, b), result in expected_certain.items():
        assert compose(certain(a), certain(b)) == certain(result), (a, b)
    for a, b in only_possible:
        got = compose(certain(a), certain(b))
        assert got is not None and not got.certain, (a, b)
        assert got.label == "possible overlap"


def test_no_relationship_ends_the_path() -> None:
    for other in R:
        assert compose_path([R.NO_RELATIONSHIP, other]) is None
        assert compose_path([other, R.NO_RELATIONSHIP]) is None


@given(composed_values)
def test_equal_is_neutral_on_both_sides(value: Composed) -> None:
    assert compose(IDENTITY, value) == value
    assert compose(value, IDENTITY) == value


@given(maybe_composed, maybe_composed, maybe_composed)
def test_composition_is_associative(
    a: Composed | None, b: Composed | None, c: Composed | None
) -> None:
    assert compose(compose(a, b), c) == compose(a, compose(b, c))


@given(st.lists(st.sampled_from(list(R)), min_size=1, max_size=6))
def test_a_path_through_an_uncertain_step_is_never_certain(path: list[Relationship]) -> None:
    result = compose_path(path)
    if result is None:
        assert R.NO_RELATIONSHIP in path
        return
    if result.certain and result.relationship.covers_target:
        # Full coverage can only come from a path of equal / superset_of steps.
        assert all(r in (R.EQUAL, R.SUPERSET_OF) for r in path)


@given(st.lists(st.one_of(st.none(), st.integers(1, 10)), min_size=1, max_size=8))
def test_a_path_is_never_stronger_than_its_weakest_edge(strengths: list[int | None]) -> None:
    strength, bound = weakest_strength(strengths)
    known = [s for s in strengths if s is not None]
    if known:
        assert strength is not None
        assert all(strength <= s for s in known)
        assert strength in known
    else:
        assert strength is None
    assert bound == (None in strengths)


def test_inverse_reads_the_edge_from_the_other_side() -> None:
    assert R.SUBSET_OF.inverse is R.SUPERSET_OF
    assert R.SUPERSET_OF.inverse is R.SUBSET_OF
    assert R.INTERSECTS_WITH.inverse is R.INTERSECTS_WITH
    assert all(r.inverse.inverse is r for r in R)


def test_composition_is_associative_over_every_reachable_value() -> None:
    import itertools

    from crosswalk.domain.relationships import POSSIBLE

    values: list[Composed | None] = [
        None,
        POSSIBLE,
        *(certain(r) for r in R if r is not R.NO_RELATIONSHIP),
    ]
    for a, b, c in itertools.product(values, repeat=3):
        assert compose(compose(a, b), c) == compose(a, compose(b, c)), (a, b, c)
