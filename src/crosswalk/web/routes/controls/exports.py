"""The control library downloaded: every control the list's filters keep, as CSV or XLSX
(the list page shows them a page at a time)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse, Response

from crosswalk.reports.listings import controls_table
from crosswalk.reports.tables import to_csv, write_xlsx
from crosswalk.services.coverage.control_views import ControlFilters, ControlListItem, filter_items
from crosswalk.web.context import Reader, RequestContext
from crosswalk.web.openapi import file_download
from crosswalk.web.rendering import CSV, XLSX, download
from crosswalk.web.routes.controls.controls import ListFilters, all_items

router = APIRouter()


def _matching(context: RequestContext, filters: ControlFilters) -> list[ControlListItem]:
    """Every control the filters keep (the list page's filters), not one page of them."""
    return filter_items(all_items(context, context.program()), filters)


@router.get(
    "/controls/export.csv",
    tags=["controls"],
    response_class=Response,
    responses=file_download(CSV),
)
def controls_csv(context: Reader, filters: ListFilters) -> Response:
    """Every control the list's filters keep, with owner, status, frequencies, evidence
    state, tags and flags (text that would run as a formula is made inert)."""
    items = _matching(context, filters)
    return Response(
        to_csv(controls_table(items)),
        media_type=CSV,
        headers={"Content-Disposition": f'attachment; filename="controls-{context.today}.csv"'},
    )


@router.get(
    "/controls/export.xlsx",
    tags=["controls"],
    response_class=FileResponse,
    responses=file_download(XLSX),
)
def controls_xlsx(context: Reader, filters: ListFilters) -> FileResponse:
    """The same controls as a workbook."""
    table = controls_table(_matching(context, filters))
    return download(lambda path: write_xlsx(path, [table]), f"controls-{context.today}.xlsx", XLSX)
