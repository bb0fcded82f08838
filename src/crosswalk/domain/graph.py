"""The crosswalk as a graph: direct edges both ways, and inference through a backbone.

Pure and in memory: built once from frameworks and mapping sets, then queried. Inferred
results are computed per query, always labelled with their path, and never stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from crosswalk.domain.mappings import Mapping, MappingSet
from crosswalk.domain.relationships import (
    IDENTITY,
    Composed,
    Relationship,
    compose,
    step,
    weakest_strength,
)
from crosswalk.domain.requirements import split_key


@dataclass(frozen=True, slots=True)
class Step:
    """One edge as walked: ``inverted`` when read from its target back to its source."""

    mapping: Mapping
    inverted: bool

    @property
    def start(self) -> str:
        return self.mapping.target if self.inverted else self.mapping.source  # type: ignore[return-value]

    @property
    def end(self) -> str:
        return self.mapping.source if self.inverted else self.mapping.target  # type: ignore[return-value]

    @property
    def relationship(self) -> Relationship:
        rel = self.mapping.relationship
        return rel.inverse if self.inverted else rel


@dataclass(frozen=True, slots=True)
class Path:
    """A chain of edges from a requirement to another, with what it implies."""

    steps: tuple[Step, ...]
    composed: Composed

    @property
    def source(self) -> str:
        return self.steps[0].start

    @property
    def target(self) -> str:
        return self.steps[-1].end

    @property
    def inferred(self) -> bool:
        return len(self.steps) > 1

    @property
    def via(self) -> tuple[str, ...]:
        return tuple(s.end for s in self.steps[:-1])

    @property
    def strength(self) -> int | None:
        return weakest_strength([s.mapping.strength for s in self.steps])[0]

    @property
    def strength_is_bound(self) -> bool:
        """True when some edge has no strength, so ``strength`` is only an upper bound."""
        return weakest_strength([s.mapping.strength for s in self.steps])[1]


class CrosswalkGraph:
    """Adjacency over every loaded mapping, both directions."""

    def __init__(self, mapping_sets: Iterable[MappingSet]) -> None:
        self.mapping_sets = {s.id: s for s in mapping_sets}
        self._adjacent: dict[str, list[Step]] = {}
        self._unmapped: dict[str, list[Mapping]] = {}
        for mapping_set in self.mapping_sets.values():
            for mapping in mapping_set.mappings:
                self.add(mapping)

    def add(self, mapping: Mapping) -> None:
        if mapping.target is None:
            self._unmapped.setdefault(mapping.source, []).append(mapping)
            return
        self._adjacent.setdefault(mapping.source, []).append(Step(mapping, inverted=False))
        self._adjacent.setdefault(mapping.target, []).append(Step(mapping, inverted=True))

    def edges_of(self, key: str) -> list[Step]:
        """Every edge touching ``key``, walked away from it."""
        return list(self._adjacent.get(key, ()))

    def unmapped_notes(self, key: str) -> list[Mapping]:
        """``no_relationship`` records without a target: why ``key`` maps to nothing."""
        return list(self._unmapped.get(key, ()))

    def direct(self, key: str, target_framework: str) -> list[Path]:
        paths = []
        for edge in self._adjacent.get(key, ()):
            if split_key(edge.end)[0] == target_framework:
                composed = step(edge.relationship)
                paths.append(
                    Path((edge,), composed or Composed(Relationship.NO_RELATIONSHIP, True))
                )
        return paths

    def infer(
        self,
        key: str,
        target_framework: str,
        via: Iterable[str],
        max_hops: int = 3,
        max_paths: int = 5000,
    ) -> list[Path]:
        """Paths of 2..max_hops edges from ``key`` to ``target_framework`` through ``via``.

        Intermediate requirements must belong to a ``via`` framework; a path never
        revisits a requirement, and ``no_relationship`` edges end a path.
        """
        via_frameworks = set(via)
        found: list[Path] = []
        stack: list[tuple[str, tuple[Step, ...], Composed]] = [(key, (), IDENTITY)]
        while stack and len(found) < max_paths:
            node, steps, composed = stack.pop()
            if len(steps) >= max_hops:
                continue
            visited = {key, *(s.end for s in steps)}
            for edge in self._adjacent.get(node, ()):
                nxt = edge.end
                if nxt in visited:
                    continue
                joined = compose(composed, step(edge.relationship))
                if joined is None:
                    continue
                framework = split_key(nxt)[0]
                new_steps = (*steps, edge)
                if framework == target_framework and steps:
                    found.append(Path(new_steps, joined))
                elif framework in via_frameworks:
                    stack.append((nxt, new_steps, joined))
        return found
