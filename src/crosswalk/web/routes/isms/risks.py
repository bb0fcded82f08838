"""The risk register and treatment plan (ISO/IEC 27001 6.1.2, 6.1.3): scores rated by the
workspace's method, heat maps, each risk's treatment with its controls and Annex A refs,
and the owner's acceptance of the residual risk."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query
from fastapi.responses import FileResponse, HTMLResponse, Response
from markupsafe import Markup
from pydantic import BaseModel, ConfigDict, Field

from crosswalk.domain.errors import CrosswalkError
from crosswalk.domain.risk import Treatment, parse_category, parse_treatment
from crosswalk.reports.risk_report import band_colors, heat_map
from crosswalk.services.access import permissions
from crosswalk.services.isms.risk_method import get_method
from crosswalk.services.isms.risks import (
    RiskDetail,
    RiskInput,
    TreatmentPlan,
    accept_risk,
    add_risk,
    describe_risk,
    edit_risk,
    link_titles,
    treatment_plan,
)
from crosswalk.web.context import Reader, RequestContext, Writer
from crosswalk.web.forms import FormError, form_date, form_int, form_list, given
from crosswalk.web.openapi import Omissible, file_download
from crosswalk.web.rendering import HTML, XLSX, api, download, redirect, render

router = APIRouter()
WHAT = "changing the risk register"


@dataclass(frozen=True)
class RiskPage:
    plan: TreatmentPlan
    summary: dict[str, Any]
    colors: dict[str, str]  # band name -> colour
    inherent_map: str  # SVG
    residual_map: str  # SVG


def risks_data(context: RequestContext) -> RiskPage:
    def compute() -> RiskPage:
        plan = treatment_plan(context.db, context.library, context.today)
        return RiskPage(
            plan,
            plan.summary(),
            band_colors(plan.method),
            heat_map(plan, residual=False),
            heat_map(plan, residual=True),
        )

    return context.state.cached(context.db, "risks", compute)


RISK_FIELDS = (
    "risk_id", "title", "description", "category", "assets", "owner", "likelihood",
    "impact", "treatment", "controls", "annex_a", "plan", "due", "residual_likelihood",
    "residual_impact",
)  # fmt: skip


def _new_risk(sent: dict[str, str]) -> RiskInput:
    """A new risk as the form sends it, every value read and named as the CLI names it."""
    category = parse_category(sent["category"] or "information asset")
    if category is None:
        raise FormError(
            f"category {sent['category']!r}: use 'information asset' or 'service commitment'"
        )
    treatment = parse_treatment(sent["treatment"] or "modify")
    if treatment is None:
        raise FormError(f"treatment {sent['treatment']!r}: use {', '.join(Treatment)}")
    likelihood = form_int(sent["likelihood"], "likelihood")
    impact = form_int(sent["impact"], "impact")
    if likelihood is None or impact is None:
        raise FormError("likelihood and impact: a risk needs both inherent levels")
    return RiskInput(
        risk_id=sent["risk_id"],
        title=sent["title"],
        inherent_likelihood=likelihood,
        inherent_impact=impact,
        description=sent["description"],
        category=category,
        assets=tuple(form_list(sent["assets"])),
        owner=sent["owner"] or None,
        treatment=treatment,
        controls=tuple(form_list(sent["controls"])),
        annex_a=tuple(form_list(sent["annex_a"])),
        plan=sent["plan"],
        due=form_date(sent["due"], "due date"),
        residual_likelihood=form_int(sent["residual_likelihood"], "residual likelihood"),
        residual_impact=form_int(sent["residual_impact"], "residual impact"),
    )


FormText = Annotated[str, Form(max_length=20_000)]


@router.post("/risks", include_in_schema=False)
def risk_add(
    context: Writer,
    risk_id: FormText = "",
    title: FormText = "",
    description: FormText = "",
    category: FormText = "",
    assets: FormText = "",
    owner: FormText = "",
    likelihood: FormText = "",
    impact: FormText = "",
    treatment: FormText = "",
    controls: FormText = "",
    annex_a: FormText = "",
    plan: FormText = "",
    due: FormText = "",
    residual_likelihood: FormText = "",
    residual_impact: FormText = "",
) -> Response:
    """Add a risk to the register (editors, admins): all or nothing; a bad value is named,
    and the form comes back with what was typed."""
    permissions.require_program(context.user, WHAT)
    sent = dict(zip(RISK_FIELDS, (
        risk_id, title, description, category, assets, owner, likelihood, impact, treatment,
        controls, annex_a, plan, due, residual_likelihood, residual_impact,
    ), strict=True))  # fmt: skip
    try:
        added = add_risk(context.db, context.library, _new_risk(sent))
    except CrosswalkError as error:
        context.db.rollback()
        return _risks_html(context, 400, str(error), sent)
    context.commit()
    return redirect(f"/risks/{added.risk_id}", f"{added.risk_id} added to the register.")


RISKS_PER_PAGE = 50


@router.get("/risks", include_in_schema=False)
def risks_page(
    context: Reader,
    q: Annotated[str, Query(max_length=200)] = "",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> HTMLResponse:
    return _risks_html(context, q=q, page=page)


def _risks_html(
    context: RequestContext,
    status_code: int = 200,
    error: str = "",
    new: dict[str, str] | None = None,
    q: str = "",
    page: int = 1,
) -> HTMLResponse:
    data = risks_data(context)
    matched = data.plan.matching(q)
    pages = max(1, -(-len(matched) // RISKS_PER_PAGE))
    page = min(page, pages)
    return render(
        context,
        "isms/risks.html",
        status_code=status_code,
        risks=data,
        shown=matched[(page - 1) * RISKS_PER_PAGE : page * RISKS_PER_PAGE],
        matched=len(matched),
        q=q,
        page=page,
        pages=pages,
        per_page=RISKS_PER_PAGE,
        inherent_map=Markup(data.inherent_map),  # our own SVG; its text is escaped
        residual_map=Markup(data.residual_map),
        error=error,
        new=new or {},
    )


def _risk_page(
    context: RequestContext,
    risk_id: str,
    error: str = "",
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    detail = describe_risk(context.db, risk_id, context.today)
    control_titles, annex_titles = link_titles(context.db, context.library, [detail])
    method = get_method(context.db)
    return render(
        context,
        "isms/risk.html",
        status_code,
        risk=detail,
        method=method,
        colors=band_colors(method),
        control_titles=control_titles,
        annex_titles=annex_titles,
        treatments=[t.value for t in Treatment],
        form=values or _values(detail),
        error=error,
    )


def _values(detail: RiskDetail) -> dict[str, Any]:
    residual = detail.residual
    return {
        "owner": detail.owner or "",
        "treatment": detail.treatment,
        "plan": detail.plan,
        "due": detail.due.isoformat() if detail.due else "",
        "residual_likelihood": str(residual.likelihood) if residual else "",
        "residual_impact": str(residual.impact) if residual else "",
        "controls": ", ".join(detail.controls),
        "annex_a": ", ".join(detail.annex_a),
    }


def _plan_download(context: RequestContext, output_format: str) -> FileResponse:
    from crosswalk.reports.risk_report import write_treatment_plan

    plan = risks_data(context).plan
    return download(
        lambda path: write_treatment_plan(plan, output_format, path),
        f"risk-treatment-plan-{context.today}.{output_format}",
        XLSX if output_format == "xlsx" else HTML,
    )


@router.get(
    "/risks/treatment-plan.xlsx",
    tags=["risks"],
    response_class=FileResponse,
    responses=file_download(XLSX),
)
def treatment_plan_xlsx(context: Reader) -> FileResponse:
    """The risk treatment plan (6.1.3 e) with the method it was scored by."""
    return _plan_download(context, "xlsx")


@router.get(
    "/risks/treatment-plan.html",
    tags=["risks"],
    response_class=FileResponse,
    responses=file_download(HTML),
)
def treatment_plan_html(context: Reader) -> FileResponse:
    """The risk treatment plan as one page, with inherent and residual heat maps."""
    return _plan_download(context, "html")


@router.get("/risks/{risk_id}", include_in_schema=False)
def risk_page(context: Reader, risk_id: str) -> HTMLResponse:
    return _risk_page(context, risk_id)


@router.post("/risks/{risk_id}/accept", include_in_schema=False)
def risk_accept(
    context: Writer,
    risk_id: str,
    by: Annotated[str, Form()] = "",
    on: Annotated[str, Form()] = "",
) -> Response:
    permissions.require_program(context.user, "recording a risk acceptance")
    try:
        row = accept_risk(context.db, risk_id, by, form_date(on, "accepted on") or context.today)
    except CrosswalkError as error:
        context.db.rollback()
        return _risk_page(context, risk_id, str(error), status_code=400)
    message = f"{row.risk_id}: residual risk accepted by {row.accepted_by} on {row.accepted_on}."
    target = f"/risks/{row.risk_id}"
    context.commit()
    return redirect(target, message)


@router.post("/risks/{risk_id}", include_in_schema=False)
def risk_edit(
    context: Writer,
    risk_id: str,
    owner: Annotated[str | None, Form()] = None,
    treatment: Annotated[str | None, Form()] = None,
    plan: Annotated[str | None, Form()] = None,
    due: Annotated[str | None, Form()] = None,
    residual_likelihood: Annotated[str | None, Form()] = None,
    residual_impact: Annotated[str | None, Form()] = None,
    controls: Annotated[str | None, Form()] = None,
    annex_a: Annotated[str | None, Form()] = None,
) -> Response:
    """The treatment fields as the form sends them; blank clears (a due date, a residual)."""
    permissions.require_program(context.user, WHAT)
    sent = {
        "owner": owner,
        "treatment": treatment,
        "plan": plan,
        "due": due,
        "residual_likelihood": residual_likelihood,
        "residual_impact": residual_impact,
        "controls": controls,
        "annex_a": annex_a,
    }
    try:
        changes: dict[str, Any] = given(owner=owner, treatment=treatment, plan=plan)
        if due is not None:
            changes["due"] = form_date(due, "due date")
        for name in ("residual_likelihood", "residual_impact"):
            if sent[name] is not None:
                changes[name] = form_int(sent[name], name.replace("_", " "))
        if controls is not None:
            changes["controls"] = tuple(form_list(controls))
        if annex_a is not None:
            changes["annex_a"] = tuple(form_list(annex_a))
        changed = edit_risk(context.db, context.library, risk_id, **changes)
    except CrosswalkError as error:
        context.db.rollback()
        values = {k: v or "" for k, v in sent.items()}
        return _risk_page(context, risk_id, str(error), values, status_code=400)
    key = risk_id.strip()
    context.commit()
    what = ", ".join(c.replace("_", " ") for c in changed) or "nothing"
    return redirect(f"/risks/{key}", f"{key}: changed {what}.")


# --- the JSON API -----------------------------------------------------------------------


class NewRisk(BaseModel):
    """A new risk: the form's fields, levels as numbers, lists as lists."""

    model_config = ConfigDict(extra="forbid")

    risk_id: str = Field(default="", max_length=200)
    title: str = Field(min_length=1, max_length=500)
    likelihood: int
    impact: int
    description: str = Field(default="", max_length=20_000)
    category: str = "information asset"
    assets: list[str] = Field(default_factory=list, max_length=500)
    owner: str = Field(default="", max_length=200)
    treatment: str = "modify"
    controls: list[str] = Field(default_factory=list, max_length=500)
    annex_a: list[str] = Field(default_factory=list, max_length=93)
    plan: str = Field(default="", max_length=20_000)
    due: date | None = None
    residual_likelihood: int | None = None
    residual_impact: int | None = None


