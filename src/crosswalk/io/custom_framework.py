"""Custom frameworks from a spreadsheet: one requirement per row (XLSX or CSV).

The template (``crosswalk frameworks template``) has one data sheet with these columns:

======================  ===================================================================
``ref``                 required, unique: how the requirement is addressed
                        (``my-policy:POL-1``). Type it as text so ``1.10`` stays ``1.10``.
``title``               required: a short heading.
``parent``              optional: the ``ref`` of the requirement this one sits under. It
                        may be anywhere in the sheet, above or below.
``description``         optional: the requirement text.
``kind``                optional: a word such as ``domain``, ``section``, ``control``
                        (lower-cased, spaces become ``-``). Left empty, a row with
                        children is a ``section`` and any other row a ``requirement``.
======================  ===================================================================

Headers are found in the first 20 rows whatever their case and spacing (``Ref``,
``Parent Ref``, ``TITLE``); any other column is kept as an attribute of each requirement.
Blank rows are skipped. Every problem (missing ref or title, duplicate ref, unknown
parent, a parent loop, a bad kind) is collected with its row and column and all of them
are raised together: a sheet with any problem imports nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from crosswalk.domain.refs import squash
from crosswalk.domain.requirements import Framework, Requirement
from crosswalk.io.converted import ConversionError, Imported
from crosswalk.io.csv_text import read_csv_rows
from crosswalk.io.xlsx_reading import XlsxError, open_workbook, sheet_rows

COLUMNS = ("ref", "title", "parent", "description", "kind")
REQUIRED = ("ref", "title")
DATA_SHEET = "Framework"
HELP_SHEET = "How to fill"
HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "ref": ("ref", "reference", "id", "ref id", "requirement ref", "requirement id", "number"),
    "title": ("title", "name", "heading", "short name", "requirement title"),
    "parent": ("parent", "parent ref", "parent id", "parent reference", "under"),
    "description": ("description", "text", "requirement text", "details", "statement"),
    "kind": ("kind", "type", "level", "requirement kind"),
}
HELP = (
    "How to fill this template",
    "",
    "One requirement per row on the 'Framework' sheet, below the header row. Keep the headers.",
    "ref: required and unique; how the requirement is addressed, e.g. my-policy:POL-1. "
    "The column is formatted as text so that 1.10 stays 1.10.",
    "title: required; a short heading.",
    "parent: optional; the ref of the requirement this one sits under. The parent may be "
    "anywhere in the sheet, above or below, but must exist, and parents may not loop.",
    "description: optional; the text of the requirement.",
    "kind: optional; one word such as domain, section or control (spaces become '-'). "
    "Left empty, a row that has children is a 'section' and any other row a 'requirement'.",
    "Other columns are kept as attributes of each requirement. Blank rows are skipped.",
    "Import with: crosswalk frameworks import FILE --id my-framework --name 'My framework'. "
    "If any row has a problem, every problem is listed with its row and column and nothing "
    "is imported.",
    "",
    "Example (type your own rows on the 'Framework' sheet, not here):",
)
EXAMPLE = (
    ("POL", "Policies", "", "Governance of the security policy set.", "domain"),
    ("POL-1", "Security policy approved", "POL", "Management approves the policy.", "control"),
    ("POL-2", "Policy reviewed yearly", "POL", "The policy is reviewed every year.", "control"),
    ("ACC", "Access", "", "", ""),
    ("ACC-1", "Access reviewed quarterly", "ACC", "Owners review access each quarter.", ""),
)
MAX_DEPTH = 100  # levels of parents; real frameworks have at most 6 or 7
_IDENTIFIER = re.compile(r"^[a-z0-9][a-z0-9.\-]*$")


def normalize_header(text: object) -> str:
    cleaned = str(text if text is not None else "").strip().lower()
    return re.sub(r"[\s_\-:*.]+", " ", cleaned).strip()


_LOOKUP = {
    normalize_header(s): name for name, synonyms in HEADER_SYNONYMS.items() for s in synonyms
}


@dataclass(frozen=True)
class RowProblem:
    row: int | None  # 1-based, as the spreadsheet shows it
    column: str | None  # the header as written in the file
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column!r}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class CustomFrameworkError(ConversionError):
    """Every problem of the sheet at once; nothing was imported."""

    def __init__(self, path: str, where: str, problems: list[RowProblem]) -> None:
        self.problems = problems
        count = len(problems)
        listing = "\n  ".join(str(p) for p in problems)
        super().__init__(
            path,
            where,
            f"{count} problem{'s' if count != 1 else ''}, nothing imported:\n  {listing}",
        )


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _csv_rows(path: Path) -> list[list[object]]:
    return [list[object](row) for row in read_csv_rows(path)]  # not text: CsvTextError, named


def _score(row: list[object]) -> set[str]:
    return {_LOOKUP[n] for cell in row if (n := normalize_header(cell)) in _LOOKUP}


def _xlsx_rows(path: Path) -> tuple[str, list[list[object]]]:
    """The first data sheet with a header row (else the first one), read within the bounds
    of ``io.xlsx_reading``."""
    try:
        with open_workbook(path) as workbook:
            sheets = [s for s in workbook.worksheets if s.title != HELP_SHEET]
            sheets = sheets or workbook.worksheets
            chosen = next(
                (
                    sheet
                    for sheet in sheets
                    if any(set(REQUIRED) <= _score(r) for r in sheet_rows(path, sheet, 20))
                ),
                sheets[0],
            )
            return chosen.title, sheet_rows(path, chosen)
    except XlsxError as error:
        raise ConversionError(error.path, error.where, error.message) from None


def _load(path: Path) -> tuple[str, list[list[object]]]:
    if not path.is_file():
        raise ConversionError(str(path), "", "no such file")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        sheet, rows = _xlsx_rows(path)
        return f"sheet {sheet!r}", rows
    if suffix in (".csv", ".tsv", ".txt"):
        return "", _csv_rows(path)
    raise ConversionError(str(path), "", f"unsupported file type {suffix!r}; use .xlsx or .csv")


@dataclass
class _Row:
    line: int
    ref: str
    title: str
    parent: str
    description: str
    kind: str
    attributes: dict[str, str]


@dataclass
class _Sheet:
    path: str
    where: str
    header: list[str]
    header_index: int  # 0-based position of the header row
    positions: dict[str, int]
    problems: list[RowProblem] = field(default_factory=list)

    def column(self, name: str) -> str:
        position = self.positions.get(name)
        return self.header[position] if position is not None else name

    def problem(self, line: int | None, name: str | None, message: str) -> None:
        self.problems.append(RowProblem(line, self.column(name) if name else None, message))

    def value(self, row: list[object], name: str) -> str:
        position = self.positions.get(name)
        if position is None or position >= len(row):
            return ""
        return _cell(row[position])


def _locate_header(path: Path, where: str, rows: list[list[object]]) -> _Sheet:
    for index, row in enumerate(rows[:20]):
        if not set(REQUIRED) <= _score(row):
            continue
        header = [_cell(c) for c in row]
        positions: dict[str, int] = {}
        for position, heading in enumerate(header):
            name = _LOOKUP.get(normalize_header(heading))
            if name is not None and name not in positions:
                positions[name] = position
        return _Sheet(str(path), where, header, index, positions)
    raise ConversionError(
        str(path),
        where,
        "no header row in the first 20 rows: expected columns "
        + ", ".join(COLUMNS)
        + " (ref and title required); `crosswalk frameworks template` writes one",
    )


def _read_rows(sheet: _Sheet, rows: list[list[object]]) -> list[_Row]:
    extra = {
        position: heading
        for position, heading in enumerate(sheet.header)
        if heading and position not in sheet.positions.values()
    }
    found: list[_Row] = []
    first_seen: dict[str, int] = {}
    for index in range(sheet.header_index + 1, len(rows)):
        row = rows[index]
        line = index + 1
        if not any(_cell(c) for c in row):
            continue
        ref = sheet.value(row, "ref")
        title = " ".join(sheet.value(row, "title").split())
        if not ref:
            sheet.problem(line, "ref", "missing ref")
        elif ref in first_seen:
            sheet.problem(line, "ref", f"duplicate ref {ref!r} (first on row {first_seen[ref]})")
        if not title:
            sheet.problem(line, "title", f"{ref or 'this row'}: missing title")
        kind = re.sub(r"[\s_]+", "-", sheet.value(row, "kind").lower())
        if kind and not _IDENTIFIER.match(kind):
            sheet.problem(
                line, "kind", f"kind {kind!r}: use one word of letters, digits, '.' and '-'"
            )
        if not ref or ref in first_seen:
            continue
        first_seen[ref] = line
        attributes = {
            heading: value
            for position, heading in extra.items()
            if position < len(row) and (value := _cell(row[position]))
        }
        found.append(
            _Row(
                line,
                ref,
                title,
                sheet.value(row, "parent"),
                sheet.value(row, "description"),
                kind,
                attributes,
            )
        )
    return found


def _link_parents(sheet: _Sheet, rows: list[_Row]) -> dict[str, str | None]:
    """ref -> parent ref; a parent may be typed in another case or spacing."""
    exact = {row.ref for row in rows}
    loose: dict[str, list[str]] = {}
    for row in rows:
        loose.setdefault(squash(row.ref), []).append(row.ref)
    parents: dict[str, str | None] = {}
    for row in rows:
        if not row.parent:
            parents[row.ref] = None
            continue
        parent = row.parent if row.parent in exact else None
        candidates = loose.get(squash(row.parent), [])
        if parent is None and len(candidates) == 1:
            parent = candidates[0]
        if parent is None:
            sheet.problem(
                row.line, "parent", f"{row.ref}: parent {row.parent!r} is not a ref in the sheet"
            )
        elif parent == row.ref:
            sheet.problem(row.line, "parent", f"{row.ref}: a requirement cannot be its own parent")
            parent = None
        parents[row.ref] = parent
    _check_nesting(sheet, rows, parents)
    return parents


def _check_nesting(sheet: _Sheet, rows: list[_Row], parents: dict[str, str | None]) -> None:
    """Parents must not loop, nor nest deeper than ``MAX_DEPTH``; each ref is walked once, so
    a sheet of 100,000 rows each under the one before is checked at once."""
    lines = {row.ref: row.line for row in rows}
    depth: dict[str, int] = {}  # levels from its top; -1 on or under a loop
    for row in rows:
        path: list[str] = []
        on_path: dict[str, int] = {}
        current: str | None = row.ref
        while current is not None and current not in depth and current not in on_path:
            on_path[current] = len(path)
            path.append(current)
            current = parents.get(current)
        if current is None:  # reached the top
            base = 0
        elif current in on_path:  # walked into a loop
            base = -1
            for ref in path[on_path[current] :]:
                sheet.problem(lines[ref], "parent", f"{ref}: parents loop back to {ref!r}")
        else:  # reached a ref already walked
            base = depth[current]
        for level, ref in enumerate(reversed(path), start=1):
            depth[ref] = -1 if base < 0 else base + level
            if depth[ref] == MAX_DEPTH + 1:
                sheet.problem(
                    lines[ref],
                    "parent",
                    f"{ref}: nested {MAX_DEPTH + 1} levels deep, more than the {MAX_DEPTH}"
                    " a framework may have",
                )


def _parents_first(rows: list[_Row], parents: dict[str, str | None]) -> Iterator[_Row]:
    children: dict[str | None, list[_Row]] = {}
    for row in rows:
        children.setdefault(parents.get(row.ref), []).append(row)
    stack = list(reversed(children.get(None, [])))
    while stack:
        row = stack.pop()
        yield row
        stack.extend(reversed(children.get(row.ref, [])))


def read_custom_framework(
    path: Path | str,
    framework_id: str,
    name: str,
    version: str,
    publisher: str = "",
    notice: str = "",
) -> Imported:
    """Read a filled template into one framework; all problems are raised together."""
    path = Path(path)
    if not _IDENTIFIER.match(framework_id or ""):
        raise ConversionError(
            str(path),
            "",
            f"framework id {framework_id!r}: use lower-case letters, digits, '.' and '-'",
        )
    for label, value in (("name", name), ("version", version)):
        if not value.strip():
            raise ConversionError(str(path), "", f"the framework needs a {label}")
    where, rows = _load(path)
    sheet = _locate_header(path, where, rows)
    read = _read_rows(sheet, rows)
    parents = _link_parents(sheet, read)
    if sheet.problems:
        problems = sorted(sheet.problems, key=lambda p: p.row or 0)  # stable within a row
        raise CustomFrameworkError(str(path), where, problems)
    if not read:
        raise ConversionError(
            str(path), where, f"no requirements below the header row (row {sheet.header_index + 1})"
        )
    with_children = {p for p in parents.values() if p is not None}
    requirements = tuple(
        Requirement(
            framework=framework_id,
            ref=row.ref,
            title=row.title,
            kind=row.kind or ("section" if row.ref in with_children else "requirement"),
            parent=parents[row.ref],
            text=row.description or None,
            attributes=MappingProxyType(row.attributes),
        )
        for row in _parents_first(read, parents)
    )
    framework = Framework(
        id=framework_id,
        name=name.strip(),
        version=version.strip(),
        publisher=publisher.strip() or "unspecified",
        source=f"custom framework spreadsheet {path.name}",
        notice=notice.strip()
        or f"Custom framework imported from {path.name}; its owner decides how it is shared.",
        requirements=requirements,
    )
    counts = ", ".join(f"{n} {kind}" for kind, n in framework.counts_by_kind().items())
    return Imported(
        source=str(path),
        frameworks=[framework],
        notes=[f"framework {framework_id}: {len(requirements)} requirements ({counts})"],
    )


def write_template(path: Path | str) -> None:
    """An empty template: XLSX with a frozen header row and a 'How to fill' sheet.

    A ``.csv`` path gets the header row only.
    """
    path = Path(path)
    if path.suffix.lower() == ".csv":
        path.write_text(",".join(COLUMNS) + "\n", encoding="utf-8")
        return
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    workbook = Workbook()
    data = workbook.active
    data.title = DATA_SHEET
    data.append(list(COLUMNS))
    tips = {
        "ref": "Required, unique. Formatted as text so 1.10 stays 1.10.",
        "title": "Required: a short heading.",
        "parent": "Optional: the ref of the requirement this one sits under.",
        "description": "Optional: the requirement text.",
        "kind": "Optional: e.g. domain, control. Empty: section if it has children, "
        "else requirement.",
    }
    widths = {"ref": 14, "title": 48, "parent": 14, "description": 80, "kind": 14}
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for position, column in enumerate(COLUMNS, start=1):
        cell = data.cell(row=1, column=position)
        cell.font = bold
        cell.fill = fill
        cell.comment = Comment(tips[column], "Crosswalk")
        letter = cell.column_letter
        data.column_dimensions[letter].width = widths[column]
        if column in ("ref", "parent"):
            data.column_dimensions[letter].number_format = "@"
    data.freeze_panes = "A2"
    guide = workbook.create_sheet(HELP_SHEET)
    guide.column_dimensions["A"].width = 14
    for line in HELP:
        guide.append([line])
    guide["A1"].font = Font(bold=True, size=13)
    guide.append(list(COLUMNS))
    for position in range(1, len(COLUMNS) + 1):
        guide.cell(row=guide.max_row, column=position).font = bold
    for example in EXAMPLE:
        guide.append(list(example))
    workbook.save(path)
