"""What the OpenAPI document (``/api/openapi.json``) says beyond each route's signature: the
errors every operation may answer, the files the downloads send, and the PATCH fields that
may be left out but not sent as null.

An answer the document does not describe breaks generated clients; the schema-driven fuzz
test (tests/web/test_api_fuzz.py) holds every operation to it.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel
from pydantic.json_schema import SkipJsonSchema

Responses = dict[int | str, dict[str, Any]]
T = TypeVar("T")


def _not_null(value: T | None) -> T:
    if value is None:
        raise ValueError("may be left out (to keep it), but not null: every record has one")
    return value


Omissible = Annotated[T | SkipJsonSchema[None], AfterValidator(_not_null)]
"""A PATCH field every record has (a title, the day a review was held, a score): left out,
it stays as it is; null is refused with 422 naming it, never handed to a service as None.
The schema shows the field's type without null. (Fields that may be empty stay ``X | None``,
where null clears them.)"""


class ErrorDetail(BaseModel):
    """A refused request: the reason, in one line naming what to change."""

    detail: str


_ERRORS = {
    400: "Refused: the reason names the field, record or rule",
    401: "Not signed in",
    403: "The role does not allow this, or a write without the session's CSRF token",
    422: "A parameter or the body is not of its type or bounds, or null where a value is needed",
    503: "Another writer holds the workspace: nothing was changed; retry after Retry-After",
}

API_ERRORS: Responses = {
    status: {"model": ErrorDetail, "description": text} for status, text in _ERRORS.items()
}
"""The errors of every operation under /api/ (always JSON)."""

_HTML_PAGE = {"text/html": {"schema": {"type": "string"}}}

PAGE_ERRORS: Responses = {
    status: {**answer, "content": _HTML_PAGE} for status, answer in API_ERRORS.items()
}
"""The errors of a download outside /api/: an HTML page (JSON when the request accepts it)."""


def errors(*statuses: int, pages: bool = False) -> Responses:
    """More errors one operation answers (404 unknown record, 413 too large, 415 format...),
    in JSON (``pages``: or as an HTML page, for a download outside /api/)."""
    extra: Responses = {}
    for status in statuses:
        answer: dict[str, Any] = {"model": ErrorDetail}
        if pages:
            answer["content"] = _HTML_PAGE
        extra[status] = answer
    return extra


def file_download(*media_types: str) -> Responses:
    """A download's answers: the file in ``media_types`` (``*/*`` for stored evidence, sent
    as uploaded), and its errors."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {200: {"content": dict.fromkeys(media_types, binary)}, **PAGE_ERRORS}


_NOT_FOUND = {
    "description": "No such record, or a path that names no operation (an id with a line break)",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorDetail"}}},
}


def document_unmatched_paths(document: dict[str, Any]) -> dict[str, Any]:
    """Every operation with path parameters also answers 404: a parameter no id can hold
    (a line break in a control id) leaves the path matching no route, which Starlette
    answers ``{"detail": "Not Found"}``. Idempotent: applied to the generated document."""
    for path, operations in document.get("paths", {}).items():
        if "{" in path:
            for operation in operations.values():
                operation.setdefault("responses", {}).setdefault("404", _NOT_FOUND)
    return document