@router.post("/api/risks", tags=["risks"], status_code=201)
def risk_add_api(context: Writer, body: NewRisk) -> dict[str, Any]:
    """Add a risk (editors, admins), checked as the form and the CLI check it."""
    permissions.require_program(context.user, WHAT)
    sent = {
        **dict.fromkeys(RISK_FIELDS, ""),
        **body.model_dump(exclude={"assets", "controls", "annex_a", "due"}, exclude_none=True),
        "assets": ", ".join(body.assets),
        "controls": ", ".join(body.controls),
        "annex_a": ", ".join(body.annex_a),
        "due": body.due.isoformat() if body.due else "",
    }
    added = add_risk(context.db, context.library, _new_risk({k: str(v) for k, v in sent.items()}))
    context.commit()
    return risk_json(context, added.risk_id)


@router.get("/api/risks", tags=["risks"])
def risks_api(context: Reader) -> dict[str, Any]:
    """The register with the method it is scored by, and the treatment plan's summary."""
    data = risks_data(context)
    return {
        "summary": api(data.summary),
        "method": {
            "description": data.plan.method.describe(),
            "acceptance_threshold": data.plan.method.acceptance_threshold,
            "bands": api(data.plan.method.bands),
        },
        "risks": api(data.plan.rows),
    }


