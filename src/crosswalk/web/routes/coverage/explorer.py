"""The crosswalk explorer and the SOC 2 x ISO matrix: any requirement of any loaded
framework, its mappings both ways with their provenance, inferred paths labelled as such,
and the program's controls that reach it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from crosswalk.domain.coverage import Assessment
from crosswalk.services.coverage.explorer import (
    RequirementPage,
    SearchHit,
    SetProvenance,
    all_set_provenance,
    assess_framework,
    requirement_page,
    search_requirements,
)
from crosswalk.services.mapping.frameworks import FrameworkSummary, summarize_frameworks
from crosswalk.services.mapping.library import resolve_framework, resolve_requirement
from crosswalk.services.mapping.matrix import EFFECTS, MatrixGrid, build_grid, cell_effect
from crosswalk.web.context import Reader, RequestContext
from crosswalk.web.rendering import api, render

router = APIRouter()

SOC2 = "soc2-tsc-2017"
ISO_2022 = "iso27001-2022"

Text = Annotated[str, Query(max_length=200)]


def explorer_data(context: RequestContext, q: str, framework: str) -> dict[str, Any]:
    library = context.library
    framework_id = resolve_framework(library, framework) if framework.strip() else None
    hits: list[SearchHit] = []
    if q.strip() or framework_id:
        hits = search_requirements(library, q, framework_id)
    frameworks: list[FrameworkSummary] = summarize_frameworks(library)
    sets: list[SetProvenance] = all_set_provenance(library)
    return {
        "q": q,
        "framework": framework_id or "",
        "searched": bool(q.strip() or framework_id),
        "results": hits,
        "frameworks": frameworks,
        "mapping_sets": sets,
    }


def _assessments(context: RequestContext, framework_id: str) -> dict[str, Assessment]:
    return context.state.cached(
        context.db,
        "framework-assessment",
        lambda: assess_framework(context.db, context.library, framework_id, context.today),
        framework_id,
    )


ROUTES_SHOWN = 100


def requirement_data(
    context: RequestContext, given: str, routes_limit: int | None = ROUTES_SHOWN
) -> RequirementPage:
    key = resolve_requirement(context.library, given)
    framework_id = key.partition(":")[0]
    assessments = _assessments(context, framework_id)
    return requirement_page(context.library, key, assessments, routes_limit)


def matrix_data(
    context: RequestContext,
    source: str,
    target: str,
    columns: str,
    via: str,
    all_sets: bool,
) -> MatrixGrid:
    library = context.library
    source_id = resolve_framework(library, source or SOC2)
    target_id = resolve_framework(library, target or ISO_2022)
    via_ids = [resolve_framework(library, via)] if via.strip() else []
    # In memory and a few milliseconds: not worth a cache slot per combination of options.
    return build_grid(library, source_id, target_id, columns or None, via_ids, all_sets)


@router.get("/explorer", include_in_schema=False)
def explorer_page(context: Reader, q: Text = "", framework: Text = "") -> HTMLResponse:
    return render(context, "coverage/explorer.html", **explorer_data(context, q, framework))


@router.get("/explorer/{key:path}", include_in_schema=False)
def requirement_view(context: Reader, key: str, all_controls: bool = False) -> HTMLResponse:
    page = requirement_data(context, key, None if all_controls else ROUTES_SHOWN)
    return render(context, "coverage/requirement.html", page=page, effect_of=cell_effect)


@router.get("/matrix", include_in_schema=False)
def matrix_page(
    context: Reader,
    source: Text = "",
    target: Text = "",
    columns: Text = "",
    via: Text = "",
    all_sets: bool = False,
) -> HTMLResponse:
    grid = matrix_data(context, source, target, columns, via, all_sets)
    return render(context, "coverage/matrix.html", grid=grid, effects=EFFECTS)


@router.get("/api/requirements", tags=["crosswalk"])
def requirements_api(context: Reader, q: Text = "", framework: Text = "") -> dict[str, Any]:
    """Search requirements (forgiving refs, title words); no query: the loaded frameworks."""
    data: dict[str, Any] = api(explorer_data(context, q, framework))
    return data


@router.get("/api/requirements/{key:path}", tags=["crosswalk"])
def requirement_api(context: Reader, key: str, all_controls: bool = False) -> dict[str, Any]:
    """One requirement: mappings both ways with provenance, inferred paths, and the controls
    reaching it (the first 100 routes unless ``all_controls``; ``program.routes_total``)."""
    page = requirement_data(context, key, None if all_controls else ROUTES_SHOWN)
    data: dict[str, Any] = api(page)
    return data


@router.get("/api/matrix", tags=["crosswalk"])
def matrix_api(
    context: Reader,
    source: Text = "",
    target: Text = "",
    columns: Text = "",
    via: Text = "",
    all_sets: bool = False,
) -> dict[str, Any]:
    """The source x target grid (default SOC 2 x ISO/IEC 27001:2022 Annex A)."""
    data: dict[str, Any] = api(matrix_data(context, source, target, columns, via, all_sets))
    return data
