"""Policies and procedures as Markdown files with a YAML front-matter header.

A workspace keeps them in ``<workspace>/policies/*.md``, one file per policy, reviewable in
git. The header says what the policy is and what it commits the company to (the controls
and requirements it governs, the frequencies it states); the Markdown body is the policy's
own words and is kept byte for byte. The same header always dumps to the same bytes, in one
key order, so a pull request shows only real changes.

Foreign policy folders (a documents repository, an export from a wiki) are read with
``import_folder``: front matter is required, common key spellings are accepted (``name`` for
``title``, ``approved_by`` for ``approver``, ...) and keys we do not know are reported, not
guessed at.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from crosswalk.domain.controls import RecordIdError, check_record_id
from crosswalk.domain.errors import CrosswalkError
from crosswalk.domain.frequency import Frequency, parse_frequency
from crosswalk.io.program_files import Text, holds
from crosswalk.io.size_limits import POLICY_BYTES, FileTooLargeError, check_size
from crosswalk.io.text_files import InputFileError, read_utf8
from crosswalk.io.yaml_text import YamlTextError, load_yaml

POLICY_FOLDER = "policies"
FIELDS = (
    "id",
    "title",
    "version",
    "status",
    "owner",
    "approver",
    "approved_on",
    "review_frequency",
    "last_reviewed",
    "reviewed_by",
    "scope",
    "terms",
    "governs",
    "activities",
)


class PolicyFileError(CrosswalkError):
    pass


class PolicyStatus(StrEnum):
    DRAFT = "draft"
    IN_FORCE = "in force"
    RETIRED = "retired"


_STATUS_WORDS = {
    PolicyStatus.DRAFT: ("draft", "proposed", "in review", "under review", "wip"),
    PolicyStatus.IN_FORCE: (
        "in force",
        "inforce",
        "active",
        "approved",
        "published",
        "effective",
        "current",
    ),
    PolicyStatus.RETIRED: ("retired", "archived", "superseded", "withdrawn", "obsolete"),
}


def parse_policy_status(text: str | None) -> PolicyStatus | None:
    """``in force``, ``In-Force``, ``active`` ... -> the status; None when not one we know."""
    if text is None:
        return None
    cleaned = re.sub(r"[\s_-]+", " ", text.strip().lower()).strip(" .")
    for status, words in _STATUS_WORDS.items():
        if cleaned in words:
            return status
    return None


def _blank_is_none(value: object) -> object:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value.strip() if isinstance(value, str) else value


def _frequency(value: object) -> object:
    if isinstance(value, str):
        parsed = parse_frequency(value)
        if parsed is None:
            known = ", ".join(f.value for f in Frequency)
            raise ValueError(f"{value!r} is not a frequency ({known})")
        return parsed
    return value


class Activity(BaseModel):
    """A frequency the policy states: "access reviews are performed quarterly"."""

    model_config = ConfigDict(extra="forbid")
    activity: Text
    frequency: Frequency
    quote: str | None = None

    @field_validator("frequency", mode="before")
    @classmethod
    def _parse_frequency(cls, value: object) -> object:
        return _frequency(value)

    @field_validator("quote", mode="before")
    @classmethod
    def _quote(cls, value: object) -> object:
        return _blank_is_none(value)


class Policy(BaseModel):
    """The front matter of one policy file, and its Markdown body."""

    model_config = ConfigDict(extra="forbid")
    id: Text
    title: Text
    version: Text = "1.0"
    status: PolicyStatus = PolicyStatus.DRAFT
    owner: str | None = None
    approver: str | None = None
    approved_on: date | None = None
    review_frequency: Frequency | None = None
    last_reviewed: date | None = None
    reviewed_by: str | None = None
    scope: str = ""
    terms: dict[str, str] = Field(default_factory=dict)
    governs: list[Text] = Field(default_factory=list)
    activities: list[Activity] = Field(default_factory=list)
    body: str = ""

    @field_validator("id", "title", mode="before")
    @classmethod
    def _text(cls, value: object) -> object:
        return (
            str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value
        )

    @field_validator("id")
    @classmethod
    def _id_rule(cls, value: str) -> str:
        """The rule of every record id (it names the policy's file): 1-100 characters, no
        control characters, a file name short enough for any file system."""
        try:
            return check_record_id(value, "policy")
        except RecordIdError as error:
            raise ValueError(str(error)) from None

    @field_validator("version", mode="before")
    @classmethod
    def _version(cls, value: object) -> object:
        if value is None:
            return "1.0"
        return (
            str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value
        )

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, value: object) -> object:
        if value is None:
            return PolicyStatus.DRAFT
        if isinstance(value, str):
            status = parse_policy_status(value)
            if status is None:
                raise ValueError(f"{value!r} is not a status (draft, in force or retired)")
            return status
        return value

    @field_validator("owner", "approver", "reviewed_by", mode="before")
    @classmethod
    def _person(cls, value: object) -> object:
        return _blank_is_none(value)

    @field_validator("review_frequency", mode="before")
    @classmethod
    def _review_frequency(cls, value: object) -> object:
        return _frequency(_blank_is_none(value))

    @field_validator("scope", mode="before")
    @classmethod
    def _scope(cls, value: object) -> object:
        if value is None:
            return ""
        return re.sub(r"\s+", " ", value).strip() if isinstance(value, str) else value

    @field_validator("terms", mode="before")
    @classmethod
    def _terms(cls, value: object) -> object:
        if value is None:
            return {}
        if isinstance(value, dict):
            return {
                str(term).strip(): re.sub(r"\s+", " ", str(text)).strip() if text else ""
                for term, text in value.items()
            }
        return value

    @field_validator("governs", mode="before")
    @classmethod
    def _governs(cls, value: object) -> object:
        if value is None:
            return []
        if isinstance(value, str):
            value = [part for part in re.split(r"[,;\n]", value) if part.strip()]
        if isinstance(value, list):
            return list(dict.fromkeys(str(item).strip() for item in value))
        return value

    @field_validator("activities", mode="before")
    @classmethod
    def _activities(cls, value: object) -> object:
        if value is None:
            return []
        if isinstance(value, dict):  # {access review: quarterly}
            return [{"activity": key, "frequency": given} for key, given in value.items()]
        return value

    def header(self) -> dict[str, Any]:
        """The front matter as written: every key, always in the same order."""
        return {
            "id": self.id,
            "title": self.title,
            "version": self.version,
            "status": self.status.value,
            "owner": self.owner,
            "approver": self.approver,
            "approved_on": self.approved_on,
            "review_frequency": self.review_frequency.value if self.review_frequency else None,
            "last_reviewed": self.last_reviewed,
            "reviewed_by": self.reviewed_by,
            "scope": self.scope,
            "terms": dict(self.terms),
            "governs": list(self.governs),
            "activities": [
                {
                    "activity": a.activity,
                    "frequency": a.frequency.value,
                    **({"quote": a.quote} if a.quote else {}),
                }
                for a in self.activities
            ],
        }


@dataclass(frozen=True)
class PolicyFile:
    """A policy and the file it lives in."""

    path: Path
    policy: Policy


def policy_file_name(policy_id: str) -> str:
    """A safe, stable file name for a policy id (no path tricks)."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", policy_id).strip("._")
    if not stem:
        raise PolicyFileError(f"{policy_id!r} cannot be used as a policy id")
    return stem + ".md"


