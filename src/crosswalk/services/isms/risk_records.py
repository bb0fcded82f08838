"""A risk as a file of the declarative program (``risks/<risk_id>.yaml``), read and written
by ``crosswalk export|apply`` with the method it is scored by."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.risk import RiskCategory, Treatment
from crosswalk.io.program_files import Text
from crosswalk.services.isms.common import optional
from crosswalk.services.isms.records import RecordKind
from crosswalk.services.isms.risk_method import RISK_METHOD_RECORDS
from crosswalk.services.isms.risks import (
    RiskInput,
    add_risk_row,
    all_risk_rows,
    edit_risk,
    risk_input,
)
from crosswalk.store.isms_models import RiskRow


class RiskFile(BaseModel):
    """``risks/<risk_id>.yaml`` (``format: crosswalk/risk@1``)."""

    model_config = ConfigDict(extra="forbid")
    risk_id: Text
    title: Text
    description: str = ""
    category: RiskCategory = RiskCategory.INFORMATION_ASSET
    assets: list[Text] = Field(default_factory=list)
    owner: str | None = None
    inherent_likelihood: int
    inherent_impact: int
    treatment: Treatment = Treatment.MODIFY
    controls: list[Text] = Field(default_factory=list)
    annex_a: list[Text] = Field(default_factory=list)
    plan: str = ""
    due: date | None = None
    residual_likelihood: int | None = None
    residual_impact: int | None = None
    accepted_by: str | None = None
    accepted_on: date | None = None


def _risk_data(row: RiskRow) -> dict[str, Any]:
    data = risk_input(row)
    return RiskFile(
        **{name: getattr(data, name) for name in RiskInput.__dataclass_fields__},
        accepted_by=row.accepted_by,
        accepted_on=row.accepted_on,
    ).model_dump(mode="json")


def _upsert_risk(
    session: Session, library: Library, record: BaseModel, existing: RiskRow | None
) -> RiskRow:
    if not isinstance(record, RiskFile):
        raise TypeError(f"expected a RiskFile, got {type(record).__name__}")
    fields = record.model_dump(exclude={"risk_id", "accepted_by", "accepted_on"})
    fields["assets"], fields["controls"] = tuple(record.assets), tuple(record.controls)
    fields["annex_a"] = tuple(record.annex_a)
    if existing is None:
        row = add_risk_row(session, library, RiskInput(risk_id=record.risk_id, **fields))
    else:
        edit_risk(session, library, existing.risk_id, **fields)
        row = existing
    row.accepted_by, row.accepted_on = optional(record.accepted_by), record.accepted_on
    session.flush()
    return row


def _find_risk(session: Session, key: str) -> RiskRow | None:
    return session.scalar(select(RiskRow).where(RiskRow.risk_id == key))


RISK_RECORDS = RecordKind(
    folder="risks",
    format="crosswalk/risk@1",
    model=RiskFile,
    key="risk_id",
    rows=all_risk_rows,
    to_data=_risk_data,
    upsert=_upsert_risk,
    find=_find_risk,
)

# In the order to apply them: risks are checked against the method's scales.
RECORD_KINDS = (RISK_METHOD_RECORDS, RISK_RECORDS)
