"""Set-theoretic relationships between requirements (NIST IR 8477) and how they compose.

A mapping ``s -> t`` says how the set of outcomes asked by ``s`` relates to the set asked
by ``t``. Composing ``s -> b -> t`` through a backbone framework is only *certain* where
set theory makes it so; everything else is a *possible* overlap that must never be shown
as coverage on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Relationship(StrEnum):
    EQUAL = "equal"
    SUBSET_OF = "subset_of"
    SUPERSET_OF = "superset_of"
    INTERSECTS_WITH = "intersects_with"
    NO_RELATIONSHIP = "no_relationship"

    @property
    def inverse(self) -> Relationship:
        """The relationship read from the target's side (t -> s)."""
        return _INVERSE[self]

    @property
    def covers_target(self) -> bool:
        """True when s asks for everything t asks for, so coverage passes unchanged."""
        return self in (Relationship.EQUAL, Relationship.SUPERSET_OF)


_INVERSE = {
    Relationship.EQUAL: Relationship.EQUAL,
    Relationship.SUBSET_OF: Relationship.SUPERSET_OF,
    Relationship.SUPERSET_OF: Relationship.SUBSET_OF,
    Relationship.INTERSECTS_WITH: Relationship.INTERSECTS_WITH,
    Relationship.NO_RELATIONSHIP: Relationship.NO_RELATIONSHIP,
}


class RationaleKind(StrEnum):
    SYNTACTIC = "syntactic"
    SEMANTIC = "semantic"
    FUNCTIONAL = "functional"


@dataclass(frozen=True, slots=True)
class Composed:
    """The relationship a path implies, and whether set theory guarantees it."""

    relationship: Relationship
    certain: bool

    def __post_init__(self) -> None:
        # An undecided composition is only ever a possible overlap, whatever it started as.
        if not self.certain and self.relationship is not Relationship.INTERSECTS_WITH:
            object.__setattr__(self, "relationship", Relationship.INTERSECTS_WITH)

    @property
    def label(self) -> str:
        return self.relationship.value if self.certain else "possible overlap"


_R = Relationship
# Certain results of composing two non-neutral steps (DESIGN.md section 4).
_CERTAIN: dict[tuple[Relationship, Relationship], Relationship] = {
    (_R.SUBSET_OF, _R.SUBSET_OF): _R.SUBSET_OF,
    (_R.SUPERSET_OF, _R.SUPERSET_OF): _R.SUPERSET_OF,
    (_R.SUPERSET_OF, _R.INTERSECTS_WITH): _R.INTERSECTS_WITH,
    (_R.INTERSECTS_WITH, _R.SUBSET_OF): _R.INTERSECTS_WITH,
    (_R.SUPERSET_OF, _R.SUBSET_OF): _R.INTERSECTS_WITH,
}

IDENTITY = Composed(Relationship.EQUAL, certain=True)
POSSIBLE = Composed(Relationship.INTERSECTS_WITH, certain=False)


def compose(first: Composed | None, second: Composed | None) -> Composed | None:
    """Compose two steps of a path; ``None`` means no path (a ``no_relationship`` step).

    ``equal`` is neutral, a possible overlap stays possible, and any pairing the set
    algebra cannot decide becomes a possible ``intersects_with``.
    """
    if first is None or second is None:
        return None
    if Relationship.NO_RELATIONSHIP in (first.relationship, second.relationship):
        return None
    if not (first.certain and second.certain):
        return POSSIBLE
    if first.relationship is Relationship.EQUAL:
        return second
    if second.relationship is Relationship.EQUAL:
        return first
    known = _CERTAIN.get((first.relationship, second.relationship))
    return Composed(known, certain=True) if known is not None else POSSIBLE


def step(relationship: Relationship) -> Composed | None:
    """One authored edge as a composable step."""
    if relationship is Relationship.NO_RELATIONSHIP:
        return None
    return Composed(relationship, certain=True)


def compose_path(relationships: list[Relationship]) -> Composed | None:
    """Fold a whole path left to right."""
    result: Composed | None = IDENTITY
    for relationship in relationships:
        result = compose(result, step(relationship))
    return result


def weakest_strength(strengths: list[int | None]) -> tuple[int | None, bool]:
    """A path is as strong as its weakest edge.

    Returns the weakest known strength and whether some edge had no strength, in which
    case the figure is only an upper bound.
    """
    known = [s for s in strengths if s is not None]
    return (min(known) if known else None), len(known) != len(strengths)
