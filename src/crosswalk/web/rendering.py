"""Pages are Jinja2 templates over the same data the JSON API returns."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from starlette.background import BackgroundTask

from crosswalk import __version__
from crosswalk.reports.charts import COLORS, stacked_bars, verdict_donut
from crosswalk.reports.serialize import Memo, to_jsonable
from crosswalk.web.context import CSRF_FIELD, RequestContext

TEMPLATES = Path(__file__).parent / "templates"

templates = Jinja2Templates(directory=str(TEMPLATES))
templates.env.globals["version"] = __version__
templates.env.globals["verdict_colors"] = COLORS
templates.env.filters["slug"] = lambda text: "-".join(str(text).lower().split())
templates.env.filters["q"] = lambda text: quote(str(text), safe="")


def ink_on(background: str) -> str:
    """Black or white text, whichever contrasts more with a ``#rrggbb`` background (WCAG's
    relative luminance): a band's colour never leaves its number unreadable."""
    value = background.lstrip("#")
    if len(value) != 6:
        return "#111"

    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(value[i : i + 2]) for i in (0, 2, 4))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "#111" if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) else "#fff"


templates.env.filters["ink_on"] = ink_on
templates.env.globals["stacked_bars"] = lambda rows, **kw: Markup(stacked_bars(rows, **kw))
templates.env.globals["donut"] = lambda counts, **kw: Markup(verdict_donut(counts, **kw))

# The sidebar: (section, [(label, path, admin only)]).
NAVIGATION = [
    ("Overview", [("Dashboard", "/", False)]),
    (
        "Crosswalk",
        [
            ("Explorer", "/explorer", False),
            ("SOC 2 × ISO matrix", "/matrix", False),
            ("Team adjustments", "/adjustments", False),
            ("Mapping reviews", "/mapping-reviews", False),
        ],
    ),
    (
        "Program",
        [
            ("Controls", "/controls", False),
            ("Evidence", "/evidence", False),
            ("Confirmation round", "/confirmations", False),
        ],
    ),
    (
        "Reports",
        [
            ("Gap analysis", "/gap", False),
            ("Plan to certification", "/plan", False),
            ("Observation window", "/window", False),
        ],
    ),
    (
        "ISMS",
        [
            ("Scope", "/scope", False),
            ("Assets", "/assets", False),
            ("Statement of Applicability", "/soa", False),
            ("Risks", "/risks", False),
            ("Objectives", "/objectives", False),
            ("Policies", "/policies", False),
            ("Internal audits", "/audits", False),
            ("Management reviews", "/reviews", False),
            ("Nonconformities", "/nonconformities", False),
        ],
    ),
    ("AI Act", [("AI systems", "/ai", False)]),
    (
        "GDPR",
        [
            ("Incidents", "/incidents", False),
            ("Records of processing", "/processing", False),
            ("Data-subject requests", "/subject-requests", False),
            ("What ISO does not cover", "/gdpr", False),
        ],
    ),
    (
        "Admin",
        [("Audit trail", "/trail", False), ("Users", "/users", True), ("Jobs", "/jobs", True)],
    ),
]


def render(
    context: RequestContext, template: str, status_code: int = 200, **data: Any
) -> HTMLResponse:
    request = context.request
    values = {
        "user": context.user,
        "ctx": context,
        "csrf_field": CSRF_FIELD,
        "csrf_token": context.csrf_token,
        "navigation": NAVIGATION,
        "path": request.url.path,
        "workspace_name": context.state.workspace.name,
        "today": context.today,
        "notice": request.query_params.get("notice", ""),
        **data,
    }
    return templates.TemplateResponse(request, template, values, status_code=status_code)


def memoized(
    template: str, macro: str, memo: dict[int, tuple[Any, Markup]]
) -> Callable[..., Markup]:
    """``template``'s ``macro`` as a function of immutable views, rendered once per first
    view object (``memo`` keeps them: a list of thousands of rows renders only those that
    changed; a section is rendered again only when what it shows changed)."""
    render_one = getattr(templates.env.get_template(template).module, macro)

    def rendered(item: Any, *more: Any) -> Markup:
        known = memo.get(id(item))
        if known is not None and known[0] is item:
            return known[1]
        html = Markup(render_one(item, *more))
        memo[id(item)] = (item, html)
        return html

    return rendered


def memoized_by_value(
    template: str, macro: str, memo: dict[tuple[Any, ...], Markup]
) -> Callable[..., Markup]:
    """``template``'s ``macro`` rendered once per distinct (hashable) arguments: for rows of
    small frozen views rebuilt alongside others that changed (the routes of a requirement
    whose verdict moved are mostly the same rows)."""
    render_one = getattr(templates.env.get_template(template).module, macro)

    def rendered(*arguments: Any) -> Markup:
        known = memo.get(arguments)
        if known is None:
            known = memo[arguments] = Markup(render_one(*arguments))
        return known

    return rendered


def redirect(path: str, notice: str = "") -> RedirectResponse:
    """After a successful form post: back to a page (303, so a reload does not re-post)."""
    target = f"{path}?notice={quote(notice)}" if notice else path
    return RedirectResponse(target, status_code=303)


def json_bytes(value: Any, memo: Memo | None = None) -> bytes:
    """A service result as the bytes of its JSON, for a view served many times as is."""
    return orjson.dumps(to_jsonable(value, memo))


def json_answer(body: bytes) -> Response:
    return Response(body, media_type="application/json")


def api(value: Any, memo: Memo | None = None) -> Any:
    """A service result as plain JSON (dataclasses, dates, enums); ``memo`` lends the JSON
    of immutable views converted before (see ``to_jsonable``)."""
    return to_jsonable(value, memo)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
HTML = "text/html; charset=utf-8"


def download(write: Callable[[Path], None], filename: str, media_type: str) -> FileResponse:
    """Write a report into a private temporary folder, send it, then remove the folder."""
    folder = Path(tempfile.mkdtemp(prefix="crosswalk-report-"))
    try:
        path = folder / filename
        write(path)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(
        path,
        media_type=media_type,
        filename=filename,
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )
