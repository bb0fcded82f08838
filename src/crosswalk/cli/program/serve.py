"""``crosswalk serve``: the web application over the workspace, one process or several workers."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from crosswalk.cli.output import console, handle_errors, parse_date


def register(root: typer.Typer) -> None:
    root.command("serve")(serve)


@handle_errors
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, help="Worker processes (use PostgreSQL for more than one).")
    ] = 1,
    today: Annotated[str | None, typer.Option(help="Pin today's date (demos): YYYY-MM-DD.")] = None,
    secure_cookies: Annotated[
        bool | None,
        typer.Option(
            "--secure-cookies/--no-secure-cookies",
            help="Force the Secure cookie flag (default: when the request came over HTTPS).",
        ),
    ] = None,
    max_upload_mb: Annotated[int, typer.Option(min=1, help="Largest evidence upload.")] = 50,
    proxy_headers: Annotated[
        bool, typer.Option(help="Trust X-Forwarded-Proto/For from a reverse proxy.")
    ] = False,
) -> None:
    """Serve the web application (dashboard, explorer, program, evidence, ISMS, API)."""
    import uvicorn

    from crosswalk.cli.context import workspace
    from crosswalk.web.settings import MIB, WebSettings

    opened = workspace(ctx)  # fail here, with a clear message, if there is none
    opened.close()
    if workers > 1 and opened.database_url.startswith("sqlite"):
        from crosswalk.cli.output import fail

        raise fail(
            f"--workers {workers} needs PostgreSQL: SQLite takes one writer at a time, and"
            " workers would fail each other's writes with 'database is locked'. Serve SQLite"
            " with one worker, or put the workspace on PostgreSQL (--database-url"
            " postgresql+psycopg://user@host/db; .venv/bin/pip install -e '.[postgresql]')"
        )
    root = dict(ctx.find_root().obj or {})
    settings = WebSettings(
        workspace=opened.root,
        database_url=str(root["database_url"]) if root.get("database_url") else None,
        catalog_paths=[Path(str(p)) for p in list(root.get("catalog_path") or [])],
        today=parse_date(today, "--today") if today else None,
        secure_cookies=secure_cookies,
        max_upload_bytes=max_upload_mb * MIB,
    )
    out = console(stderr=True)
    out.print(f"Crosswalk on http://{host}:{port} ({opened.name})", markup=False)
    from crosswalk.cli.context import session
    from crosswalk.services.access.first_admin import LINK_LIFETIME, issue_link

    with session(ctx) as active:
        token = issue_link(active, opened.root)
    if token is not None:
        shown = "localhost" if host in ("0.0.0.0", "::") else host
        hours = int(LINK_LIFETIME.total_seconds() // 3600)
        out.print(
            f"No admin yet. Open this link within {hours} hour(s) to create the first admin; "
            f"it works once:\n  http://{shown}:{port}/setup?token={token}",
            markup=False,
        )
    if workers == 1:
        from crosswalk.web.app import create_app

        uvicorn.run(create_app(settings), host=host, port=port, proxy_headers=proxy_headers)
        return
    os.environ.update(settings.to_env())  # each worker builds its app from these
    uvicorn.run(
        "crosswalk.web.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=proxy_headers,
    )
