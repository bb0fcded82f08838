"""The workspace's collector declarations (``crosswalk/collectors@1``) and when each is due.

One YAML file says which checks run, with which parameters, for which controls and how
often. It is read whole before anything runs: every problem is reported at once, each
naming the file, the line, the entry (index and name) and the field, and nothing runs
from a file with problems. Secrets do not belong in it (see ``token_env``,
``header_env`` and ``password_env``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)

from crosswalk.collectors.base import (
    CollectorError,
    CollectorResult,
    available_collectors,
    get_collector,
)
from crosswalk.domain.errors import CrosswalkError
from crosswalk.domain.frequency import Frequency

COLLECTORS_FORMAT = "crosswalk/collectors@1"
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
# Names end up in file names and on command lines: keep them plain.
DeclarationName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
Loc = tuple[str | int, ...]


class DeclarationError(CrosswalkError):
    """The declaration file is wrong; ``problems`` has one self-contained line per problem."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Declaration:
    """One declared check: which collector, with what, for which controls, how often."""

    name: str
    collector: str
    params: BaseModel  # an instance of the collector's Params model, already validated
    controls: tuple[str, ...]
    schedule: Frequency
    title: str | None = None


class _EntryFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: DeclarationName
    collector: Text
    params: dict[str, Any] = Field(default_factory=dict)
    controls: list[Text] = Field(min_length=1)
    schedule: Frequency
    title: Text | None = None

    @field_validator("schedule")
    @classmethod
    def _periodic(cls, value: Frequency) -> Frequency:
        if not value.periodic:
            allowed = ", ".join(f.value for f in Frequency if f.periodic)
            raise ValueError(f"a collector runs on a clock: use one of {allowed}")
        return value

    @field_validator("controls")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        repeated = sorted({c for c in value if value.count(c) > 1})
        if repeated:
            raise ValueError(f"listed twice: {', '.join(repeated)}")
        return value


class _DeclarationFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format: Literal["crosswalk/collectors@1"]
    collectors: list[Any] = Field(default_factory=list)


def _field(loc: Loc) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _message(error: Mapping[str, Any]) -> str:
    return re.sub(r"^(Value|Assertion) error, ", "", str(error["msg"]))


def _node_lines(text: str) -> dict[Loc, int]:
    """1-based line of every mapping value and list item, by its path in the document."""
    lines: dict[Loc, int] = {}

    def walk(node: yaml.Node, loc: Loc) -> None:
        lines[loc] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    walk(value, (*loc, key.value))
                    lines[(*loc, key.value)] = key.start_mark.line + 1  # the key's line
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, (*loc, index))

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return lines
    if root is not None:
        walk(root, ())
    return lines


class _Problems:
    def __init__(self, path: Path, lines: dict[Loc, int]) -> None:
        self.path = path
        self.lines = lines
        self.found: list[str] = []

    def add(self, loc: Loc, message: str, entry: str = "", field: Loc = ()) -> None:
        """One problem at ``loc`` (its path in the file); ``entry``/``field`` name it."""
        line = next(
            (self.lines[loc[:n]] for n in range(len(loc), 0, -1) if loc[:n] in self.lines), 0
        )
        where = f"{self.path}:{line}" if line else str(self.path)
        parts = [where, entry, _field(field) if entry else _field(loc), message]
        self.found.append(": ".join(part for part in parts if part))

    def add_validation(self, error: ValidationError, base: Loc, entry: str, prefix: Loc) -> None:
        for item in error.errors():
            field = (*prefix, *item["loc"])
            self.add((*base, *field), _message(item), entry, field)


def _entry_label(index: int, raw: object) -> str:
    name = raw.get("name") if isinstance(raw, dict) else None
    return f"collectors[{index}] ({name})" if isinstance(name, str) else f"collectors[{index}]"