def risk_json(context: RequestContext, risk_id: str) -> dict[str, Any]:
    detail = describe_risk(context.db, risk_id, context.today)
    control_titles, annex_titles = link_titles(context.db, context.library, [detail])
    result: dict[str, Any] = api(detail)
    result["control_titles"] = control_titles
    result["annex_a_titles"] = annex_titles
    return result


@router.get("/api/risks/{risk_id}", tags=["risks"])
def risk_api(context: Reader, risk_id: str) -> dict[str, Any]:
    return risk_json(context, risk_id)


class RiskPatch(BaseModel):
    """Fields of a risk to change; ``controls`` and ``annex_a`` replace the lists."""

    model_config = ConfigDict(extra="forbid")
    title: Omissible[str] = None
    description: Omissible[str] = None
    category: Omissible[str] = None
    assets: list[str] | None = None
    owner: str | None = None
    inherent_likelihood: Omissible[int] = None
    inherent_impact: Omissible[int] = None
    treatment: Omissible[str] = None
    controls: list[str] | None = None
    annex_a: list[str] | None = None
    plan: Omissible[str] = None
    due: date | None = None
    residual_likelihood: int | None = None
    residual_impact: int | None = None


@router.patch("/api/risks/{risk_id}", tags=["risks"])
def risk_patch_api(context: Writer, risk_id: str, body: RiskPatch) -> dict[str, Any]:
    """Change a risk; nothing changes when any value is bad (400). Raising the residual
    score clears an earlier acceptance."""
    permissions.require_program(context.user, WHAT)
    changes: dict[str, Any] = body.model_dump(exclude_unset=True)
    for name in ("assets", "controls", "annex_a"):
        if name in changes:
            changes[name] = tuple(changes[name] or ())
    changed = edit_risk(context.db, context.library, risk_id, **changes)
    result = risk_json(context, risk_id)
    context.commit()
    return {"risk": result, "changed": changed}


class AcceptBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    by: str | None = None  # default: the risk's owner
    on: date | None = None  # default: today


@router.post("/api/risks/{risk_id}/accept", tags=["risks"])
def risk_accept_api(
    context: Writer, risk_id: str, body: AcceptBody | None = None
) -> dict[str, Any]:
    """Record the risk owner's acceptance of the residual risk (6.1.3 f)."""
    permissions.require_program(context.user, "recording a risk acceptance")
    who = body.by if body and body.by else describe_risk(context.db, risk_id).owner or ""
    accept_risk(context.db, risk_id, who, (body.on if body else None) or context.today)
    result = risk_json(context, risk_id)
    context.commit()
    return result
