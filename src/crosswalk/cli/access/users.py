"""``crosswalk users``: accounts for the web application (``crosswalk serve`` runs it)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Annotated

import typer

from crosswalk.cli.context import session
from crosswalk.cli.output import console, handle_errors, listing, parse_date, print_json, print_rows

app = typer.Typer(
    help="Web application users: admin, editor, control owner, auditor.", no_args_is_help=True
)
PASSWORD_ENV = "CROSSWALK_PASSWORD"


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="users")


def _say(result: Mapping[str, object], as_json: bool, message: str) -> None:
    """What every account command prints: the record as JSON, or one line."""
    if as_json:
        print_json(result)
    else:
        console().print(message, markup=False)


def _password(given: str | None) -> str:
    if given:
        return given
    from_env = os.environ.get(PASSWORD_ENV)
    if from_env:
        return from_env
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@app.command("add")
@handle_errors
def add(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The user's email (their sign-in name).")],
    role: Annotated[str, typer.Option(help="admin, editor, control_owner or auditor.")] = "editor",
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    owner: Annotated[
        str | None,
        typer.Option(help="For a control owner: the owner name their controls carry."),
    ] = None,
    password: Annotated[
        str | None,
        typer.Option(
            help=f"Password (at least 12 characters); else {PASSWORD_ENV}, else a prompt.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the user as JSON.")] = False,
) -> None:
    """Add a user; `crosswalk users add EMAIL --role admin` bootstraps the first admin."""
    from crosswalk.services.access.users import add_user

    with session(ctx) as active:
        row = add_user(active, email, role, _password(password), name=name, owner_name=owner)
        result = {"email": row.email, "role": row.role, "owner_name": row.owner_name}
    _say(result, as_json, f"added {result['email']} as {result['role']}")


@app.command("list")
@listing
@handle_errors
def list_(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Every user with role, owner name, observation window and whether active."""
    from crosswalk.services.access.users import list_users

    with session(ctx, commit=False) as active:
        rows = [
            {
                "email": u.email,
                "name": u.name,
                "role": u.role,
                "owner_name": u.owner_name,
                "window_start": u.window_start,
                "window_end": u.window_end,
                "active": u.active,
            }
            for u in list_users(active)
        ]
    if as_json:
        print_json(rows)
        return
    print_rows(
        "Users",
        ["Email", "Name", "Role", "Owner name", "Window", "Active"],
        [
            [
                r["email"],
                r["name"],
                r["role"],
                r["owner_name"] or "",
                f"{r['window_start']} .. {r['window_end']}" if r["window_start"] else "",
                "yes" if r["active"] else "no",
            ]
            for r in rows
        ],
    )


@app.command("set-role")
@handle_errors
def set_role_(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The user.")],
    role: Annotated[str, typer.Argument(help="admin, editor, control_owner or auditor.")],
    owner: Annotated[str | None, typer.Option(help="Owner name, for a control owner.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the user as JSON.")] = False,
) -> None:
    """Change a user's role."""
    from crosswalk.services.access.users import set_role

    with session(ctx) as active:
        row = set_role(active, email, role, owner)
        result = {"email": row.email, "role": row.role, "owner_name": row.owner_name}
    _say(result, as_json, f"{result['email']} is now {result['role']}")


@app.command("set-window")
@handle_errors
def set_window_(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The auditor.")],
    start: Annotated[str, typer.Option(help="First day of the observation window.")],
    end: Annotated[str, typer.Option(help="Last day of the observation window.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the user as JSON.")] = False,
) -> None:
    """Limit what evidence an auditor sees to an observation window."""
    from crosswalk.services.access.users import set_window

    with session(ctx) as active:
        row = set_window(active, email, parse_date(start, "--start"), parse_date(end, "--end"))
        result = {"email": row.email, "window": [row.window_start, row.window_end]}
    _say(result, as_json, f"{email}: evidence limited to {start} .. {end}")


@app.command("password")
@handle_errors
def password_(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The user.")],
    password: Annotated[
        str | None, typer.Option(help=f"New password; else {PASSWORD_ENV}, else a prompt.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Set a new password (signs the user out everywhere)."""
    from crosswalk.services.access.users import set_password

    with session(ctx) as active:
        row = set_password(active, email, _password(password))
        result = {"email": row.email, "password_changed": True}
    _say(result, as_json, f"password changed for {result['email']}; their sessions were ended")


@app.command("disable")
@handle_errors
def disable(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The user.")],
    enable: Annotated[bool, typer.Option("--enable", help="Enable again instead.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Disable a user (their sessions end at once), or enable them again."""
    from crosswalk.services.access.users import set_active

    with session(ctx) as active:
        row = set_active(active, email, enable)
        result = {"email": row.email, "active": row.active}
    _say(result, as_json, f"{result['email']} {'enabled' if row.active else 'disabled'}")
