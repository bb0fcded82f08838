"""``ai-systems/<system_id>.yaml``: an AI system, its questionnaire answers (the tier follows
from them, so it is not written unless set by hand) and the follow-up of its obligations, as
a record kind of the declarative program format (``export program`` / ``apply``); and
``ai-act/ai-act-dates.yaml``, the workspace's choice of dates for deadlines."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.io.program_files import Text
from crosswalk.services.ai.obligations import date_basis, set_date_basis
from crosswalk.services.ai.systems import (
    AiSystemInput,
    add_system,
    classify_system,
    edit_system,
    stored_answers,
    system_rows,
    view,
)
from crosswalk.services.isms.records import RecordKind
from crosswalk.store.ai_models import AiObligationRow, AiSystemRow


class FollowUpEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Text
    ref: Text
    status: Text = "not started"
    owner: str | None = None
    due: date | None = None
    note: str = ""


class AiSystemFields(BaseModel):
    """The fields of an AI system a person writes (the API's body, the program file's
    core); the screening answers, a tier set by hand and the obligations come apart."""

    model_config = ConfigDict(extra="forbid")
    system_id: str
    name: str
    roles: list[str]
    purpose: str = ""
    intended_use: str = ""
    users: str = ""
    output_in_eu: bool = True
    established_in_eu: bool = True
    authorised_representative: str | None = None
    source: str = "own"
    vendor: str | None = None
    gpai_model: str | None = None
    placed_before_2026_08_02: bool = False
    processing_activities: list[str] = Field(default_factory=list)
    owner: str | None = None
    assets: list[str] = Field(default_factory=list)


class AiSystemFile(AiSystemFields):
    """One AI system; lists sorted so the same inventory writes the same bytes."""

    system_id: Text  # in a file, checked as every record's text is
    name: Text
    roles: list[Text]
    source: Text = "own"
    processing_activities: list[Text] = Field(default_factory=list)
    assets: list[Text] = Field(default_factory=list)
    answers: dict[str, bool | str] = Field(default_factory=dict)
    tier: str | None = None  # only when set by hand, with its reason
    tier_reason: str | None = None
    obligations: list[FollowUpEntry] = Field(default_factory=list)

    @field_validator("processing_activities", "assets")
    @classmethod
    def _sorted(cls, value: list[str]) -> list[str]:
        return sorted(set(value))

    @field_validator("answers")
    @classmethod
    def _sorted_answers(cls, value: dict[str, bool | str]) -> dict[str, bool | str]:
        return dict(sorted(value.items()))

    @field_validator("obligations")
    @classmethod
    def _sorted_follow_ups(cls, value: list[FollowUpEntry]) -> list[FollowUpEntry]:
        return sorted(value, key=lambda e: (e.role, e.ref))


def _follow_ups(session: Session, row: AiSystemRow) -> list[AiObligationRow]:
    return list(
        session.scalars(
            select(AiObligationRow)
            .where(AiObligationRow.system_pk == row.id)
            .order_by(AiObligationRow.role, AiObligationRow.ref)
        )
    )


def _data(row: AiSystemRow) -> dict[str, Any]:
    from sqlalchemy.orm import object_session

    system = view(row)
    session = object_session(row)
    follow_ups = _follow_ups(session, row) if session is not None else []
    return AiSystemFile(
        system_id=system.system_id,
        name=system.name,
        roles=[r.value for r in system.roles],
        purpose=system.purpose,
        intended_use=system.intended_use,
        users=system.users,
        output_in_eu=system.output_in_eu,
        established_in_eu=system.established_in_eu,
        authorised_representative=system.authorised_representative,
        source=system.source,
        vendor=system.vendor,
        gpai_model=system.gpai_model,
        placed_before_2026_08_02=system.placed_before_2026_08_02,
        processing_activities=list(system.processing_activities),
        owner=system.owner,
        assets=list(system.assets),
        answers=stored_answers(row),
        tier=row.forced_tier,
        tier_reason=row.forced_reason,
        obligations=[
            FollowUpEntry(
                role=f.role, ref=f.ref, status=f.status, owner=f.owner, due=f.due, note=f.note
            )
            for f in follow_ups
        ],
    ).model_dump(mode="json")


def _upsert(
    session: Session, library: Library, record: BaseModel, existing: AiSystemRow | None
) -> AiSystemRow:
    """Through the same services as the CLI, so a file is checked like typed input."""
    from crosswalk.services.ai.obligations import update_obligation

    if not isinstance(record, AiSystemFile):
        raise TypeError(f"expected an AiSystemFile, got {type(record).__name__}")
    fields = record.model_dump(
        exclude={"system_id", "answers", "tier", "tier_reason", "obligations"}
    )
    if existing is None:
        add_system(session, AiSystemInput(system_id=record.system_id, **fields))
    else:
        edit_system(session, existing.system_id, **fields)
    if record.answers or record.tier:
        classify_system(
            session,
            record.system_id,
            record.answers,
            tier=record.tier,
            tier_reason=record.tier_reason or "",
            merge=False,
        )
    for entry in record.obligations:
        update_obligation(
            session,
            library,
            record.system_id,
            entry.ref,
            role=entry.role,
            status=entry.status,
            owner=entry.owner or "",
            due=entry.due,
            clear_due=entry.due is None,
            note=entry.note,
        )
    row = session.scalar(select(AiSystemRow).where(AiSystemRow.system_id == record.system_id))
    if row is None:  # pragma: no cover - add_system just wrote it
        raise RuntimeError(record.system_id)
    return row


def _find(session: Session, key: str) -> AiSystemRow | None:
    return session.scalar(select(AiSystemRow).where(AiSystemRow.system_id == key))


AI_SYSTEM_RECORDS = RecordKind(
    folder="ai-systems",
    format="crosswalk/ai-system@1",
    model=AiSystemFile,
    key="system_id",
    rows=system_rows,
    to_data=_data,
    upsert=_upsert,
    find=_find,
)


class DatesFile(BaseModel):
    """``ai-act/ai-act-dates.yaml``: which date the workspace's AI Act deadlines use."""

    model_config = ConfigDict(extra="forbid")
    id: Literal["ai-act-dates"] = "ai-act-dates"
    basis: Literal["default", "amended", "original"] = "default"


def _dates_rows(session: Session) -> list[str]:
    """Always exported (the default too), so the files say which dates are in force."""
    chosen = date_basis(session)
    return [chosen.value if chosen is not None else "default"]


def _dates_data(basis: str) -> dict[str, Any]:
    return DatesFile.model_validate({"basis": basis}).model_dump(mode="json")


def _upsert_dates(session: Session, _library: Library, record: BaseModel, _existing: Any) -> str:
    if not isinstance(record, DatesFile):
        raise TypeError(f"expected a DatesFile, got {type(record).__name__}")
    set_date_basis(session, record.basis)
    return record.basis


def _find_dates(session: Session, _key: str) -> str:
    chosen = date_basis(session)
    return chosen.value if chosen is not None else "default"


AI_DATES_RECORDS = RecordKind(
    folder="ai-act",
    format="crosswalk/ai-act-dates@1",
    model=DatesFile,
    key="id",
    rows=_dates_rows,
    to_data=_dates_data,
    upsert=_upsert_dates,
    find=_find_dates,
)
