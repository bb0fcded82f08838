"""The EU AI Act pages: the AI system inventory with its add form, each system's questionnaire,
tier and reasons, its obligations with both dates, their follow-up and ISMS coverage, and the
JSON twins under /api/ai. Every page says the tool supports, and does not replace, a legal
assessment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict

from crosswalk.domain.ai_classification import (
    LEGAL_NOTICE,
    QUESTIONS,
    AiActInputError,
    Role,
    Tier,
)
from crosswalk.domain.errors import CrosswalkError
from crosswalk.services.access import permissions
from crosswalk.services.ai.coverage import AiCoverage, ai_coverage
from crosswalk.services.ai.obligations import (
    STATUSES,
    SystemObligations,
    deadlines,
    system_obligations,
    update_obligation,
)
from crosswalk.services.ai.records import AiSystemFields
from crosswalk.services.ai.systems import (
    SOURCES,
    AiSystemInput,
    add_system,
    classify_system,
    edit_system,
    list_systems,
)
from crosswalk.web.context import Reader, RequestContext, Writer
from crosswalk.web.forms import Fields, form_date, form_int, form_list
from crosswalk.web.openapi import Omissible
from crosswalk.web.rendering import api, redirect, render

router = APIRouter()
WHAT = "changing the AI system inventory"
ROLES = [r.value for r in Role]
TIERS = [t.value for t in Tier]


def _roles(fields: dict[str, str]) -> list[str]:
    return [role for role in ROLES if fields.get(f"role-{role}")]


def _flag(fields: dict[str, str], name: str) -> bool:
    return fields.get(name, "") not in ("", "no", "off", "false")


def _list_page(
    context: RequestContext,
    error: str = "",
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    systems = list_systems(context.db)
    upcoming = deadlines(context.db, context.library, context.today)
    return render(
        context,
        "ai/systems.html",
        status_code,
        systems=systems,
        deadlines=upcoming,
        notice_text=LEGAL_NOTICE,
        roles=ROLES,
        sources=SOURCES,
        form=form or {},
        error=error,
    )


@router.get("/ai", include_in_schema=False)
def systems_page(context: Reader) -> HTMLResponse:
    return _list_page(context)


def _input(fields: dict[str, str]) -> AiSystemInput:
    return AiSystemInput(
        system_id=fields.get("system_id", ""),
        name=fields.get("name", ""),
        roles=_roles(fields),
        purpose=fields.get("purpose", ""),
        intended_use=fields.get("intended_use", ""),
        users=fields.get("users", ""),
        output_in_eu=_flag(fields, "output_in_eu"),
        established_in_eu=_flag(fields, "established_in_eu"),
        authorised_representative=fields.get("authorised_representative"),
        source=fields.get("source", "own"),
        vendor=fields.get("vendor"),
        gpai_model=fields.get("gpai_model"),
        placed_before_2026_08_02=_flag(fields, "placed_before_2026_08_02"),
        processing_activities=form_list(fields.get("processing_activities")),
        owner=fields.get("owner"),
        assets=form_list(fields.get("assets")),
    )


@router.post("/ai", include_in_schema=False)
def system_add(context: Writer, fields: Fields) -> Response:
    permissions.require_program(context.user, WHAT)
    try:
        system = add_system(context.db, _input(fields))
    except CrosswalkError as error:
        context.db.rollback()
        return _list_page(context, str(error), fields, status_code=400)
    key = system.system_id
    context.commit()
    return redirect(f"/ai/{key}", f"{key} added: answer the questionnaire to classify it.")


@dataclass(frozen=True)
class SystemPage:
    obligations: SystemObligations
    coverage: AiCoverage


def system_data(context: RequestContext, system_id: str) -> SystemPage:
    return SystemPage(
        obligations=system_obligations(context.db, context.library, system_id),
        coverage=ai_coverage(
            context.db,
            context.library,
            system_id,
            context.today,
            workspace_root=context.state.workspace.root,
        ),
    )


def _system_page(
    context: RequestContext, system_id: str, error: str = "", status_code: int = 200
) -> HTMLResponse:
    data = system_data(context, system_id)
    coverage = {(o.role, o.ref): o for o in data.coverage.obligations}
    return render(
        context,
        "ai/system.html",
        status_code,
        view=data.obligations,
        system=data.obligations.system,
        coverage=coverage,
        evidence_rule=data.coverage.evidence_rule,
        questions=QUESTIONS,
        tiers=TIERS,
        statuses=STATUSES,
        notice_text=LEGAL_NOTICE,
        error=error,
    )


@router.get("/ai/{system_id}", include_in_schema=False)
def system_page(context: Reader, system_id: str) -> HTMLResponse:
    return _system_page(context, system_id)


@router.post("/ai/{system_id}/classify", include_in_schema=False)
def system_classify(context: Writer, system_id: str, fields: Fields) -> Response:
    """The whole questionnaire as the form sends it (every question answered, so it replaces
    the stored answers); a tier set by hand needs its reason."""
    permissions.require_program(context.user, WHAT)
    answers = {q.key: fields[f"q-{q.key}"] for q in QUESTIONS if f"q-{q.key}" in fields}
    try:
        result = classify_system(
            context.db,
            system_id,
            answers,
            tier=fields.get("tier") or None,
            tier_reason=fields.get("tier_reason", ""),
            merge=False,
            today=context.today,
        )
    except CrosswalkError as error:
        context.db.rollback()
        return _system_page(context, system_id, str(error), status_code=400)
    context.commit()
    before = result.before or "not classified"
    return redirect(f"/ai/{system_id}", f"{system_id}: {before} -> {result.system.tier}.")


@router.post("/ai/{system_id}/obligation", include_in_schema=False)
def system_obligation(context: Writer, system_id: str, fields: Fields) -> Response:
    """Follow-up of one obligation, chosen as ``role|ref``; a blank field keeps its value."""
    permissions.require_program(context.user, WHAT)
    role, _, ref = fields.get("obligation", "").partition("|")
    try:
        if not ref:
            raise AiActInputError("obligation", "choose the obligation to update")
        evidence = [
            form_int(item, "evidence id") or 0 for item in form_list(fields.get("evidence"))
        ]
        update_obligation(
            context.db,
            context.library,
            system_id,
            ref,
            role=role or None,
            status=fields.get("status") or None,
            owner=fields.get("owner") or None,
            due=form_date(fields.get("due"), "due date"),
            evidence=evidence or None,
            note=fields.get("note") or None,
        )
    except CrosswalkError as error:
        context.db.rollback()
        return _system_page(context, system_id, str(error), status_code=400)
    context.commit()
    return redirect(f"/ai/{system_id}", f"{system_id} {ref}: follow-up recorded.")


# --- the JSON API -----------------------------------------------------------------------


@router.get("/api/ai/systems", tags=["ai"])
def systems_api(context: Reader, tier: str | None = None) -> dict[str, Any]:
    """The AI systems with tier, deciding article, reasons and flags."""
    return {"notice": LEGAL_NOTICE, "systems": api(list_systems(context.db, tier))}


class SystemBody(AiSystemFields):
    """A new AI system: the fields a person writes (its screening answers come apart)."""


class SystemPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Omissible[str] = None
    roles: Omissible[list[str]] = None
    purpose: Omissible[str] = None
    intended_use: Omissible[str] = None
    users: Omissible[str] = None
    output_in_eu: Omissible[bool] = None
    established_in_eu: Omissible[bool] = None
    authorised_representative: str | None = None
    source: Omissible[str] = None
    vendor: str | None = None
    gpai_model: str | None = None
    placed_before_2026_08_02: Omissible[bool] = None
    processing_activities: Omissible[list[str]] = None
    owner: str | None = None
    assets: Omissible[list[str]] = None


def system_json(context: RequestContext, system_id: str) -> dict[str, Any]:
    data = system_data(context, system_id)
    return {
        "notice": LEGAL_NOTICE,
        "system": api(data.obligations.system),
        "obligations": api(data.obligations.obligations),
        "role_notes": list(data.obligations.role_notes),
        "dates_in_force": data.obligations.basis,
        "coverage": api(data.coverage),
    }


@router.post("/api/ai/systems", tags=["ai"])
def system_add_api(context: Writer, body: SystemBody) -> dict[str, Any]:
    """Add a system; an unknown role or asset is refused (400) naming it, nothing written."""
    permissions.require_program(context.user, WHAT)
    system = add_system(context.db, AiSystemInput(**body.model_dump()))
    result = system_json(context, system.system_id)
    context.commit()
    return result


@router.get("/api/ai/systems/{system_id}", tags=["ai"])
def system_api(context: Reader, system_id: str) -> dict[str, Any]:
    """One system: tier and reasons, obligations with both dates, ISMS coverage."""
    return system_json(context, system_id)


@router.patch("/api/ai/systems/{system_id}", tags=["ai"])
def system_patch_api(context: Writer, system_id: str, body: SystemPatch) -> dict[str, Any]:
    permissions.require_program(context.user, WHAT)
    changed = edit_system(context.db, system_id, **body.model_dump(exclude_unset=True))
    result = system_json(context, system_id)
    context.commit()
    return {**result, "changed": changed}


class ClassifyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answers: dict[str, str | bool] = {}
    tier: str | None = None
    tier_reason: str = ""
    replace: bool = False


@router.post("/api/ai/systems/{system_id}/classify", tags=["ai"])
def system_classify_api(context: Writer, system_id: str, body: ClassifyBody) -> dict[str, Any]:
    """Answer the questionnaire (laid over the stored answers unless ``replace``); a tier
    set by hand without answers or a reason is refused (400) naming the field."""
    permissions.require_program(context.user, WHAT)
    result = classify_system(
        context.db,
        system_id,
        body.answers,
        tier=body.tier,
        tier_reason=body.tier_reason,
        merge=not body.replace,
        today=context.today,
    )
    payload = system_json(context, system_id)
    context.commit()
    return {**payload, "before": result.before, "changed": result.changed}


class ObligationPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ref: str
    role: str | None = None
    status: str | None = None
    owner: str | None = None
    due: date | None = None
    evidence: list[int] | None = None
    note: str | None = None


@router.patch("/api/ai/systems/{system_id}/obligations", tags=["ai"])
def obligation_patch_api(context: Writer, system_id: str, body: ObligationPatch) -> dict[str, Any]:
    """Record the follow-up of one obligation the system holds (status, owner, due, evidence)."""
    permissions.require_program(context.user, WHAT)
    got = update_obligation(
        context.db,
        context.library,
        system_id,
        body.ref,
        role=body.role,
        status=body.status,
        owner=body.owner,
        due=body.due,
        evidence=body.evidence,
        note=body.note,
    )
    result: dict[str, Any] = api(got)
    context.commit()
    return result


@router.get("/api/ai/deadlines", tags=["ai"])
def deadlines_api(context: Reader, months: int = 12) -> dict[str, Any]:
    """What becomes applicable in the next ``months`` across all systems."""
    result: dict[str, Any] = api(deadlines(context.db, context.library, context.today, months))
    return result


@router.get("/api/ai/coverage", tags=["ai"])
def coverage_api(context: Reader) -> dict[str, Any]:
    """Every applicable obligation with the ISO 27001 support the ISMS gives it."""
    result: dict[str, Any] = api(
        ai_coverage(context.db, context.library, None, context.today, context.state.workspace.root)
    )
    return result