def _read(path: Path) -> tuple[str, object]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise DeclarationError(path, [f"{path}: no such file"]) from error
    except (OSError, UnicodeDecodeError) as error:
        raise DeclarationError(path, [f"{path}: cannot be read ({error})"]) from error
    try:
        return text, yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise DeclarationError(path, [f"{where}: not valid YAML"]) from error


class _Reader:
    """Checks entries one by one, remembering names and problems across the file."""

    def __init__(self, problems: _Problems) -> None:
        self.problems = problems
        self.first_use: dict[str, int] = {}
        self.known = available_collectors()

    def entry(self, index: int, raw: object) -> Declaration | None:
        base: Loc = ("collectors", index)
        label = _entry_label(index, raw)
        if not isinstance(raw, dict):
            expected = "a mapping with name, collector, params, controls and schedule"
            self.problems.add(base, f"expected {expected}", label, ())
            return None
        try:
            entry = _EntryFile.model_validate(raw)
        except ValidationError as error:
            self.problems.add_validation(error, base, label, ())
            return None
        if entry.name in self.first_use:
            other = self.first_use[entry.name]
            message = f"{entry.name!r} is already used by collectors[{other}]"
            self.problems.add((*base, "name"), message, label, ("name",))
            return None
        self.first_use[entry.name] = index
        collector = self.known.get(entry.collector)
        if collector is None:
            try:
                collector = get_collector(entry.collector)  # raises, with suggestions
            except CollectorError as error:
                self.problems.add((*base, "collector"), str(error), label, ("collector",))
                return None
        try:
            params = collector.Params.model_validate(entry.params)
        except ValidationError as error:
            self.problems.add_validation(error, base, label, ("params",))
            return None
        return Declaration(
            name=entry.name,
            collector=entry.collector,
            params=params,
            controls=tuple(entry.controls),
            schedule=entry.schedule,
            title=entry.title,
        )


def load_declarations(path: Path | str) -> list[Declaration]:
    """Read and check the whole file; ``DeclarationError`` lists every problem found."""
    path = Path(path)
    text, data = _read(path)
    problems = _Problems(path, _node_lines(text))
    if not isinstance(data, dict):
        problems.add((), f"expected a mapping starting with 'format: {COLLECTORS_FORMAT}'")
        raise DeclarationError(path, problems.found)
    try:
        document = _DeclarationFile.model_validate(data)
    except ValidationError as error:
        for item in error.errors():
            problems.add(tuple(item["loc"]), _message(item))
        raise DeclarationError(path, problems.found) from error
    reader = _Reader(problems)
    declarations = [reader.entry(index, raw) for index, raw in enumerate(document.collectors)]
    if problems.found:
        raise DeclarationError(path, problems.found)
    return [d for d in declarations if d is not None]


def is_due(schedule: Frequency, last_run: datetime | None, now: datetime) -> bool:
    """Whether a check on ``schedule`` should run at ``now``, given when it last ran.

    Counted in whole UTC days, so a daily job that starts a few seconds earlier than
    yesterday's is still due. Never run means due. Times must be timezone-aware.
    """
    days = schedule.period_days
    if days is None:
        raise ValueError(f"{schedule.value!r} is event-driven: it has no clock to be due by")
    if now.tzinfo is None or (last_run is not None and last_run.tzinfo is None):
        raise ValueError("is_due needs timezone-aware datetimes")
    if last_run is None:
        return True
    elapsed = now.astimezone(UTC).date() - last_run.astimezone(UTC).date()
    return elapsed >= timedelta(days=days)


def due_declarations(
    declarations: list[Declaration], last_runs: Mapping[str, datetime], now: datetime
) -> list[Declaration]:
    """The declarations to run now, given the last run of each (by declaration name)."""
    return [d for d in declarations if is_due(d.schedule, last_runs.get(d.name), now)]


def run_declaration(declaration: Declaration) -> CollectorResult:
    """Run one declared check; ``CollectorError`` when it could not run."""
    collector = get_collector(declaration.collector)
    return collector().collect(declaration.params)