def policy_folder(root: Path) -> Path:
    return root / POLICY_FOLDER


def review_due(policy: Policy) -> date | None:
    """When the next review is due: last reviewed (or approved) + the review period."""
    period = policy.review_frequency.period_days if policy.review_frequency else None
    since = policy.last_reviewed or policy.approved_on
    if period is None or since is None:
        return None
    return since + timedelta(days=period)


# --- reading ----------------------------------------------------------------------------------


def split_front_matter(text: str, path: Path) -> tuple[dict[str, Any], str]:
    """The YAML header between the ``---`` lines at the top, and the body after it."""
    text = text.removeprefix("\ufeff")
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise PolicyFileError(
            f"{path}: no front matter (a YAML header between '---' lines at the top of the file)"
        )
    for number, line in enumerate(lines[1:], start=1):
        if line.strip() in {"---", "..."}:
            raw = "".join(lines[1:number])
            body = "".join(lines[number + 1 :])
            break
    else:
        raise PolicyFileError(f"{path}: the front matter is not closed with a '---' line")
    try:
        data = load_yaml(raw)
    except YamlTextError as error:  # the front matter starts on the file's second line
        raise PolicyFileError(
            error.named(path, "the front matter is not valid YAML", offset=1)
        ) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise PolicyFileError(f"{path}: the front matter must be a mapping of keys to values")
    return {str(key): value for key, value in data.items()}, body


