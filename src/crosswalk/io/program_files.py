"""The declarative program format: one reviewable YAML file per control, kept in git.

``crosswalk export program DIR`` writes it and ``crosswalk apply DIR`` reads it back; the
same library always writes the same bytes, so a pull request shows only real changes.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import unquote

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from crosswalk.domain.controls import FILE_NAME_MAX_BYTES, Coverage, OperatingStatus, file_stem
from crosswalk.domain.errors import CrosswalkError
from crosswalk.domain.frequency import Frequency
from crosswalk.io.size_limits import RECORD_BYTES, FileTooLargeError, check_size
from crosswalk.io.text_files import InputFileError, read_utf8
from crosswalk.io.yaml_text import YamlTextError, load_yaml

CONTROL_FORMAT = "crosswalk/control@1"
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class ProgramError(CrosswalkError):
    pass


class TagEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    requirement: Text
    coverage: Coverage = Coverage.FULL


class RetiredEntry(BaseModel):
    """A control out of the program from ``date``; the file keeps it so history stays whole."""

    model_config = ConfigDict(extra="forbid")
    date: date
    reason: Text
    by: str = ""


class ControlFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format: Literal["crosswalk/control@1"]
    id: Text
    title: Text
    description: str = ""
    owner: str | None = None
    frequency: Frequency | None = None
    frequency_text: str | None = None
    status: OperatingStatus
    evidence: str = ""
    tags: list[TagEntry] = Field(default_factory=list)
    retired: RetiredEntry | None = None


def file_name(record_id: str) -> str:
    """The file of a record: its id escaped (``domain.controls.file_stem``), so different ids
    never share a file (``X 1``, ``X_1`` and ``X/1`` are ``X%201.yaml``, ``X_1.yaml`` and
    ``X%2F1.yaml``) and the id reads back from the name. The id inside the file still counts.
    An id too long to be a file (one stored before ids were checked) is refused here, before
    anything is written."""
    name = file_stem(record_id) + ".yaml"
    if len(name.encode("utf-8")) > FILE_NAME_MAX_BYTES:
        raise ProgramError(
            f"id {record_id[:40]!r}... is too long to be a file name"
            f" ({len(name.encode('utf-8'))} bytes escaped; at most {FILE_NAME_MAX_BYTES});"
            " rename it, nothing was written"
        )
    return name


def id_from_file_name(name: str) -> str:
    return unquote(name.removesuffix(".yaml"))


def file_names(ids: Sequence[str], folder: str) -> dict[str, str]:
    """Each id's file name, checked all together before anything is written: a name too long,
    or two ids whose files differ only in case (one file on macOS and Windows), refuse."""
    names = {record_id: file_name(record_id) for record_id in ids}
    by_folded: dict[str, str] = {}
    for record_id, name in names.items():
        # macOS and Windows fold case (and macOS Unicode normalisation) in file names
        other = by_folded.setdefault(unicodedata.normalize("NFC", name).casefold(), record_id)
        if other != record_id:
            raise ProgramError(
                f"{folder}: ids {other!r} and {record_id!r} would share the file {name!r} on"
                " a case-insensitive file system (macOS, Windows); rename one, nothing was"
                " written"
            )
    return names


def dump_control(control: ControlFile) -> str:
    data: dict[str, Any] = {
        "format": CONTROL_FORMAT,
        "id": control.id,
        "title": control.title,
        "description": control.description,
        "owner": control.owner,
        "frequency": control.frequency.value if control.frequency else None,
        "frequency_text": control.frequency_text,
        "status": control.status.value,
        "evidence": control.evidence,
        "tags": [
            {"requirement": t.requirement, "coverage": t.coverage.value} for t in control.tags
        ],
    }
    if control.retired is not None:  # only when retired: files of live controls stay as they were
        data["retired"] = {
            "date": control.retired.date.isoformat(),
            "reason": control.retired.reason,
            "by": control.retired.by,
        }
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def holds(path: Path, text: str) -> bool:
    """Whether the file already holds exactly ``text``, so writing it again is skipped. By
    bytes: a file the user saved in another encoding is replaced, not a decoding traceback;
    a pipe or a folder of that name is not a file that holds it."""
    return path.is_file() and path.read_bytes() == text.encode("utf-8")


def write_program(folder: Path, controls: list[ControlFile]) -> list[Path]:
    """Write one file per control; files of controls no longer in the library are removed."""
    planned = file_names([control.id for control in controls], "controls")
    target = folder / "controls"
    target.mkdir(parents=True, exist_ok=True)
    written = []
    names = set()
    for control in controls:
        path = target / planned[control.id]
        names.add(path.name)
        text = dump_control(control)
        if not holds(path, text):
            temporary = path.with_suffix(".yaml.tmp")
            temporary.write_text(text, encoding="utf-8")
            temporary.replace(path)
        written.append(path)
    for stale in target.glob("*.yaml"):
        if stale.name not in names:
            stale.unlink()
    return written


def read_record_file(path: Path) -> Any:
    """The YAML data of one control or ISMS record file, refused naming the file and line
    when it is too large, not UTF-8 or not YAML we read (``io.yaml_text``)."""
    try:
        return load_yaml(read_utf8(check_size(path, RECORD_BYTES, "record file")))
    except (InputFileError, FileTooLargeError) as error:
        raise ProgramError(str(error)) from None
    except YamlTextError as error:
        raise ProgramError(error.named(path)) from None


def validation_problem(path: Path, error: ValidationError) -> str:
    """The first problem pydantic found, as ``FILE: field.path: message``."""
    first = error.errors()[0]
    field = ".".join(str(p) for p in first["loc"]) or "(the whole file)"
    return f"{path}: {field}: {first['msg']}"


def read_program(folder: Path) -> list[tuple[Path, ControlFile]]:
    """Read every control file; the first malformed one raises, naming file and field."""
    source = folder / "controls"
    if not source.is_dir():
        raise ProgramError(
            f"{folder}: no controls/ folder (write one with `crosswalk export program`)"
        )
    found: list[tuple[Path, ControlFile]] = []
    seen: dict[str, Path] = {}
    for path in sorted(source.glob("*.yaml")):
        data = read_record_file(path)
        try:
            control = ControlFile.model_validate(data)
        except ValidationError as error:
            raise ProgramError(validation_problem(path, error)) from None
        if control.id in seen:
            raise ProgramError(
                f"{path}: control {control.id!r} is also defined in {seen[control.id]}"
            )
        seen[control.id] = path
        found.append((path, control))
    return found
