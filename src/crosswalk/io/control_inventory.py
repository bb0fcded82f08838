"""Read a SOC 2 control inventory from XLSX or CSV, messy headers and all.

Only parsing lives here: which column is which, criteria as people write them, frequency
and status words. Every problem names its row and column; nothing is written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from crosswalk.domain.controls import (
    OperatingStatus,
    RecordIdError,
    check_record_id,
    parse_status,
)
from crosswalk.domain.errors import AmbiguousReferenceError, CrosswalkError, UnknownReferenceError
from crosswalk.domain.frequency import Frequency, parse_frequency
from crosswalk.io.csv_text import CsvTextError, read_csv_rows
from crosswalk.io.text_files import InputFileError, regular_file
from crosswalk.io.xlsx_reading import XlsxError, open_workbook, sheet_rows

FIELDS = (
    "control_id",
    "title",
    "description",
    "owner",
    "frequency",
    "criteria",
    "status",
    "evidence",
)

HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "control_id": (
        "control #",
        "control id",
        "control no",
        "control number",
        "control ref",
        "control reference",
        "id",
        "ref",
        "#",
        "no",
        "control code",
    ),
    "title": ("control name", "name", "title", "control title", "control", "short name"),
    "description": (
        "description",
        "control activity",
        "control description",
        "activity",
        "control activity description",
        "control narrative",
        "narrative",
    ),
    "owner": (
        "owner",
        "control owner",
        "owners",
        "responsible",
        "responsible party",
        "accountable",
        "performed by",
    ),
    "frequency": ("frequency", "control frequency", "cadence", "periodicity", "timing"),
    "criteria": (
        "tsc",
        "tsc reference",
        "tsc references",
        "tsc ref",
        "tsc refs",
        "criteria",
        "soc 2 mapping",
        "soc2 mapping",
        "soc 2 criteria",
        "soc2 criteria",
        "trust services criteria",
        "mapped criteria",
        "tsc mapping",
        "common criteria",
        "criteria mapping",
        "soc 2 tsc",
        "soc 2 reference",
        "soc 2 references",
    ),
    "status": (
        "status",
        "operating status",
        "implementation status",
        "control status",
        "state",
    ),
    "evidence": (
        "evidence",
        "evidence produced",
        "evidence artifacts",
        "evidence artefacts",
        "evidence description",
        "audit evidence",
        "artifacts",
        "artefacts",
    ),
}

REQUIRED = ("control_id", "title", "criteria")


class InventoryError(CrosswalkError):
    """The file as a whole cannot be read (format, no header row, bad --columns)."""


def normalize_header(text: object) -> str:
    cleaned = str(text or "").strip().lower().replace("\n", " ")
    cleaned = re.sub(r"\((s|es)\)", "s", cleaned)  # "reference(s)" -> "references"
    cleaned = re.sub(r"[_:*.]+", " ", cleaned)
    return re.sub(r"\s+", " ", cleaned).strip()


_LOOKUP = {
    normalize_header(s): name for name, synonyms in HEADER_SYNONYMS.items() for s in synonyms
}


@dataclass(frozen=True)
class Problem:
    row: int | None  # 1-based row in the sheet, as the user sees it
    column: str | None  # the header as written in the file
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column!r}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass
class InventoryControl:
    row: int
    control_id: str
    title: str
    description: str
    owner: str | None
    frequency: Frequency | None
    frequency_text: str | None
    status: OperatingStatus
    evidence: str
    criteria: list[str]  # resolved requirement keys, in order, without duplicates
    warnings: list[str] = field(default_factory=list)
    criteria_written: str = ""  # the cell as written, for the preview


@dataclass
class Inventory:
    path: Path
    sheet: str | None
    header_row: int
    columns: dict[str, str]  # field -> header as written
    controls: list[InventoryControl]
    errors: list[Problem]
    warnings: list[Problem]
    ignored: list[str] = field(default_factory=list)  # headers read for nothing
    defaults: list[str] = field(default_factory=list)  # every default applied, in words


def _rows_from_xlsx(path: Path) -> tuple[str, list[list[object]]]:
    """The first sheet with a recognisable header (else the first sheet), read within the
    bounds of ``io.xlsx_reading``."""
    try:
        with open_workbook(path) as workbook:
            sheets = workbook.worksheets
            chosen = next(
                (s for s in sheets if any(_score(r) >= 2 for r in sheet_rows(path, s, 15))),
                sheets[0],
            )
            return chosen.title, sheet_rows(path, chosen)
    except XlsxError as error:
        raise InventoryError(str(error)) from None


def _score(row: list[object]) -> int:
    return len({_LOOKUP[n] for cell in row if (n := normalize_header(cell)) in _LOOKUP})


def parse_column_overrides(spec: str | None) -> dict[str, str]:
    """``--columns "control_id=Ctrl,criteria=Mapped TSC"`` -> {field: header}."""
    if not spec:
        return {}
    overrides = {}
    for part in spec.split(","):
        name, sep, header = part.partition("=")
        name = name.strip()
        if not sep or name not in FIELDS or not header.strip():
            raise InventoryError(
                f"--columns: {part.strip()!r} should be FIELD=HEADER with FIELD one of "
                + ", ".join(FIELDS)
            )
        overrides[name] = header.strip()
    return overrides


MAX_RANGE = 100  # criteria in one written range; a series has at most 9 (CC6.1-CC6.8)
_SPLIT = re.compile(r"[,;/\n|&+]|\band\b", re.IGNORECASE)
_RANGE = re.compile(
    r"^\s*([A-Za-z]+)\s*(\d{1,6})\.(\d{1,6})\s*[-\u2013\u2014]\s*(?:([A-Za-z]+)\s*)?(\d{1,6})\.(\d{1,6})\s*$"
)


def split_criteria(text: str) -> list[str]:
    """ "CC6.1, CC6.2; CC 6.3", "CC3.1-CC3.4", "CC4.1 / CC7.1" -> individual refs as written.
    A range backwards or of more than ``MAX_RANGE`` criteria is kept whole, to be refused."""
    found: list[str] = []
    for raw in _SPLIT.split(text):
        part = raw.strip().strip(".")
        if not part:
            continue
        match = _RANGE.match(part)
        if match:
            prefix, series, first, prefix2, series2, last = match.groups()
            if (
                (prefix2 and prefix2.upper() != prefix.upper())
                or series != series2
                or not 0 <= int(last) - int(first) < MAX_RANGE
            ):  # across series, backwards or past any real range: resolution rejects it
                found.append(part)
                continue
            found.extend(f"{prefix.upper()}{series}.{n}" for n in range(int(first), int(last) + 1))
            continue
        found.append(part)
    return found


def _load_rows(path: Path, encoding: str | None = None) -> tuple[str | None, list[list[object]]]:
    try:
        regular_file(path)
    except InputFileError as error:
        raise InventoryError(str(error)) from None
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _rows_from_xlsx(path)
    if suffix in (".csv", ".txt", ".tsv"):
        try:
            return None, [list[object](row) for row in read_csv_rows(path, encoding)]
        except CsvTextError as error:
            raise InventoryError(str(error)) from None
    raise InventoryError(f"{path}: unsupported file type {suffix!r}; use .xlsx or .csv")


def _locate_columns(
    path: Path, rows: list[list[object]], overrides: dict[str, str]
) -> tuple[int, dict[str, int], list[str]]:
    """The header row (0-based), field -> column position, and the header as written."""
    wanted = {normalize_header(h) for h in overrides.values()}
    header_index = None
    for index, row in enumerate(rows[:20]):
        names = {normalize_header(c) for c in row}
        if _score(row) >= 2 or (overrides and wanted <= names):
            header_index = index
            break
    if header_index is None:
        raise InventoryError(
            f"{path}: no header row found in the first 20 rows; expected columns such as "
            "'Control ID', 'Control Name', 'TSC' (or name them with --columns)"
        )
    header = [str(c).strip() if c is not None else "" for c in rows[header_index]]
    positions: dict[str, int] = {}
    for position, heading in enumerate(header):
        name = _LOOKUP.get(normalize_header(heading))
        if name and name not in positions:
            positions[name] = position
    for name, heading in overrides.items():
        matches = [
            i for i, h in enumerate(header) if normalize_header(h) == normalize_header(heading)
        ]
        if not matches:
            raise InventoryError(
                f"{path}: --columns names {heading!r}, which is not in the header row"
            )
        positions[name] = matches[0]
    missing = [name for name in REQUIRED if name not in positions]
    if missing:
        raise InventoryError(
            f"{path}: header row {header_index + 1} has no column for "
            + ", ".join(missing)
            + f" (found: {', '.join(h for h in header if h)}); name them with --columns"
        )
    return header_index, positions, header


SAFE_STATUS = OperatingStatus.IMPLEMENTED  # nobody has shown it operates: not "operating"


@dataclass
class _RowReader:
    positions: dict[str, int]
    columns: dict[str, str]
    resolve_criterion: Callable[[str], str]
    default_status: OperatingStatus = SAFE_STATUS
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    seen: dict[str, int] = field(default_factory=dict)
    defaulted: dict[str, int] = field(default_factory=dict)  # what -> rows it was applied to
    notes: list[tuple[str, int]] = field(default_factory=list)  # (header, position) kept as notes

    def warn(self, line: int, name: str, message: str) -> None:
        self.warnings.append(Problem(line, self.columns.get(name, f"(no {name} column)"), message))

    def cell(self, row: list[object], name: str) -> str:
        position = self.positions.get(name)
        if position is None or position >= len(row) or row[position] is None:
            return ""
        value = row[position]
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()

    def description(self, row: list[object]) -> str:
        """The description, then each --notes column as "Header: value" (empty cells left out)."""
        parts = [self.cell(row, "description")]
        for header, position in self.notes:
            value = row[position] if position < len(row) else None
            text = "" if value is None else str(value).strip()
            if text:
                parts.append(f"{header}: {text}")
        return "\n\n".join(part for part in parts if part)

    def error(self, line: int, name: str | None, message: str) -> None:
        self.errors.append(Problem(line, self.columns.get(name or ""), message))

    def criteria(self, line: int, control_id: str, written: str) -> list[str]:
        keys: list[str] = []
        for ref in split_criteria(written):
            try:
                key = self.resolve_criterion(ref)
            except (UnknownReferenceError, AmbiguousReferenceError) as problem:
                self.error(line, "criteria", f"{control_id}: {problem}")
                continue
            if key not in keys:
                keys.append(key)
        return keys

    def read(self, line: int, row: list[object]) -> InventoryControl | None:
        control_id = self.cell(row, "control_id")
        if not control_id:
            self.error(line, "control_id", "missing control id")
            return None
        try:
            check_record_id(control_id)
        except RecordIdError as problem:
            self.error(line, "control_id", str(problem))
            return None
        if control_id in self.seen:
            first = self.seen[control_id]
            self.error(
                line, "control_id", f"duplicate control id {control_id!r} (first on row {first})"
            )
            return None
        self.seen[control_id] = line
        title = self.cell(row, "title") or self.cell(row, "description")[:120]
        if not title:
            self.error(line, "title", f"{control_id}: no title or description")
            return None
        written = self.cell(row, "criteria")
        keys = self.criteria(line, control_id, written)
        notes: list[tuple[str, str]] = []  # (field, what is wrong)
        owner = self.cell(row, "owner") or None
        if owner is None:
            notes.append(("owner", "no owner: flagged unowned"))
        frequency_text = self.cell(row, "frequency") or None
        frequency = parse_frequency(frequency_text)
        if frequency_text and frequency is None:
            notes.append(
                (
                    "frequency",
                    f"frequency {frequency_text!r} is not a cadence: kept as written, flagged; "
                    "set one with controls edit",
                )
            )
        elif frequency_text is None:
            notes.append(("frequency", "no frequency"))
        status_text = self.cell(row, "status")
        status = parse_status(status_text) if status_text else None
        if status is None:
            what = f"unknown status {status_text!r}" if status_text else "no status"
            if "status" in self.columns:  # without the column, the summary says it once
                notes.append(("status", f"{what}: set to {self.default_status.value!r}"))
            self.defaulted[what if status_text else "no status"] = (
                self.defaulted.get(what if status_text else "no status", 0) + 1
            )
            status = self.default_status
        if not written:
            notes.append(("criteria", "no SOC 2 criteria: the control reaches no requirement"))
        for name, note in notes:
            self.warn(line, name, f"{control_id}: {note}")
        return InventoryControl(
            row=line,
            control_id=control_id,
            title=title,
            description=self.description(row),
            owner=owner,
            frequency=frequency,
            frequency_text=frequency_text,
            status=status,
            evidence=self.cell(row, "evidence"),
            criteria=keys,
            warnings=[note for _, note in notes],
            criteria_written=written,
        )


def read_inventory(
    path: Path,
    resolve_criterion: Callable[[str], str],
    columns: dict[str, str] | None = None,
    default_status: OperatingStatus | None = None,
    notes: Sequence[str] = (),
    encoding: str | None = None,
) -> Inventory:
    """Parse the file. Row problems are collected, never raised; only a file that cannot be
    read at all (format, no header) raises ``InventoryError``. What was read from which
    column, what was ignored and every default applied are part of the result. ``notes``
    names columns (a control type, an artefact list) kept in the description as written."""
    sheet, rows = _load_rows(path, encoding)
    header_index, positions, header = _locate_columns(path, rows, columns or {})
    names = {name: header[position] for name, position in positions.items()}
    reader = _RowReader(positions, names, resolve_criterion, default_status or SAFE_STATUS)
    for wanted in notes:
        found = [i for i, h in enumerate(header) if normalize_header(h) == normalize_header(wanted)]
        if not found:
            raise InventoryError(
                f"{path}: --notes names {wanted!r}, which is not in the header row"
                f" (found: {', '.join(h for h in header if h)})"
            )
        if found[0] in positions.values():
            raise InventoryError(
                f"{path}: --notes {wanted!r} is already read as"
                f" {next(n for n, p in positions.items() if p == found[0])}"
            )
        reader.notes.append((header[found[0]], found[0]))
    if reader.notes:
        names["notes"] = ", ".join(heading for heading, _ in reader.notes)
    controls = []
    for index in range(header_index + 1, len(rows)):
        row = rows[index]
        if not any(str(c).strip() for c in row if c is not None):
            continue
        control = reader.read(index + 1, row)
        if control is not None:
            controls.append(control)
    if not controls and not reader.errors:
        reader.errors.append(Problem(None, None, "no controls found below the header row"))
    used = set(positions.values()) | {position for _, position in reader.notes}
    ignored = [h for position, h in enumerate(header) if h and position not in used]
    return Inventory(
        path,
        sheet,
        header_index + 1,
        names,
        controls,
        reader.errors,
        reader.warnings,
        ignored,
        _defaults(reader, names, len(controls), default_status),
    )


def _defaults(
    reader: _RowReader, names: dict[str, str], count: int, chosen: OperatingStatus | None
) -> list[str]:
    status = reader.default_status.value
    how = "by --status" if chosen is not None else "the safe default: not shown to operate"
    said = []
    for what, rows in reader.defaulted.items():
        if what == "no status" and "status" not in names:
            said.append(
                f"status: no column; all {rows} set to {status!r} ({how}); use --status or a "
                "Status column"
            )
        else:
            said.append(f"status: {what} on {rows} of {count} rows, set to {status!r} ({how})")
    for field_name in ("owner", "frequency", "evidence", "description"):
        if field_name not in names:
            said.append(f"{field_name}: no column; left empty for all {count}")
    return said