def _validate(data: dict[str, Any], body: str, path: Path) -> Policy:
    try:
        return Policy.model_validate({**data, "body": body})
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "front matter"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise PolicyFileError(f"{path}: {field}: {message}") from error


def parse_policy(text: str, path: Path) -> Policy:
    """A workspace policy file: every key must be one of ours (a typo is an error)."""
    data, body = split_front_matter(text, path)
    if "body" in data:
        raise PolicyFileError(f"{path}: body: the body is the Markdown after the front matter")
    return _validate(data, body, path)


def _read_text(path: Path) -> str:
    """The file's text: a regular file (a pipe is never waited on) of UTF-8, not too large."""
    try:
        return read_utf8(check_size(path, POLICY_BYTES, "policy file"))
    except (InputFileError, FileTooLargeError) as error:
        raise PolicyFileError(str(error)) from None
    except OSError as error:
        raise PolicyFileError(f"{path}: cannot read: {error.strerror or error}") from error


def read_policy(path: Path) -> Policy:
    return parse_policy(_read_text(path), path)


def read_policies(root: Path) -> list[PolicyFile]:
    """Every policy of the workspace; the first malformed file raises, naming file and field."""
    folder = policy_folder(root)
    if not folder.is_dir():
        return []
    found: list[PolicyFile] = []
    seen: dict[str, Path] = {}
    for path in sorted(folder.glob("*.md")):
        policy = read_policy(path)
        if policy.id in seen:
            raise PolicyFileError(f"{path}: id: policy {policy.id!r} is also in {seen[policy.id]}")
        seen[policy.id] = path
        found.append(PolicyFile(path, policy))
    return found


# --- writing ----------------------------------------------------------------------------------


def dump_policy(policy: Policy) -> str:
    header = yaml.safe_dump(policy.header(), sort_keys=False, allow_unicode=True, width=80)
    return f"---\n{header}---\n{policy.body}"


def write_policy(path: Path, policy: Policy) -> Path:
    """Write atomically (a temporary file, then a rename); an unchanged file is not touched."""
    text = dump_policy(policy)
    if holds(path, text):
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)
    return path


def write_policies(items: Iterable[PolicyFile]) -> list[Path]:
    """Write several files nearly all-or-nothing: every temporary file is written before the
    first rename, so a failure while writing leaves every policy as it was."""
    staged: list[tuple[Path, Path]] = []
    try:
        for item in items:
            text = dump_policy(item.policy)
            if holds(item.path, text):
                continue
            item.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = item.path.with_name(f".{item.path.name}.tmp")
            temporary.write_text(text, encoding="utf-8")
            staged.append((temporary, item.path))
    except OSError:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
        raise
    for temporary, path in staged:
        temporary.replace(path)
    return [path for _, path in staged]


# --- foreign folders --------------------------------------------------------------------------

