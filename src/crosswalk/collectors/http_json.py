"""``http-json``: GET a JSON endpoint and check values in it (a health page, an admin API).

The body is kept as returned, so the evidence is what the service said, not our reading
of it. Secrets for headers come from the environment (``header_env``), never from the
declaration file, which lives in git.
"""

from __future__ import annotations

import json
import mimetypes
from typing import Any, ClassVar
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    field_validator,
    model_validator,
)

from crosswalk.collectors.base import (
    Collector,
    CollectorParams,
    CollectorResult,
    safe_filename,
)
from crosswalk.collectors.fetch import (
    SENSITIVE_HEADERS,
    check_env_name,
    check_http_url,
    http_get,
    read_secret,
)
from crosswalk.collectors.jsonpath import MISSING, parse_path, resolve

_CHECKS = ("equals", "exists", "min", "max")


def json_equal(a: object, b: object) -> bool:
    """Equality as JSON means it: ``true`` is not ``1``, ``1`` is ``1.0``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def show(value: object) -> object:
    """A short, JSON-safe picture of a found value for the details."""
    if value is MISSING:
        return None
    if isinstance(value, list):
        return f"<array of {len(value)}>"
    if isinstance(value, dict):
        return f"<object with {len(value)} keys>"
    if isinstance(value, str) and len(value) > 200:
        return value[:200] + "…"
    return value


class JsonAssertion(BaseModel):
    """One check on one value: ``equals``, ``exists``, or ``min``/``max`` (together or not)."""

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)
    path: str
    equals: JsonValue = None
    exists: bool | None = None
    min: float | None = None
    max: float | None = None

    @field_validator("path")
    @classmethod
    def _path_parses(cls, value: str) -> str:
        parse_path(value)
        return value

    @model_validator(mode="after")
    def _one_kind_of_check(self) -> JsonAssertion:
        chosen = self.model_fields_set & set(_CHECKS)
        if not chosen:
            raise ValueError("say what to check: equals, exists, or min and/or max")
        if len(chosen) > 1 and not chosen <= {"min", "max"}:
            raise ValueError(f"use one of equals, exists, or min/max — not {sorted(chosen)}")
        if "exists" in chosen and self.exists is None:
            raise ValueError("exists must be true or false")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min:g}) is above max ({self.max:g})")
        return self

    @property
    def expectation(self) -> str:
        if "equals" in self.model_fields_set:
            return f"equals {json.dumps(self.equals)}"
        if self.exists is not None:
            return "exists" if self.exists else "is absent"
        bounds = []
        if self.min is not None:
            bounds.append(f">= {self.min:g}")
        if self.max is not None:
            bounds.append(f"<= {self.max:g}")
        return " and ".join(bounds)

    def check(self, document: object) -> dict[str, object]:
        """The outcome as a JSON-safe record: path, expectation, what was found, passed."""
        value = resolve(document, parse_path(self.path))
        found = value is not MISSING
        reason = ""
        if "equals" in self.model_fields_set:
            passed = found and json_equal(value, self.equals)
        elif self.exists is not None:
            passed = found == self.exists
        elif not found:
            passed, reason = False, "not found"
        elif isinstance(value, bool) or not isinstance(value, int | float):
            passed, reason = False, "not a number"
        else:
            passed = (self.min is None or value >= self.min) and (
                self.max is None or value <= self.max
            )
        outcome: dict[str, object] = {
            "path": self.path,
            "expect": self.expectation,
            "found": found,
            "actual": show(value),
            "passed": passed,
        }
        if reason:
            outcome["reason"] = reason
        return outcome


def describe_failure(outcome: dict[str, object]) -> str:
    actual = "nothing" if not outcome["found"] else json.dumps(outcome["actual"])
    return f"{outcome['path']} {outcome['expect']} (found {actual})"


class HttpJsonParams(CollectorParams):
    url: str
    headers: dict[str, str] = Field(default_factory=dict)
    header_env: dict[str, str] = Field(
        default_factory=dict, description="header name -> environment variable with its value"
    )
    timeout_seconds: float = Field(default=30, gt=0, le=600)
    assertions: list[JsonAssertion] = Field(default_factory=list)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return check_http_url(value)

    @field_validator("headers")
    @classmethod
    def _no_plain_secrets(cls, value: dict[str, str]) -> dict[str, str]:
        secret = sorted(name for name in value if name.lower() in SENSITIVE_HEADERS)
        if secret:
            raise ValueError(
                f"{', '.join(secret)} would put a secret in the declaration file; "
                "use header_env to read it from an environment variable"
            )
        return value

    @field_validator("header_env")
    @classmethod
    def _env_names(cls, value: dict[str, str]) -> dict[str, str]:
        for env_name in value.values():
            check_env_name(env_name)
        return value


class HttpJsonCollector(Collector[HttpJsonParams]):
    """GET a URL, keep the JSON body, and check values in it."""

    name: ClassVar[str] = "http-json"
    Params: ClassVar[type[BaseModel]] = HttpJsonParams

    def collect(self, params: HttpJsonParams) -> CollectorResult:
        headers = {"Accept": "application/json", **params.headers}
        for header, env_name in params.header_env.items():
            headers[header] = read_secret(env_name, f"the {header} header")
        response = http_get(params.url, headers, params.timeout_seconds)
        details: dict[str, object] = {
            "url": params.url,
            "final_url": response.url,
            "status": response.status,
            "content_type": response.content_type,
            "headers_sent": sorted(headers),  # names only: values may be secrets
        }
        media_type = response.content_type or "application/octet-stream"
        extension = mimetypes.guess_extension(media_type) or ".bin"
        host = urlsplit(params.url).hostname or ""

        def result(passed: bool, summary: str) -> CollectorResult:
            return CollectorResult(
                passed=passed,
                summary=f"GET {params.url}: {summary}",
                content=response.body,
                media_type=media_type,
                filename=safe_filename("http", host, suffix=extension),
                details=details,
            )

        if not response.ok:
            details["error"] = f"HTTP {response.status} {response.reason}".strip()
            return result(False, f"HTTP {response.status}, expected 2xx")
        try:
            document: Any = response.json()
        except ValueError as error:
            details["error"] = str(error)
            return result(False, f"HTTP {response.status} but {error}")
        outcomes = [assertion.check(document) for assertion in params.assertions]
        details["assertions"] = outcomes
        failed = [o for o in outcomes if not o["passed"]]
        if failed:
            first = describe_failure(failed[0])
            return result(False, f"{len(failed)} of {len(outcomes)} checks failed: {first}")
        return result(True, f"HTTP {response.status}, {len(outcomes)} checks hold")
