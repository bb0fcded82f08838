"""Frameworks and their requirements, addressed as ``framework:ref``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


def _empty() -> Mapping[str, str]:
    return MappingProxyType({})


def requirement_key(framework: str, ref: str) -> str:
    return f"{framework}:{ref}"


def split_key(key: str) -> tuple[str, str]:
    framework, _, ref = key.partition(":")
    return framework, ref


@dataclass(frozen=True, slots=True)
class Requirement:
    framework: str
    ref: str
    title: str
    kind: str
    parent: str | None = None
    text: str | None = None
    mandatory: bool = False
    attributes: Mapping[str, str] = field(default_factory=_empty)
    key: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", requirement_key(self.framework, self.ref))


@dataclass(frozen=True, slots=True)
class Framework:
    """One published catalog at one version, with its requirements in document order."""

    id: str
    name: str
    version: str
    publisher: str
    source: str
    notice: str
    requirements: tuple[Requirement, ...]
    description: str = ""

    def __post_init__(self) -> None:
        index = {r.ref: r for r in self.requirements}
        children: dict[str, list[Requirement]] = {}
        for requirement in self.requirements:
            if requirement.parent is not None:
                children.setdefault(requirement.parent, []).append(requirement)
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_children", {k: tuple(v) for k, v in children.items()})

    _index: dict[str, Requirement] = field(init=False, repr=False, compare=False)
    _children: dict[str, tuple[Requirement, ...]] = field(init=False, repr=False, compare=False)

    def __contains__(self, ref: object) -> bool:
        return ref in self._index

    def __iter__(self) -> Iterator[Requirement]:
        return iter(self.requirements)

    def __len__(self) -> int:
        return len(self.requirements)

    def get(self, ref: str) -> Requirement | None:
        return self._index.get(ref)

    def children(self, ref: str) -> tuple[Requirement, ...]:
        return self._children.get(ref, ())

    def ancestors(self, ref: str) -> list[Requirement]:
        """Parent first, root last."""
        chain: list[Requirement] = []
        current = self._index.get(ref)
        while current is not None and current.parent is not None:
            current = self._index.get(current.parent)
            if current is not None:
                chain.append(current)
        return chain

    def descendants(self, ref: str) -> list[Requirement]:
        found: list[Requirement] = []
        stack = list(reversed(self.children(ref)))
        while stack:
            node = stack.pop()
            found.append(node)
            stack.extend(reversed(self.children(node.ref)))
        return found

    def roots(self) -> tuple[Requirement, ...]:
        return tuple(r for r in self.requirements if r.parent is None)

    def counts_by_kind(self) -> dict[str, int]:
        return dict(Counter(r.kind for r in self.requirements))