# How other tools and teams spell our keys (compared lower-cased, spaces and dashes as _).
ALIASES = {
    "policy_id": "id",
    "document_id": "id",
    "doc_id": "id",
    "name": "title",
    "policy_name": "title",
    "revision": "version",
    "rev": "version",
    "state": "status",
    "policy_owner": "owner",
    "document_owner": "owner",
    "approved_by": "approver",
    "approval_date": "approved_on",
    "approved": "approved_on",
    "date_approved": "approved_on",
    "effective_date": "approved_on",
    "review_cycle": "review_frequency",
    "review_period": "review_frequency",
    "review_interval": "review_frequency",
    "last_review": "last_reviewed",
    "last_reviewed_on": "last_reviewed",
    "reviewed_on": "last_reviewed",
    "last_reviewed_by": "reviewed_by",
    "applies_to": "scope",
    "applicability": "scope",
    "definitions": "terms",
    "glossary": "terms",
    "controls": "governs",
    "requirements": "governs",
    "maps_to": "governs",
    "frequencies": "activities",
}


@dataclass(frozen=True)
class ForeignPolicy:
    """A policy read from a foreign file, with what could not be taken over."""

    source: Path
    policy: Policy
    ignored: tuple[str, ...]  # front-matter keys we do not know
    derived: tuple[str, ...]  # fields filled in from the file (id from its name, title ...)


def _terms_list(value: object) -> object:
    """``[{term: X, definition: Y}]`` -> ``{X: Y}``."""
    if isinstance(value, list) and all(
        isinstance(item, dict) and "term" in item and "definition" in item for item in value
    ):
        return {str(item["term"]): item["definition"] for item in value}
    return value


def first_heading(body: str) -> str | None:
    """The text of the first ``# Heading`` line, without a closing run of ``#``. Read line by
    line: the regular expression it replaces took seconds on a line of 2,000 spaces, and
    hours on a line of a million."""
    for line in body.splitlines():
        if not line.startswith("#") or not line[1:2].isspace():
            continue
        text = line[1:].strip()
        closed = text.rstrip("#")
        if closed != text and (not closed or closed[-1].isspace()):
            text = closed.strip()
        if text:
            return text
    return None


def read_foreign(path: Path) -> ForeignPolicy:
    data, body = split_front_matter(_read_text(path), path)
    mapped: dict[str, Any] = {}
    ignored: list[str] = []
    for key, value in data.items():
        name = re.sub(r"[\s-]+", "_", key.strip().lower())
        name = ALIASES.get(name, name)
        if name not in FIELDS:
            ignored.append(key)
        elif name in mapped:
            raise PolicyFileError(f"{path}: {key}: gives {name} a second time")
        else:
            mapped[name] = value
    derived: list[str] = []
    if mapped.get("id") in (None, ""):
        mapped["id"] = path.stem
        derived.append("id")
    if mapped.get("title") in (None, ""):
        heading = first_heading(body)
        if heading is None:
            raise PolicyFileError(f"{path}: title: no title in the front matter and no # heading")
        mapped["title"] = heading
        derived.append("title")
    if "terms" in mapped:
        mapped["terms"] = _terms_list(mapped["terms"])
    return ForeignPolicy(path, _validate(mapped, body, path), tuple(ignored), tuple(derived))


def import_folder(folder: Path) -> list[ForeignPolicy]:
    """Every ``.md`` file under ``folder`` (README.md files excepted), each with front matter.

    The first unreadable file raises, naming file and field; two files with one id raise.
    """
    if not folder.is_dir():
        raise PolicyFileError(f"{folder}: not a folder")
    paths = sorted(p for p in folder.rglob("*.md") if p.is_file() and p.name.lower() != "readme.md")
    if not paths:
        raise PolicyFileError(f"{folder}: no .md policy files found")
    found: list[ForeignPolicy] = []
    seen: dict[str, Path] = {}
    for path in paths:
        item = read_foreign(path)
        if item.policy.id in seen:
            raise PolicyFileError(
                f"{path}: id: policy {item.policy.id!r} is also in {seen[item.policy.id]}"
            )
        seen[item.policy.id] = path
        found.append(item)
    return found
