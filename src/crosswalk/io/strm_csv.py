"""Set-theory relationship mapping (STRM) CSV, in and out.

``read_strm_csv`` / ``write_strm_csv`` use the column shape of NIST's set-theory
relationship mapping (STRM) spreadsheets: focal element = our source, reference element =
our target, relationships as words ("subset of"). Edge attributes and ``beyond_refined``
have no column and are not carried.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path

from crosswalk.domain.errors import AmbiguousReferenceError, UnknownReferenceError
from crosswalk.domain.mappings import Mapping as Edge
from crosswalk.domain.mappings import MappingSet, Method, Provenance
from crosswalk.domain.refs import resolve_framework_id
from crosswalk.domain.relationships import RationaleKind, Relationship
from crosswalk.domain.requirements import Framework, requirement_key, split_key
from crosswalk.domain.spreadsheet import csv_safe, from_csv_safe
from crosswalk.io.converted import ConversionError, Imported
from crosswalk.io.csv_text import read_csv_rows
from crosswalk.io.edge_reading import RefMatcher, note_text, parse_rationale, strength_from_text

_RELATIONSHIP_WORDS: dict[Relationship, str] = {
    Relationship.EQUAL: "equal",
    Relationship.SUBSET_OF: "subset of",
    Relationship.SUPERSET_OF: "superset of",
    Relationship.INTERSECTS_WITH: "intersects with",
    Relationship.NO_RELATIONSHIP: "no relationship",
}
_CSV_RELATIONSHIPS: dict[str, Relationship] = {
    **{word: relationship for relationship, word in _RELATIONSHIP_WORDS.items()},
    "equal to": Relationship.EQUAL,
    "equivalent": Relationship.EQUAL,
    "equivalent to": Relationship.EQUAL,
    "intersect with": Relationship.INTERSECTS_WITH,
    "intersects": Relationship.INTERSECTS_WITH,
    "not related": Relationship.NO_RELATIONSHIP,
}

CSV_COLUMNS = (
    "Focal Document Element",
    "Focal Document Element Description",
    "STRM Rationale",
    "STRM Relationship",
    "Reference Document Element",
    "Reference Document Element Description",
    "Strength of Relationship",
    "Notes",
)
_FOCAL, _FOCAL_TEXT, _RATIONALE, _RELATIONSHIP, _REFERENCE, _REFERENCE_TEXT, _STRENGTH, _NOTES = (
    CSV_COLUMNS
)
_CSV_REQUIRED = (_FOCAL, _RELATIONSHIP, _REFERENCE)


def _csv_relationship(word: str) -> Relationship | None:
    normal = " ".join(word.strip().lower().replace("_", " ").replace("-", " ").split())
    return _CSV_RELATIONSHIPS.get(normal)


def _framework(given: str, frameworks: Mapping[str, Framework], path: Path, side: str) -> Framework:
    try:
        return frameworks[resolve_framework_id(given, frameworks)]
    except (UnknownReferenceError, AmbiguousReferenceError) as error:
        raise ConversionError(str(path), "", f"{side} framework: {error}") from error


def _header_row(rows: list[list[str]], path: Path) -> tuple[int, dict[str, int]]:
    wanted = {column.lower(): column for column in CSV_COLUMNS}
    for number, row in enumerate(rows[:25]):
        columns: dict[str, int] = {}
        for position, cell in enumerate(row):
            name = wanted.get(" ".join(cell.split()).lower())
            if name is not None and name not in columns:
                columns[name] = position
        if all(column in columns for column in _CSV_REQUIRED):
            return number, columns
    raise ConversionError(
        str(path),
        "row 1",
        f"no header row with the columns {', '.join(repr(c) for c in _CSV_REQUIRED)}",
    )


class _CsvRows:
    """The data rows of a STRM CSV, read cell by cell with errors naming row and column."""

    def __init__(self, path: Path, source_fw: Framework, target_fw: Framework) -> None:
        self.path = path
        self.matchers = {"source": RefMatcher(source_fw), "target": RefMatcher(target_fw)}
        self.generic_note = f"Imported from {path.name}"
        self.assumed = 0
        try:  # strict UTF-8, no NUL, within the size and row limits: io.csv_text
            self.rows = read_csv_rows(path, delimiter=",")
        except OSError as error:
            raise ConversionError(str(path), "", f"cannot read file: {error.strerror}") from error
        self.header, self.columns = _header_row(self.rows, path)

    def numbered(self) -> list[tuple[int, list[str]]]:
        """(spreadsheet row number, cells) of every non-blank row below the header."""
        return [
            (number, row)
            for number, row in enumerate(self.rows[self.header + 1 :], start=self.header + 2)
            if any(c.strip() for c in row)
        ]

    def fail(self, number: int, column: str, message: str) -> ConversionError:
        return ConversionError(str(self.path), f"row {number}, column {column!r}", message)

    def cell(self, row: list[str], column: str) -> str:
        position = self.columns.get(column)
        if position is None or position >= len(row):
            return ""
        return from_csv_safe(row[position].strip())  # as we write it: see domain.spreadsheet

    def ref(self, number: int, row: list[str], column: str, side: str) -> str | None:
        given = self.cell(row, column)
        if not given:
            return None
        matcher = self.matchers[side]
        found = matcher.resolve(given)
        if found is None:
            close = matcher.suggest(given)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise self.fail(
                number,
                column,
                f"unknown ref {given!r}: not a requirement of {matcher.framework.id}{hint}",
            )
        return found

    def edge(self, number: int, row: list[str], set_id: str) -> Edge:
        word = self.cell(row, _RELATIONSHIP)
        relationship = _csv_relationship(word)
        if relationship is None:
            raise self.fail(
                number,
                _RELATIONSHIP,
                f"unknown relationship {word!r}; expected one of "
                f"{', '.join(_RELATIONSHIP_WORDS.values())}",
            )
        source = self.ref(number, row, _FOCAL, "source")
        if source is None:
            raise self.fail(number, _FOCAL, "empty: every row needs a focal document element")
        target = self.ref(number, row, _REFERENCE, "target")
        if target is None and relationship is not Relationship.NO_RELATIONSHIP:
            raise self.fail(number, _REFERENCE, "empty: only a 'no relationship' row may omit it")
        note = note_text(self.cell(row, _NOTES)) or self.generic_note
        rationale_word = self.cell(row, _RATIONALE)
        rationale = parse_rationale(rationale_word) if rationale_word else RationaleKind.SEMANTIC
        if rationale is None:
            raise self.fail(
                number,
                _RATIONALE,
                f"unknown rationale {rationale_word!r}; expected syntactic, semantic or functional",
            )
        if not rationale_word:
            self.assumed += 1
            note = f"{note} (rationale not given; semantic assumed)"
        strength_text = self.cell(row, _STRENGTH)
        strength = strength_from_text(strength_text) if strength_text else None
        if strength_text and strength is None:
            raise self.fail(
                number, _STRENGTH, f"{strength_text!r} is not a whole number from 1 to 10"
            )
        source_fw, target_fw = self.matchers["source"].framework, self.matchers["target"].framework
        return Edge(
            set_id=set_id,
            source=requirement_key(source_fw.id, source),
            target=requirement_key(target_fw.id, target) if target else None,
            relationship=relationship,
            rationale=rationale,
            note=note,
            strength=strength,
        )


def read_strm_csv(
    path: Path | str,
    source_framework: str,
    target_framework: str,
    frameworks: Mapping[str, Framework],
    set_id: str,
) -> Imported:
    """Read a set-theory (STRM) CSV: focal elements are our sources, reference our targets.

    Rows above the header (a title block) and columns we do not know are ignored; blank
    rows are skipped. Errors name the row (the header row counts, as in a spreadsheet)
    and the column.
    """
    location = Path(path)
    source_fw = _framework(source_framework, frameworks, location, "source")
    target_fw = _framework(target_framework, frameworks, location, "target")
    rows = _CsvRows(location, source_fw, target_fw)
    edges = [rows.edge(number, row, set_id) for number, row in rows.numbered()]
    if not edges:
        raise ConversionError(
            str(location), f"row {rows.header + 2}", "no mapping rows below the header"
        )
    notes = [f"{set_id}: {len(edges)} edges from {location.name}"]
    if rows.assumed:
        notes.append(f"{set_id}: {rows.assumed} row(s) give no STRM rationale; semantic assumed")
    mapping_set = MappingSet(
        id=set_id,
        version="1.0",
        title=f"{source_fw.name} to {target_fw.name} (from {location.name})",
        source_framework=source_fw.id,
        target_framework=target_fw.id,
        provenance=Provenance(source=location.name, method=Method.HUMAN),
        mappings=tuple(edges),
        description=f"Set-theory relationship mapping imported from {location.name}.",
    )
    return Imported(source=str(location), mapping_sets=[mapping_set], notes=notes)


def write_strm_csv(
    mapping_set: MappingSet, frameworks: Mapping[str, Framework] | None = None
) -> str:
    """The set as STRM CSV; element descriptions are the requirement titles when
    ``frameworks`` is given, else left empty."""
    known = frameworks or {}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)

    def title(key: str | None) -> str:
        if key is None:
            return ""
        framework_id, ref = split_key(key)
        framework = known.get(framework_id)
        requirement = framework.get(ref) if framework is not None else None
        return requirement.title if requirement is not None else ""

    for edge in mapping_set.mappings:
        writer.writerow(
            csv_safe(cell)
            for cell in (
                split_key(edge.source)[1],
                title(edge.source),
                edge.rationale.value.capitalize(),
                _RELATIONSHIP_WORDS[edge.relationship],
                split_key(edge.target)[1] if edge.target else "",
                title(edge.target),
                "" if edge.strength is None else str(edge.strength),
                edge.note + (f" [adjusted by the team: {edge.adjusted}]" if edge.adjusted else ""),
            )
        )
    return buffer.getvalue()
