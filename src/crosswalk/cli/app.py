"""Entry point. Imports stay light so ``crosswalk --help`` answers fast: services load lazily."""

from __future__ import annotations

import copy
import inspect
import sys
from pathlib import Path
from typing import Annotated

import typer

from crosswalk import __version__
from crosswalk.cli.access import users
from crosswalk.cli.ai import ai
from crosswalk.cli.backup import backup
from crosswalk.cli.controls import controls
from crosswalk.cli.coverage import gap
from crosswalk.cli.evidence import blobs, collect, evidence, window
from crosswalk.cli.gdpr import incidents, processing
from crosswalk.cli.gdpr import report as gdpr_report
from crosswalk.cli.isms import isms, risks, scope
from crosswalk.cli.jobs import jobs
from crosswalk.cli.mapping import formats, frameworks, mappings
from crosswalk.cli.mapping import queries as mapping
from crosswalk.cli.mapping import reviews as maintenance
from crosswalk.cli.notify import notify
from crosswalk.cli.policies import policies
from crosswalk.cli.program import demo, plan, program, serve, settings
from crosswalk.cli.revisions import revisions
from crosswalk.cli.soa import soa

app = typer.Typer(
    name="crosswalk",
    help=(
        "Run SOC 2, ISO/IEC 27001:2022, NIST CSF 2.0, GDPR and the EU AI Act as one "
        "program, through typed and explained crosswalks.\n\n"
        "Exit codes: 0 ok, 1 checks found problems, 2 bad input."
    ),
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"crosswalk {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    catalog_path: Annotated[
        list[Path] | None,
        typer.Option(
            "--catalog-path",
            help="Extra catalog or mapping-set YAML file or folder (repeatable); "
            "also CROSSWALK_CATALOG_PATH.",
        ),
    ] = None,
    workspace: Annotated[
        Path | None,
        typer.Option(
            "--workspace",
            "-w",
            help="Workspace folder (default: found from the current folder up).",
        ),
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            envvar="CROSSWALK_DATABASE_URL",
            help="SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db (default: the "
            "workspace's SQLite file).",
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, metavar="", help="Show the version."
        ),
    ] = False,
) -> None:
    ctx.obj = {
        "catalog_path": list(catalog_path or []),
        "workspace": workspace,
        "database_url": database_url,
    }


frameworks.register(app)
mapping.register(app)
app.add_typer(mappings.app, name="mappings")
formats.register(frameworks.app, mappings.app)
revisions.register(frameworks.app, app)
maintenance.register(mappings.app, app)
program.register(app)
app.add_typer(controls.app, name="controls")
gap.register(app)
plan.register(app)
settings.register(app)
demo.register(app)
evidence.register(app)
window.register(app)
collect.register(app)
blobs.register(app)
scope.register(app)
risks.register(app)
soa.register(app)
isms.register(app)
incidents.register(app)
processing.register(app)
gdpr_report.register(app)
policies.register(app)
ai.register(app)
users.register(app)
serve.register(app)
backup.register(app)
jobs.register(app)
notify.register(app)


def _flowed(text: str) -> str:
    """A docstring's paragraphs as flowing text: the help printer keeps single line breaks
    of every paragraph after the first, and rewrapping them broke sentences mid-line."""
    paragraphs = inspect.cleandoc(text).split("\n\n")
    kept = []
    for paragraph in paragraphs:
        lines = paragraph.splitlines()
        if paragraph.startswith("\b") or any(line.lstrip().startswith("- ") for line in lines):
            kept.append(paragraph)  # a verbatim block or a list: its lines are meant
        else:
            kept.append(" ".join(line.strip() for line in lines))
    return "\n\n".join(kept)


def _flow_help(typer_app: typer.Typer) -> None:
    for command in typer_app.registered_commands:
        text = command.help or (command.callback.__doc__ if command.callback else None)
        if text:
            command.help = _flowed(text)
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            _flow_help(group.typer_instance)


_flow_help(app)


# Root options that take a value: the command name is the first token that is neither one of
# them, nor their value, nor a flag.
_VALUED = {"--catalog-path", "--workspace", "-w", "--database-url"}


def invoked_command(argv: list[str]) -> str | None:
    """The top-level command or group named on the command line, if any."""
    tokens = iter(argv)
    for token in tokens:
        if token in _VALUED:
            next(tokens, None)
        elif not token.startswith("-"):
            return token
    return None


def only(name: str) -> typer.Typer | None:
    """The app with only the named top-level command or group: building the other hundred
    commands' parameters from their signatures is most of a short command's start-up."""
    from typer.main import get_command_name

    commands = [
        c
        for c in app.registered_commands
        if (c.name or get_command_name(c.callback.__name__ if c.callback else "")) == name
    ]
    groups = [g for g in app.registered_groups if g.name == name]
    if not commands and not groups:
        return None  # unknown: the whole app says so, with its list of commands
    slim = copy.copy(app)
    slim.registered_commands = commands
    slim.registered_groups = groups
    return slim


def main() -> None:
    name = invoked_command(sys.argv[1:])
    slim = only(name) if name else None
    (slim or app)()
