"""The FastAPI application: one workspace, server-rendered pages and a JSON API under /api."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from anyio import to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from crosswalk.domain.errors import CrosswalkError, UnknownReferenceError
from crosswalk.services.access.permissions import Forbidden
from crosswalk.web.context import (
    AppState,
    CsrfRefused,
    NotSignedIn,
    busy_workspace,
    conflicting_write,
    evidence_in_a_bucket,
    open_app_workspace,
    render_signed_in,
)
from crosswalk.web.limits import InFlight, hand_back_large_buffers
from crosswalk.web.openapi import API_ERRORS, document_unmatched_paths
from crosswalk.web.routes import ROUTERS
from crosswalk.web.security import Hardening
from crosswalk.web.settings import WebSettings

STATIC = Path(__file__).parent / "static"


def open_state(settings: WebSettings) -> AppState:
    from crosswalk.services.mapping.library import catalogs_folder, open_library

    workspace = open_app_workspace(settings)
    imported = catalogs_folder(workspace.root)
    extra = [*settings.catalog_paths]
    extra.extend(f for f in (imported / "frameworks", imported / "mappings") if f.is_dir())
    return AppState(settings, workspace, open_library(extra))


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get(
        "accept", ""
    )


def _error(request: Request, status: int, message: str, heading: str | None = None) -> Response:
    if _wants_json(request):
        return JSONResponse({"detail": message}, status_code=status)
    from crosswalk.web.rendering import render, templates

    framed = render_signed_in(  # with the navigation, for someone signed in
        request,
        lambda context: render(
            context,
            "error_page.html",
            status_code=status,
            status=status,
            message=message,
            heading=heading,
        ),
    )
    if framed is not None:
        return framed
    return templates.TemplateResponse(
        request, "error.html", {"status": status, "message": message}, status_code=status
    )


class CrosswalkApp(FastAPI):
    def openapi(self) -> dict[str, Any]:
        """The generated document, with what no route can declare (see ``web.openapi``)."""
        return document_unmatched_paths(super().openapi())


def _answer_errors(app: FastAPI) -> None:
    """Every error the app can meet, answered as a page (with the navigation for someone
    signed in) or, under /api/, as JSON: never a traceback or a 500 for the request's fault."""

    @app.exception_handler(StarletteHTTPException)
    async def not_found(request: Request, error: StarletteHTTPException) -> Response:
        """A URL no route answers (404), a method it does not take (405): a page with the
        navigation, or JSON under /api/."""
        if error.status_code == 404 and str(error.detail) == "Not Found":
            message = f"there is no page at {request.url.path}"
        elif error.status_code == 405:
            message = f"{request.method} is not accepted at {request.url.path}"
        else:
            message = str(error.detail)
        answer = _error(request, error.status_code, message)
        for name, value in (error.headers or {}).items():
            answer.headers[name] = value
        return answer

    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, _error_: NotSignedIn) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": "sign in first"}, status_code=401)
        target = request.url.path
        return RedirectResponse(f"/login?next={target}", status_code=303)

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, _error_: CsrfRefused) -> Response:
        return _error(request, 403, "missing or invalid CSRF token; reload the page and retry")

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, error: Forbidden) -> Response:
        return _error(request, 403, str(error))

    @app.exception_handler(CrosswalkError)
    async def bad_input(request: Request, error: CrosswalkError) -> Response:
        # A name nothing has (a mistyped requirement or control in the URL) says so, with
        # the suggestions, rather than a bare "cannot do that".
        unknown = isinstance(error, UnknownReferenceError)
        return _error(request, 400, str(error), "Nothing by that name" if unknown else None)

    # A number past what the database holds (an id of 20 digits, a version of 2**64) or a
    # value too long for its column is the request's fault: 400 with the reason, never 500.
    @app.exception_handler(OverflowError)
    async def overflow(request: Request, _error_: OverflowError) -> Response:
        return _error(request, 400, "a number in the request is out of range")

    @app.exception_handler(DataError)
    async def out_of_range(request: Request, _error_: DataError) -> Response:
        return _error(request, 400, "a value in the request is out of range or too long")

    @app.exception_handler(OperationalError)
    async def busy(request: Request, error: OperationalError) -> Response:
        if not busy_workspace(error):
            raise error
        answer = _error(
            request, 503, "the workspace is busy with another writer; nothing was changed, retry"
        )
        answer.headers["Retry-After"] = "2"
        return answer

    @app.exception_handler(IntegrityError)
    async def conflict(request: Request, error: IntegrityError) -> Response:
        if not conflicting_write(error):
            raise error
        return _error(
            request,
            409,
            "the same record was stored by another writer meanwhile; nothing was changed, retry",
        )

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}"
            for e in error.errors()
        )
        return _error(request, 422, problems or "invalid request")


def create_app(settings: WebSettings | None = None) -> FastAPI:
    chosen = settings or WebSettings.from_env()
    if evidence_in_a_bucket():
        hand_back_large_buffers()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Sync routes and dependencies run in at most as many threads as requests run.
        to_thread.current_default_thread_limiter().total_tokens = chosen.concurrency
        app.state.crosswalk = open_state(chosen)
        if chosen.warm:  # the worker takes requests once its live program is built
            try:
                app.state.crosswalk.warm()
            except Exception:  # the first request builds it, and says what is wrong
                logging.getLogger("crosswalk.web").exception("building the live program failed")
        # The library and templates live as long as the process: moving them out of the
        # collector's reach keeps full collections (triggered by big pages) short.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            app.state.crosswalk.workspace.close()

    app = CrosswalkApp(
        title="Crosswalk",
        summary="One program for SOC 2, ISO/IEC 27001:2022, NIST CSF 2.0, GDPR and the EU AI Act.",
        lifespan=lifespan,
        openapi_url="/api/openapi.json",
        docs_url=None,  # Swagger UI loads from a CDN; the pages stay self-contained
        redoc_url=None,
    )
    app.state.settings = chosen
    app.add_middleware(Hardening, settings=chosen)
    app.add_middleware(InFlight, limit=chosen.concurrency)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    for router in ROUTERS:  # every operation documents the errors it may answer
        app.include_router(router, responses=API_ERRORS)

    _answer_errors(app)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> RedirectResponse:
        return RedirectResponse("/static/favicon.svg", status_code=301)

    @app.get("/healthz", include_in_schema=False)
    def health() -> HTMLResponse:
        return HTMLResponse("ok")

    return app
