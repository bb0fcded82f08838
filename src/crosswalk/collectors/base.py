"""What every collector is and returns, and where collectors are found.

A collector turns a check that a machine can run (a command, a file, an API answer, a
query) into one piece of evidence: the raw bytes an auditor can re-read, plus a verdict.
"Could not run" (``CollectorError``) and "ran and failed" (``passed=False``) are kept
apart, because the first says nothing about the control and the second says a lot.

Collectors come from this package and from any installed distribution that declares an
entry point in the ``crosswalk.collectors`` group (``name = "module:Class"``).
"""

from __future__ import annotations

import difflib
import hashlib
import importlib
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import entry_points
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from crosswalk.domain.errors import CrosswalkError

ENTRY_POINT_GROUP = "crosswalk.collectors"

_BUILTINS = {
    "command": "crosswalk.collectors.command:CommandCollector",
    "file": "crosswalk.collectors.file:FileCollector",
    "http-json": "crosswalk.collectors.http_json:HttpJsonCollector",
    "github-branch-protection": (
        "crosswalk.collectors.github_branch_protection:GitHubBranchProtectionCollector"
    ),
    "sql-query": "crosswalk.collectors.sql_query:SqlQueryCollector",
}


class CollectorError(CrosswalkError):
    """A collector could not run at all; the caller records a failed run, not a verdict."""


class CollectorParams(BaseModel):
    """Base of every collector's parameters: unknown keys are typos, so they are refused.

    Errors never repeat the value given: a misplaced secret must not reach a log.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)


def utc_now() -> datetime:
    return datetime.now(UTC)


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(*parts: str, suffix: str) -> str:
    """A file name made from user-given parts that cannot escape a folder or hide itself."""
    stem = "-".join(p for p in (_UNSAFE.sub("_", part).strip("._-") for part in parts) if p)
    return f"{stem or 'evidence'}{suffix}"


SUMMARY_LIMIT = 300


def one_line(text: str, limit: int = SUMMARY_LIMIT) -> str:
    """Whitespace (newlines too) folded to single spaces, cut at ``limit`` characters."""
    folded = " ".join(text.split())
    return folded if len(folded) <= limit else folded[: limit - 1] + "…"


@dataclass(frozen=True)
class CollectorResult:
    """One collected piece of evidence: raw bytes to store, and what they showed.

    ``details`` holds only JSON values (str, int, float, bool, None, lists and dicts of
    them) so the caller can store it as is; it never holds a secret. ``summary`` is folded
    to one line of at most 300 characters.
    """

    passed: bool
    summary: str
    content: bytes
    media_type: str
    filename: str
    details: dict[str, object] = field(default_factory=dict)
    collected_at: datetime = field(default_factory=utc_now)

    def __post_init__(self) -> None:
        # These are programming errors in a collector, not user input: fail loudly.
        if self.collected_at.tzinfo is None:
            raise ValueError("collected_at must be timezone-aware")
        object.__setattr__(self, "collected_at", self.collected_at.astimezone(UTC))
        if safe_filename(self.filename, suffix="") != self.filename:
            raise ValueError(f"unsafe evidence file name {self.filename!r}")
        object.__setattr__(self, "summary", one_line(self.summary))

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    def describe(self) -> dict[str, object]:
        """Everything but the content, as JSON values (for ``--json`` listings and logs)."""
        return {
            "passed": self.passed,
            "summary": self.summary,
            "media_type": self.media_type,
            "filename": self.filename,
            "size": len(self.content),
            "sha256": self.sha256,
            "collected_at": self.collected_at.isoformat(),
            "details": self.details,
        }


P = TypeVar("P", bound=BaseModel)


class Collector(ABC, Generic[P]):
    """A kind of automated check. Subclasses set ``name`` and ``Params`` and run ``collect``.

    Instances hold no state between runs, so one may be created per run.
    """

    name: ClassVar[str]
    Params: ClassVar[type[BaseModel]]

    @abstractmethod
    def collect(self, params: P) -> CollectorResult:
        """Run the check once; raise ``CollectorError`` only when it could not run."""


AnyCollector = type[Collector[Any]]


@dataclass(frozen=True)
class _Found:
    collectors: dict[str, AnyCollector]
    problems: dict[str, str]  # name -> why that plugin could not be used


def _load(target: str) -> object:
    module_name, _, attribute = target.partition(":")
    value: object = importlib.import_module(module_name)
    for part in attribute.split("."):
        value = getattr(value, part)
    return value


def _check_collector(value: object, name: str) -> AnyCollector:
    if not (isinstance(value, type) and issubclass(value, Collector)):
        raise TypeError("it is not a subclass of crosswalk.collectors.Collector")
    declared = getattr(value, "name", None)
    if declared != name:
        raise TypeError(f"the entry point is named {name!r} but the class says {declared!r}")
    params = getattr(value, "Params", None)
    if not (isinstance(params, type) and issubclass(params, BaseModel)):
        raise TypeError("its Params is not a pydantic model")
    if params.model_config.get("extra") != "forbid":
        raise TypeError('its Params model must set extra="forbid" (typos must not pass)')
    return value


def _discover() -> _Found:
    collectors: dict[str, AnyCollector] = {}
    for name, target in _BUILTINS.items():
        collectors[name] = _check_collector(_load(target), name)
    problems: dict[str, str] = {}
    sources: dict[str, str] = {}
    for point in entry_points(group=ENTRY_POINT_GROUP):
        dist = point.dist.name if point.dist is not None else "an unknown distribution"
        name = point.name
        if name in _BUILTINS:
            # A package must not be able to swap a built-in check for its own.
            problems.setdefault(name + f" ({dist})", f"{dist} tries to replace a built-in")
            continue
        if name in sources:
            problems[name] = f"provided by both {sources[name]} and {dist}; neither is used"
            collectors.pop(name, None)
            continue
        sources[name] = dist
        try:
            collectors[name] = _check_collector(point.load(), name)
        except Exception as error:  # a broken plugin must not break every other collector
            problems[name] = f"{dist} ({point.value}) could not be loaded: {error}"
    return _Found(collectors, problems)


def available_collectors() -> dict[str, type[Collector[Any]]]:
    """Built-in collectors and every usable installed plugin, by name."""
    return dict(sorted(_discover().collectors.items()))


def plugin_problems() -> dict[str, str]:
    """Installed plugins that were left out, and why (for ``crosswalk collect --list``)."""
    return dict(sorted(_discover().problems.items()))


def get_collector(name: str) -> type[Collector[Any]]:
    """The collector called ``name``; unknown names raise with the closest known ones."""
    found = _discover()
    if name in found.collectors:
        return found.collectors[name]
    if name in found.problems:
        raise CollectorError(
            f"collector {name!r} is installed but unusable: {found.problems[name]}"
        )
    close = difflib.get_close_matches(name, list(found.collectors), n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    known = ", ".join(sorted(found.collectors))
    raise CollectorError(f"unknown collector {name!r}{hint} (known: {known})")
