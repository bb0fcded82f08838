"""Shared output for every command: JSON, Rich tables, CSV, and one set of exit codes."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Sequence
from datetime import date
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import typer

if TYPE_CHECKING:
    from rich.console import Console

P = ParamSpec("P")
R = TypeVar("R")


class ReportFormat(StrEnum):
    """File formats every report command writes with ``--format X -o FILE``."""

    json = "json"
    md = "md"
    html = "html"
    xlsx = "xlsx"


class ExitCode(IntEnum):
    """What CI gates can rely on."""

    OK = 0
    CHECKS_FAILED = 1  # gaps, lint errors, window exceptions: the input was fine
    BAD_INPUT = 2  # unknown refs, malformed files, bad usage


def print_json(value: Any) -> None:
    from crosswalk.reports.serialize import dumps

    sys.stdout.write(dumps(value))


def console(stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def print_rows(
    title: str | None,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    as_csv: bool = False,
) -> None:
    """The one table printer of every listing command (Rich table, or CSV with ``--csv``)."""
    if as_csv:
        from crosswalk.reports.tables import Table, to_csv

        sys.stdout.write(to_csv(Table(title or "", headers, rows)))
        return
    from rich.table import Table as RichTable
    from rich.text import Text

    table = RichTable(title=title, title_justify="left", show_lines=False)
    for header in headers:
        table.add_column(header, overflow="fold")
    for row in rows:  # Text(): cell content is data, never Rich markup
        table.add_row(*(Text("" if cell is None else str(cell)) for cell in row))
    console().print(table)


def fail(message: str, code: ExitCode = ExitCode.BAD_INPUT) -> typer.Exit:
    console(stderr=True).print(f"[bold red]error:[/] {message}", markup=True, highlight=False)
    return typer.Exit(int(code))


def handle_errors(function: Callable[P, R]) -> Callable[P, R]:
    """Turn input errors into a one-line message and exit code 2, never a traceback."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        from crosswalk.domain.errors import CrosswalkError

        try:
            return function(*args, **kwargs)
        except CrosswalkError as error:
            from rich.markup import escape

            raise fail(escape(str(error))) from None

    return wrapper


def parse_date(text: str, option: str) -> date:
    """A date option as typed (YYYY-MM-DD); bad input names the option (exit 2)."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise fail(f"{option} {text!r} is not a date (YYYY-MM-DD)") from None
