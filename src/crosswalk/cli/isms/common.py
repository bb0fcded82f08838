"""Options and small helpers the ISMS record commands share."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import typer

from crosswalk.cli.output import console, parse_date

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
DATE_HELP = "YYYY-MM-DD; '' clears it."


def optional_date(text: str | None, option: str) -> date | None:
    """None when not given or given as ''; else the date, or exit 2 naming the option."""
    return parse_date(text, option) if text and text.strip() else None


def passed(**given: Any) -> dict[str, Any]:
    """Only the options the user passed."""
    return {name: value for name, value in given.items() if value is not None}


def dates_passed(given: dict[str, tuple[str | None, str]]) -> dict[str, date | None]:
    """Dates passed, by field name: {field: (text, option)}; '' clears a date."""
    return {
        name: optional_date(text, option)
        for name, (text, option) in given.items()
        if text is not None
    }


def say(text: str) -> None:
    console().print(text, markup=False)


def plain(value: Any) -> Any:
    """Result objects as JSON-ready data, to add a key or two before printing."""
    from crosswalk.reports.serialize import to_jsonable

    return to_jsonable(value)
