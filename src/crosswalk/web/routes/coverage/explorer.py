"""The crosswalk explorer and the SOC 2 x ISO matrix: any requirement of any loaded
framework, its mappings both ways with their provenance, inferred paths labelled as such,
and the program's controls that reach it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse, HTMLResponse, Response

from crosswalk.services.coverage.explorer import (
    RequirementPage,
    SearchHit,
    SetProvenance,
    all_set_provenance,
    requirement_page,
    search_requirements,
)
from crosswalk.services.mapping.frameworks import FrameworkSummary, summarize_frameworks
from crosswalk.services.mapping.library import resolve_framework, resolve_requirement
from crosswalk.services.mapping.matrix import EFFECTS, MatrixGrid, build_grid, cell_effect
from crosswalk.web.context import Reader, RequestContext
from crosswalk.web.openapi import file_download
from crosswalk.web.rendering import (
    XLSX,
    api,
    download,
    json_answer,
    json_bytes,
    memoized,
    memoized_by_value,
    render,
)

router = APIRouter()

SOC2 = "soc2-tsc-2017"
ISO_2022 = "iso27001-2022"

Text = Annotated[str, Query(max_length=200)]


def explorer_data(context: RequestContext, q: str, framework: str) -> dict[str, Any]:
    """The search and the loaded frameworks and sets: the library's only (kept per query
    while the library is the same)."""
    return context.state.for_library(
        context.library, "explorer", lambda: _explorer_data(context, q, framework), q, framework
    )


def _explorer_data(context: RequestContext, q: str, framework: str) -> dict[str, Any]:
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


ROUTES_SHOWN = 100


def requirement_data(
    context: RequestContext, given: str, routes_limit: int | None = ROUTES_SHOWN
) -> RequirementPage:
    key = resolve_requirement(context.library, given)
    program = context.program()  # every requirement judged as the gap analysis judges it
    assessments = program.assessments[key.partition(":")[0]]
    return requirement_page(context.library, key, assessments, routes_limit, program.pages)


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
    memo = context.state.live.html_memo
    return render(
        context,
        "coverage/requirement.html",
        page=page,
        effect_of=cell_effect,
        program_section=memoized("coverage/_program.html", "section", memo),
        route_row=memoized_by_value("coverage/_program.html", "route", context.state.live.row_memo),
        library_sections=memoized("coverage/_library.html", "sections", memo),
    )


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


@router.get(
    "/matrix/export.xlsx",
    tags=["crosswalk"],
    response_class=FileResponse,
    responses=file_download(XLSX),
)
def matrix_xlsx(
    context: Reader, source: Text = "", target: Text = "", via: Text = ""
) -> FileResponse:
    """The crosswalk from one framework into another, one row per mapping with relationship,
    strength, note and set (SOC 2 to ISO/IEC 27001:2022 unless named), as a workbook."""
    from crosswalk.reports.listings import matrix_table
    from crosswalk.reports.tables import write_xlsx
    from crosswalk.services.mapping.queries import build_matrix

    library = context.library
    source_id = resolve_framework(library, source or SOC2)
    target_id = resolve_framework(library, target or ISO_2022)
    via_ids = [resolve_framework(library, via)] if via.strip() else []
    table = matrix_table(build_matrix(library, source_id, target_id, via_ids), source_id, target_id)
    return download(
        lambda path: write_xlsx(path, [table]), f"crosswalk-{source_id}-{target_id}.xlsx", XLSX
    )


@router.get("/api/requirements", tags=["crosswalk"])
def requirements_api(context: Reader, q: Text = "", framework: Text = "") -> dict[str, Any]:
    """Search requirements (forgiving refs, title words); no query: the loaded frameworks."""
    data: dict[str, Any] = api(explorer_data(context, q, framework))
    return data


@router.get("/api/requirements/{key:path}", tags=["crosswalk"], response_model=dict[str, Any])
def requirement_api(context: Reader, key: str, all_controls: bool = False) -> Response:
    """One requirement: mappings both ways with provenance, inferred paths, and the controls
    reaching it (the first 100 routes unless ``all_controls``; ``program.routes_total``)."""
    page = requirement_data(context, key, None if all_controls else ROUTES_SHOWN)
    return json_answer(json_bytes(page, context.state.live.json_memo))


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
