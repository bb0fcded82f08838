"""The on-disk format of catalogs and mapping sets (see docs/catalog-format.md).

Kept apart from the domain types so the file format can evolve with versioned
``format`` tags while the domain stays plain.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from crosswalk.domain.mappings import Method
from crosswalk.domain.relationships import RationaleKind, Relationship

CATALOG_FORMAT = "crosswalk/catalog@1"
MAPPING_SET_FORMAT = "crosswalk/mapping-set@1"

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9.\-]*$")]
Scalar = str | int | float | bool


class _Strict(BaseModel):
    # Built at a model's first validation, not at import: an import checks a catalog or a
    # mapping set, never both, and most commands read the compiled library and neither.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class RequirementEntry(_Strict):
    ref: Text
    kind: Identifier
    title: Text
    parent: Text | None = None
    text: Text | None = None
    mandatory: bool = False
    attributes: dict[str, Scalar] = Field(default_factory=dict)


class FrameworkHeader(_Strict):
    id: Identifier
    name: Text
    version: Text
    publisher: Text
    source: Text
    notice: Text
    description: str = ""
    counts: dict[Identifier, int] = Field(
        description="Declared number of requirements per kind; checked on load."
    )


class CatalogFile(_Strict):
    format: Literal["crosswalk/catalog@1"]
    framework: FrameworkHeader
    requirements: list[RequirementEntry] = Field(min_length=1)


class ProvenanceEntry(_Strict):
    source: Text
    method: Method
    authors: list[Text] = Field(default_factory=list)
    reviewed_on: date | None = None
    reviewed_by: Text | None = None
    license: str = ""
    url: str = ""


class EdgeDefaults(_Strict):
    relationship: Relationship | None = None
    rationale: RationaleKind | None = None
    strength: Annotated[int, Field(ge=1, le=10)] | None = None
    note: Text | None = None


class MappingEntry(_Strict):
    source: Text
    target: Text | None = None
    relationship: Relationship | None = None
    rationale: RationaleKind | None = None
    strength: Annotated[int, Field(ge=1, le=10)] | None = None
    weak: bool | None = Field(
        default=None,
        description="Tangential on the strength rubric (1-3): shown, never counted beyond partial.",
    )
    note: Text | None = None
    beyond_refined: Text | None = Field(
        default=None,
        description="Why this edge goes further than the coarser set named in `refines`.",
    )
    attributes: dict[str, Scalar] = Field(default_factory=dict)


class MappingSetHeader(_Strict):
    id: Identifier
    version: Text
    title: Text
    description: str = ""
    source_framework: Identifier
    target_framework: Identifier
    refines: Identifier | None = None
    alternative_to: Identifier | None = Field(
        default=None,
        description="Another view of the pair this set joins: listed and choosable "
        "(`crosswalk gap --mapping-set`), not counted in coverage unless chosen.",
    )
    provenance: ProvenanceEntry
    defaults: EdgeDefaults = Field(default_factory=EdgeDefaults)


class MappingSetFile(_Strict):
    format: Literal["crosswalk/mapping-set@1"]
    mapping_set: MappingSetHeader
    mappings: list[MappingEntry] = Field(min_length=1)


GUIDANCE_FORMAT = "crosswalk/guidance@1"
Effort = Literal["S", "M", "L"]
FrequencyWord = Literal[
    "continuous", "daily", "weekly", "monthly", "quarterly", "semiannual", "annual"
]


# The ISMS records the product keeps (crosswalk isms readiness); a clause's guidance names
# the ones that satisfy it, and the gap analysis judges the clause from them.
IsmsRecord = Literal[
    "scope",
    "risk_method",
    "risk_assessment",
    "treatment_plan",
    "soa",
    "objectives",
    "competence",
    "internal_audit",
    "management_review",
    "nonconformities",
    "policies",
]


class GuidanceHeader(_Strict):
    id: Identifier
    framework: Identifier
    version: Text
    provenance: ProvenanceEntry
    notice: str = ""


class GuidanceEntry(_Strict):
    ref: Text
    suggested_control: Text
    effort: Effort
    artifact: Text | None = None
    expected_frequency: FrequencyWord | None = None
    frequency_basis: Text | None = None
    records: list[IsmsRecord] = Field(default_factory=list)  # all must be complete: covered


class ExpectationEntry(_Strict):
    ref: Text
    expected_frequency: FrequencyWord
    frequency_basis: Text


class GuidanceFile(_Strict):
    format: Literal["crosswalk/guidance@1"]
    guidance: GuidanceHeader
    requirements: list[GuidanceEntry] = Field(min_length=1)
    soc2_expectations: list[ExpectationEntry] = Field(default_factory=list)
