"""Reading form fields as the services want them: blank is "none", dates are ISO dates,
lists are comma- or line-separated. A value that cannot be read is a ``FormError`` (400),
which the page re-renders beside the form."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Request

from crosswalk.domain.errors import CrosswalkError


class FormError(CrosswalkError):
    """A form value that cannot be read; nothing was changed."""


def form_date(text: str | None, label: str) -> date | None:
    """None when blank; else the date, or a FormError naming the field."""
    if text is None or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise FormError(f"{label} {text.strip()!r} is not a date (YYYY-MM-DD)") from None


def form_int(text: str | None, label: str) -> int | None:
    if text is None or not text.strip():
        return None
    try:
        return int(text.strip())
    except ValueError:
        raise FormError(f"{label} {text.strip()!r} is not a whole number") from None


def form_list(text: str | None) -> list[str]:
    """``a, b`` or one per line, blanks dropped, order kept."""
    if not text:
        return []
    parts = (p.strip() for line in text.splitlines() for p in line.split(","))
    return list(dict.fromkeys(p for p in parts if p))


def given(**values: object) -> dict[str, object]:
    """Only the fields the form or the JSON body carried (None means "not sent")."""
    return {name: value for name, value in values.items() if value is not None}


async def _fields(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: value for key, value in form.multi_items() if isinstance(value, str)}


# Every text field of a posted form (the last value of a repeated one), for forms whose
# fields are many or named after data (a review's 9.3.2 inputs).
Fields = Annotated[dict[str, str], Depends(_fields)]


def pick(fields: dict[str, str], *names: str) -> dict[str, str]:
    """The named fields the form carried."""
    return {name: fields[name] for name in names if name in fields}
