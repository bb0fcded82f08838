"""The control library: list and filter controls, see one with what its tags reach and its
evidence, and edit or tag it. Every write asks the permission service first: editors and
admins change any control, a control owner only their own, auditors none."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from crosswalk.domain.errors import CrosswalkError
from crosswalk.domain.frequency import Frequency
from crosswalk.services.access import permissions
from crosswalk.services.access.permissions import Forbidden
from crosswalk.services.controls.controls import (
    Control,
    add_control,
    edit_control,
    get_control,
    tag_control,
    untag_control,
)
from crosswalk.services.coverage.control_views import (
    ControlFilters,
    ControlListItem,
    ControlPage,
    ControlRead,
    control_changes,
    filter_items,
    new_control,
    page_for,
    parse_coverage,
    read_control,
    read_filters,
    require_requirement,
)
from crosswalk.services.coverage.live import LiveProgram
from crosswalk.services.evidence.evidence import Evidence
from crosswalk.services.mapping.frameworks import summarize_frameworks
from crosswalk.web.context import Reader, RequestContext, Writer
from crosswalk.web.rendering import (
    api,
    json_answer,
    json_bytes,
    memoized,
    redirect,
    render,
)

router = APIRouter()

Text = Annotated[str, Query(max_length=200)]
STATUSES = ("on paper", "implemented", "operating")
FREQUENCIES = [f.value for f in Frequency]


PER_PAGE = 200
MAX_PER_PAGE = 5000


def all_items(context: RequestContext, program: LiveProgram) -> list[ControlListItem]:
    """Every control's row; for an auditor, without performances outside their window."""
    limit = permissions.performance_limit(context.user)
    if limit is None:
        return context.state.view(program, "control-list", program.items)
    return context.state.view(
        program,
        "control-list",
        lambda: [permissions.performance_shown(item, limit) for item in program.items()],
        limit,
    )


def _owners(context: RequestContext) -> list[str]:
    program = context.program()
    return context.state.view(
        program, "control-owners", lambda: sorted({i.owner for i in program.items() if i.owner})
    )


def list_filters(
    context: Reader,
    framework: Text = "",
    owner: Text = "",
    status: Text = "",
    frequency: Text = "",
    stale: bool = False,
    q: Text = "",
    tagged_only: bool = False,
) -> ControlFilters:
    """The list's filters as a query string carries them: the page, its JSON twin and its
    downloads read the same parameters (an unknown value names its field: 400)."""
    return read_filters(context.library, framework, owner, status, frequency, stale, q, tagged_only)


ListFilters = Annotated[ControlFilters, Depends(list_filters)]


