"""Shared output for every command: one set of row formats, JSON, and one set of exit codes.

Rows print as a Rich table on a terminal and as tab-separated lines at full width when the
output is piped; ``--format`` (on every listing command, or ``CROSSWALK_FORMAT``) chooses
table, tsv, csv, json, jsonl or md, as sqlite-utils does with one shared option set.
"""

from __future__ import annotations

import functools
import inspect
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from enum import IntEnum, StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar

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
    BUSY = 75  # the workspace is being written by someone else: try again (EX_TEMPFAIL)


class RowFormat(StrEnum):
    """How listing commands print rows."""

    table = "table"
    tsv = "tsv"
    csv = "csv"
    json = "json"
    jsonl = "jsonl"
    md = "md"


FORMAT_ENV = "CROSSWALK_FORMAT"
_chosen: ContextVar[RowFormat | None] = ContextVar("row_format", default=None)

FormatOption = Annotated[
    RowFormat | None,
    typer.Option(
        "--format",
        help="table (default on a terminal), tsv (default when piped), csv, json, jsonl or md; "
        "also CROSSWALK_FORMAT.",
        show_default=False,
    ),
]


def interactive() -> bool:
    return sys.stdout.isatty()


def row_format() -> RowFormat:
    """The format in force: the command's --format, else CROSSWALK_FORMAT, else by terminal."""
    chosen = _chosen.get()
    if chosen is not None:
        return chosen
    configured = os.environ.get(FORMAT_ENV, "").strip().lower()
    if configured in RowFormat.__members__:
        return RowFormat(configured)
    return RowFormat.table if interactive() else RowFormat.tsv


def listing(function: Callable[P, R]) -> Callable[P, R]:
    """Give a listing command the shared ``--format`` option. ``--format json`` on a command
    that has ``--json`` means its ``--json`` (the whole result, not only the table's rows)."""
    signature = inspect.signature(function, eval_str=True)  # typer reads these objects
    option = inspect.Parameter(
        "output_format", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=FormatOption
    )
    has_json = "as_json" in signature.parameters

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        chosen = kwargs.pop("output_format", None)
        if chosen is RowFormat.json and has_json:
            kwargs["as_json"] = True
        token = _chosen.set(chosen if isinstance(chosen, RowFormat) else None)
        try:
            return function(*args, **kwargs)
        finally:
            _chosen.reset(token)

    wrapper.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*signature.parameters.values(), option]
    )
    wrapper.__annotations__ = {**function.__annotations__, "output_format": FormatOption}
    return wrapper


def print_json(value: Any) -> None:
    from crosswalk.reports.serialize import dumps

    sys.stdout.write(dumps(value))


def console(stderr: bool = False) -> Console:
    """Rich output; piped, lines are never wrapped (a pipe has no width to fit)."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    return Console(stderr=stderr, highlight=False, soft_wrap=not stream.isatty())


def _cell(cell: Any) -> str:
    return "" if cell is None else str(cell)


def print_rows(
    title: str | None,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    as_csv: bool = False,
) -> None:
    """The one row printer of every listing command, in the format in force."""
    chosen = RowFormat.csv if as_csv else row_format()
    if chosen is RowFormat.tsv:

        def clean(cell: Any) -> str:  # one line per row, one tab per column
            return " ".join(_cell(cell).split())

        if title:  # for the reader, not the data: a pipe gets the rows alone
            console(stderr=True).print(title, markup=False)
        lines = ["\t".join(headers), *("\t".join(clean(c) for c in row) for row in rows)]
        sys.stdout.write("\n".join(lines) + "\n")
        return
    if chosen in (RowFormat.json, RowFormat.jsonl):
        records = [dict(zip(headers, (_json_cell(c) for c in row), strict=False)) for row in rows]
        if chosen is RowFormat.json:
            sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=2) + "\n")
        else:
            sys.stdout.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
        return
    if chosen in (RowFormat.csv, RowFormat.md):
        from crosswalk.reports.tables import Table, to_csv, to_markdown

        plain = Table(title or "", headers, rows)
        sys.stdout.write(to_csv(plain) if chosen is RowFormat.csv else to_markdown(plain))
        return
    from rich.table import Table as RichTable
    from rich.text import Text

    table = RichTable(title=title, title_justify="left", show_lines=False)
    for header in headers:
        table.add_column(header, overflow="fold")
    for row in rows:  # Text(): cell content is data, never Rich markup
        table.add_row(*(Text("" if cell is None else str(cell)) for cell in row))
    console().print(table)


def _json_cell(cell: Any) -> Any:
    return cell if cell is None or isinstance(cell, (int, float, bool)) else str(cell)


@contextmanager
def working(message: str) -> Iterator[None]:
    """A spinner with what is being done, on stderr while long work runs: on a terminal only
    (a pipe or a CI log gets the result, not the animation)."""
    if not sys.stderr.isatty():
        yield
        return
    with console(stderr=True).status(message):
        yield


def emit_report(output_format: str, output: Path | None, write: Callable[[Path], None]) -> None:
    """Write a report to ``output``, or to standard output when there is none (or ``-o -``).

    A binary workbook is never poured onto a terminal: it needs a file or a pipe."""
    if output is not None and str(output) != "-":
        with working(f"Writing {output.name}"):
            write(output)
        console(stderr=True).print(f"wrote {output}", markup=False)
        return
    if output_format == "xlsx" and sys.stdout.isatty():
        raise fail("xlsx is a binary workbook: give -o FILE, or pipe it (… > report.xlsx)")
    import tempfile

    with tempfile.TemporaryDirectory(prefix="crosswalk-report-") as folder:
        path = Path(folder) / f"report.{output_format}"
        with working(f"Writing the {output_format} report"):
            write(path)
        sys.stdout.flush()
        sys.stdout.buffer.write(path.read_bytes())
        sys.stdout.buffer.flush()


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
        except OSError as error:  # a file named on the command line that cannot be used
            if error.filename is None:
                raise
            from rich.markup import escape

            raise fail(escape(f"{error.filename}: {error.strerror or error}")) from None
        except Exception as error:
            from crosswalk.cli.context import workspace_busy, write_conflict

            if workspace_busy(error):
                raise fail(BUSY_MESSAGE, ExitCode.BUSY) from None
            if write_conflict(error):
                raise fail(CONFLICT_MESSAGE, ExitCode.BUSY) from None
            raise

    return wrapper


BUSY_MESSAGE = (
    "workspace busy: another command or the web app is writing to it; nothing was changed,"
    " try again in a moment (or put the workspace on PostgreSQL for many writers)"
)


CONFLICT_MESSAGE = (
    "another command or the web app stored the same record at the same moment; nothing was"
    " changed, run it again"
)


def parse_date(text: str, option: str) -> date:
    """A date option as typed (YYYY-MM-DD); bad input names the option (exit 2)."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise fail(f"{option} {text!r} is not a date (YYYY-MM-DD)") from None
