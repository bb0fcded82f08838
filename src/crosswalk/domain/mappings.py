"""Crosswalk edges and the sets that group them, in NIST IR 8477 / OSCAL 1.2 terms."""

from __future__ import annotations

from collections.abc import Mapping as MappingType
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from types import MappingProxyType

from crosswalk.domain.relationships import RationaleKind, Relationship


def _empty() -> MappingType[str, str]:
    return MappingProxyType({})


class Method(StrEnum):
    HUMAN = "human"
    AUTOMATION = "automation"
    HYBRID = "hybrid"


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a mapping set came from and who stands behind it."""

    source: str
    method: Method
    authors: tuple[str, ...] = ()
    reviewed_on: date | None = None
    reviewed_by: str | None = None
    license: str = ""
    url: str = ""


WEAK_STRENGTH = 3  # the rubric's "tangential" band: 1-3


@dataclass(frozen=True, slots=True)
class Mapping:
    """One authored edge ``source -> target``; both are ``framework:ref`` keys.

    ``target`` is ``None`` only for ``no_relationship`` edges that record, with a reason,
    that a source requirement has no counterpart in the target framework.
    """

    set_id: str
    source: str
    target: str | None
    relationship: Relationship
    rationale: RationaleKind
    note: str
    strength: int | None = None
    beyond_refined: str | None = None
    attributes: MappingType[str, str] = field(default_factory=_empty)
    marked_weak: bool | None = None
    adjusted: str | None = None  # the team's reason, when a workspace adjustment shaped this edge

    @property
    def misnumbered(self) -> bool:
        """A published table's ref that means another requirement in this edition (it names
        ``reads_as``): reproduced exactly, shown with a caution, never counted."""
        return bool(self.attributes.get("reads_as"))

    @property
    def weak(self) -> bool:
        """Tangential (shown, never counted beyond partial): as the set marks it, else by band.

        Authored sets state ``weak: true`` on the edge; sets from elsewhere carry no such
        field, so the rubric's 1-3 band decides for them. Lint holds the two to agree.
        """
        if self.marked_weak is not None:
            return self.marked_weak
        return self.strength is not None and self.strength <= WEAK_STRENGTH


@dataclass(frozen=True, slots=True)
class MappingSet:
    id: str
    version: str
    title: str
    source_framework: str
    target_framework: str
    provenance: Provenance
    mappings: tuple[Mapping, ...]
    description: str = ""
    refines: str | None = None
    alternative_to: str | None = None  # another tool's view of a pair a set already joins