def controls_data(
    context: RequestContext,
    filters: ControlFilters | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
    program: LiveProgram | None = None,
) -> dict[str, Any]:
    """One page of the controls the filters keep (a big program is thousands of rows),
    worked out once per state of the program and query."""
    filters = filters if filters is not None else read_filters(context.library)
    program = program if program is not None else context.program()

    def compute() -> dict[str, Any]:
        everything = all_items(context, program)
        matched = filter_items(everything, filters)
        pages = max(1, -(-len(matched) // per_page))
        shown = min(max(page, 1), pages)
        return {
            "filters": filters,
            "total": len(everything),
            "matched": len(matched),
            "page": shown,
            "pages": pages,
            "per_page": per_page,
            "controls": matched[(shown - 1) * per_page : shown * per_page],
            "owners": _owners(context),
        }

    limit = permissions.performance_limit(context.user)
    return context.state.view(program, "controls-page", compute, filters, page, per_page, limit)


def control_data(context: RequestContext, control_id: str) -> dict[str, Any]:
    """One control's page for this reader. What it reads is kept per state of the control
    (``LiveState.per_control``) while the program is current for this reader, so it is as
    fresh as the program: at once for whoever changed it, within seconds for others. When
    the program would first have to catch up (its author's next request, a write's answer),
    the control is read afresh instead, which costs less."""
    user = context.user

    def visible(item: Evidence) -> bool:
        return permissions.evidence_visible(user, item)

    def read() -> ControlRead:
        return read_control(context.db, context.library, control_id, context.today)

    program = context.settled_program()  # else read afresh: cheaper than catching up
    found = read() if program is None else context.state.live.per_control(program, control_id, read)
    page: ControlPage = permissions.performance_shown(
        page_for(found, visible), permissions.performance_limit(user)
    )
    return {"control": page, "can_edit": permissions.can_edit_control(user, page.detail)}


def _control_html(
    context: RequestContext,
    control_id: str,
    status_code: int = 200,
    error: str = "",
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    data = control_data(context, control_id)
    return render(
        context,
        "controls/control.html",
        status_code=status_code,
        error=error,
        form=form or {},
        statuses=STATUSES,
        frequencies=FREQUENCIES,
        owners=_owners(context),
        **data,
    )


def back_to_control(control_id: str, notice: str) -> RedirectResponse:
    return redirect(f"/controls/{quote(control_id, safe='')}", notice)


def control_failed(
    context: RequestContext, control_id: str, error: CrosswalkError, **form: str
) -> Any:
    """Keep the user on the page with what they typed and the reason (400)."""
    context.db.rollback()
    return _control_html(context, control_id, 400, str(error), form)


# Pages ---------------------------------------------------------------------------------


@router.get("/controls", include_in_schema=False)
def controls_page(
    context: Reader, filters: ListFilters, page: Annotated[int, Query(ge=1)] = 1
) -> HTMLResponse:
    return _list_html(context, controls_data(context, filters, page))


def _list_html(
    context: RequestContext,
    data: dict[str, Any],
    status_code: int = 200,
    error: str = "",
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    library = context.library
    return render(
        context,
        "controls/controls.html",
        status_code=status_code,
        frameworks=context.state.for_library(
            library, "frameworks", lambda: summarize_frameworks(library)
        ),
        statuses=STATUSES,
        frequencies=FREQUENCIES,
        control_row=memoized("controls/_row.html", "row", context.state.live.html_memo),
        error=error,
        new=form or {},
        **data,
    )


def _create(
    context: RequestContext, typed: dict[str, str], requirement: str, coverage: str
) -> Control:
    """A new control, tagged when a requirement is given: both or nothing."""
    permissions.require_program(context.user, "adding controls")
    control = add_control(
        context.db,
        new_control(
            typed["control_id"],
            typed["title"],
            typed["description"],
            typed["owner"],
            typed["status"],
            typed["frequency"],
        ),
    )
    if requirement.strip():
        tag_control(
            context.db,
            context.library,
            control.control_id,
            [require_requirement(requirement)],
            parse_coverage(coverage or "full"),
        )
    return control


@router.post("/controls", include_in_schema=False)
def control_add(
    context: Writer,
    control_id: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    owner: Annotated[str, Form()] = "",
    status: Annotated[str, Form()] = "",
    frequency: Annotated[str, Form()] = "",
    requirement: Annotated[str, Form()] = "",
    coverage: Annotated[str, Form()] = "full",
) -> Any:
    typed = {
        "control_id": control_id,
        "title": title,
        "description": description,
        "owner": owner,
        "status": status,
        "frequency": frequency,
    }
    try:
        control = _create(context, typed, requirement, coverage)
    except Forbidden:
        raise
    except CrosswalkError as error:
        context.db.rollback()
        form = {**typed, "requirement": requirement, "coverage": coverage}
        return _list_html(context, controls_data(context), 400, str(error), form)
    context.commit()
    return back_to_control(control.control_id, "Added")


@router.get("/controls/{control_id:path}", include_in_schema=False)
def control_view(context: Reader, control_id: str) -> HTMLResponse:
    return _control_html(context, control_id)


@router.post("/controls/{control_id:path}/tags", include_in_schema=False)
def control_tag(
    context: Writer,
    control_id: str,
    requirement: Annotated[str, Form()] = "",
    coverage: Annotated[str, Form()] = "full",
) -> Any:
    control = get_control(context.db, control_id)
    permissions.require_control(context.user, control)
    try:
        tagged = tag_control(
            context.db,
            context.library,
            control.control_id,
            [require_requirement(requirement)],
            parse_coverage(coverage),
        )
    except Forbidden:
        raise
    except CrosswalkError as error:
        return control_failed(context, control.control_id, error, requirement=requirement)
    context.commit()
    notice = f"Tagged {', '.join(tagged)} ({coverage})" if tagged else "Already tagged so"
    return back_to_control(control.control_id, notice)


@router.post("/controls/{control_id:path}/tags/delete", include_in_schema=False)
def control_untag(
    context: Writer, control_id: str, requirement: Annotated[str, Form()] = ""
) -> Any:
    control = get_control(context.db, control_id)
    permissions.require_control(context.user, control)
    try:
        removed = untag_control(
            context.db, context.library, control.control_id, [require_requirement(requirement)]
        )
    except Forbidden:
        raise
    except CrosswalkError as error:
        return control_failed(context, control.control_id, error)
    context.commit()
    notice = f"Removed {', '.join(removed)}" if removed else "It was not tagged to that"
    return back_to_control(control.control_id, notice)


# After the routes with a suffix: a path id would take theirs ("X/tags") too.
@router.post("/controls/{control_id:path}", include_in_schema=False)
def control_edit(
    context: Writer,
    control_id: str,
    title: Annotated[str | None, Form()] = None,
    description: Annotated[str | None, Form()] = None,
    owner: Annotated[str | None, Form()] = None,
    status: Annotated[str | None, Form()] = None,
    frequency: Annotated[str | None, Form()] = None,
) -> Any:
    control = get_control(context.db, control_id)
    permissions.require_control(context.user, control)
    typed = {
        "title": title,
        "description": description,
        "owner": owner,
        "status": status,
        "frequency": frequency,
    }
    try:
        changes = control_changes(control, **typed)
        changed = edit_control(context.db, control.control_id, **changes)
    except Forbidden:
        raise
    except CrosswalkError as error:
        kept = {name: value for name, value in typed.items() if value is not None}
        return control_failed(context, control.control_id, error, **kept)
    context.commit()
    # "frequency_text" is how the frequency was written: to the user, it is the frequency.
    fields = dict.fromkeys("frequency" if n == "frequency_text" else n for n in changed)
    notice = f"Saved {', '.join(fields)}" if fields else "Nothing changed"
    return back_to_control(control.control_id, notice)


# API -----------------------------------------------------------------------------------


class ControlPatch(BaseModel):
    """Only the fields present change; an empty owner or frequency clears it."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, max_length=500)
    description: str | None = Field(default=None, max_length=20000)
    owner: str | None = Field(default=None, max_length=200)
    status: str | None = Field(default=None, max_length=50)
    frequency: str | None = Field(default=None, max_length=200)
    evidence: str | None = Field(default=None, max_length=20000)


class NewControl(BaseModel):
    model_config = ConfigDict(extra="forbid")

    control_id: str = Field(min_length=1, max_length=200)
    title: str = Field(min_length=1, max_length=500)
    description: str = Field(default="", max_length=20000)
    owner: str = Field(default="", max_length=200)
    status: str = Field(default="", max_length=50)
    frequency: str = Field(default="", max_length=200)
    requirement: str = Field(default="", max_length=200)
    coverage: Literal["full", "partial"] = "full"


class TagRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    requirement: str = Field(min_length=1, max_length=200)
    coverage: Literal["full", "partial"] = "full"


@router.get("/api/controls", tags=["controls"], response_model=dict[str, Any])
def controls_api(
    context: Reader,
    filters: ListFilters,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = PER_PAGE,
) -> Response:
    """Controls with evidence state, a page at a time (``matched``, ``page``, ``pages``);
    ``framework`` keeps those tagged to or reaching it (``tagged_only`` those tagged to it,
    as ``crosswalk controls list --framework``)."""
    program = context.program()  # one state for the page and its JSON
    data = controls_data(context, filters, page, per_page, program)
    memo = context.state.live.json_memo
    limit = permissions.performance_limit(context.user)
    key = (filters, page, per_page, limit)
    return json_answer(
        context.state.view(program, "controls-json", lambda: json_bytes(data, memo), *key)
    )


@router.post("/api/controls", tags=["controls"], status_code=201)
def control_add_api(context: Writer, body: NewControl) -> dict[str, Any]:
    """Add a control (editors and admins), tagged to ``requirement`` when given: all or
    nothing, each value checked as the form and the CLI check it."""
    typed = body.model_dump(exclude={"requirement", "coverage"})
    control = _create(context, typed, body.requirement, body.coverage)
    context.commit()
    return {"control": api(get_control(context.db, control.control_id))}


@router.get("/api/controls/{control_id:path}", tags=["controls"])
def control_api(context: Reader, control_id: str) -> dict[str, Any]:
    result: dict[str, Any] = api(control_data(context, control_id))
    return result


@router.patch("/api/controls/{control_id:path}", tags=["controls"])
def control_patch_api(context: Writer, control_id: str, body: ControlPatch) -> dict[str, Any]:
    control = get_control(context.db, control_id)
    permissions.require_control(context.user, control)
    given = body.model_dump(exclude_unset=True)
    if "owner" in given and given["owner"] is None:
        given["owner"] = ""
    if "frequency" in given and given["frequency"] is None:
        given["frequency"] = ""
    changed = edit_control(context.db, control.control_id, **control_changes(control, **given))
    context.commit()
    result: dict[str, Any] = api(
        {"control_id": control.control_id, "changed": changed, **control_data(context, control_id)}
    )
    return result


@router.post("/api/controls/{control_id:path}/tags", tags=["controls"])
def control_tag_api(context: Writer, control_id: str, body: TagRequest) -> dict[str, Any]:
    control = get_control(context.db, control_id)
    permissions.require_control(context.user, control)
    tagged = tag_control(
        context.db,
        context.library,
        control.control_id,
        [require_requirement(body.requirement)],
        parse_coverage(body.coverage),
    )
    context.commit()
    return {"control_id": control.control_id, "tagged": tagged}


@router.delete("/api/controls/{control_id:path}/tags/{requirement:path}", tags=["controls"])
def control_untag_api(context: Writer, control_id: str, requirement: str) -> dict[str, Any]:
    control = get_control(context.db, control_id)
    permissions.require_control(context.user, control)
    removed = untag_control(
        context.db, context.library, control.control_id, [require_requirement(requirement)]
    )
    context.commit()
    return {"control_id": control.control_id, "untagged": removed}
