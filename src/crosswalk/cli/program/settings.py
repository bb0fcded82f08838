"""``crosswalk settings``: the workspace's own settings (the bar for "likely covered")."""

from __future__ import annotations

from typing import Annotated

import typer

from crosswalk.cli.context import session
from crosswalk.cli.output import console, fail, handle_errors, print_json

app = typer.Typer(help="Workspace settings, kept with its data.", no_args_is_help=True)
SETTINGS = ("likely-strength",)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="settings")


@app.command("show")
@handle_errors
def show(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """Every workspace setting and its value.

    Example: crosswalk settings show
    """
    from crosswalk.services.coverage.gap import likely_strength

    with session(ctx, commit=False) as active:
        values = {"likely-strength": likely_strength(active)}
    if as_json:
        print_json(values)
        return
    for key, value in values.items():
        console().print(f"{key} = {value}", markup=False)


@app.command("set")
@handle_errors
def set_setting(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help=f"One of: {', '.join(SETTINGS)}.")],
    value: Annotated[str, typer.Argument(help="The new value.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """Change a setting. likely-strength (4-10, default 7): a route of at least this strength
    from operating controls makes a requirement "likely covered" in every report.

    Example: crosswalk settings set likely-strength 8
    """
    from crosswalk.services.coverage.gap import set_likely_strength

    if key not in SETTINGS:
        raise fail(f"unknown setting {key!r}: use one of {', '.join(SETTINGS)}")
    try:
        strength = int(value)
    except ValueError:
        raise fail(f"likely-strength {value!r} is not a number (4-10)") from None
    with session(ctx) as active:
        set_likely_strength(active, strength)
    if as_json:
        print_json({key: strength})
    else:
        console().print(f"{key} = {strength}", markup=False)
