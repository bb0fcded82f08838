"""Hypothesis strategies that mutate small valid input files: random bytes spliced in, text
deleted or repeated, columns dropped, duplicated or swapped, cells of the wrong type, cells
of 40,000 characters, odd Unicode, broken YAML, damaged workbook parts.

Each strategy takes the valid input it starts from, so that most cases stay close to a file
a user could really hand us (a header still found, a front matter still closed) and reach
the code past the first check.
"""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from datetime import date, datetime
from typing import Any

import yaml
from hypothesis import strategies as st

ODD_TEXT = (
    "",
    " ",
    "\u202e evil",  # right-to-left override
    "\ufeffBOM",
    "a\u2028b",
    "e\u0301",  # a combining accent
    "İstanbul",  # changes length when lower-cased
    "Straße",
    "ＡＢＣ",  # full width
    "🔥💥",
    "\x1b[31mred",  # a terminal escape
    "\x00",
    "\x7f\x08",
    '=HYPERLINK("http://x","y")',
    "@SUM(A1)",
    "../../etc/passwd",
    "%2F%00",
    "C:\\Windows",
    "null",
    "~",
    "true",
    "0x1F",
    "1e999",
    "2026-02-30",
    "9999-12-31",
    "CC6.1",
    "CC3.1-CC3.4",
    "CC3.1-CC99.9",
    "CC1.1-CC1.99999",
    "cc 6.1; A1.2 and PI1.1",
    "A.5.1",
    "quarterly",
    "every 3 days",
    "operating",
    "on paper",
    "- [",
    "{a: *b}",
    "!!python/object/apply:os.system ['true']",
    "&a [*a]",
    "<![CDATA[",
    "&lt;",
    "<x>",
    "\t\r\n",
)

cell_values = st.one_of(
    st.sampled_from(ODD_TEXT),
    st.text(max_size=20),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.dates(min_value=date(1900, 1, 1)),
    st.integers(min_value=30_000, max_value=40_000).map(lambda n: "x" * n),
    st.integers(min_value=100, max_value=3_000).map(lambda n: "T" * n),
)


@st.composite
def mutated_table(draw: st.DrawFn, rows: list[list[Any]]) -> list[list[Any]]:
    """``rows`` with a few structural edits: columns dropped, duplicated, swapped or added,
    cells replaced, rows dropped or repeated."""
    table = [list(row) for row in rows]
    for _ in range(draw(st.integers(0, 4))):
        width = max(len(row) for row in table) if table else 0
        operation = draw(
            st.sampled_from(
                [
                    *("drop column", "duplicate column", "swap columns", "add column"),
                    *("set cell", "set cell", "drop row", "duplicate row", "blank row"),
                ]
            )
        )
        if not table:
            break
        if operation in ("drop column", "duplicate column", "swap columns") and width:
            column = draw(st.integers(0, width - 1))
            other = draw(st.integers(0, width - 1))
            for row in table:
                if column >= len(row):
                    continue
                if operation == "drop column":
                    del row[column]
                elif operation == "duplicate column":
                    row.insert(column, row[column])
                elif other < len(row):
                    row[column], row[other] = row[other], row[column]
        elif operation == "add column":
            for row in table:
                row.append(draw(cell_values))
        elif operation == "set cell":
            row = table[draw(st.integers(0, len(table) - 1))]
            if row:
                row[draw(st.integers(0, len(row) - 1))] = draw(cell_values)
        elif operation == "drop row":
            del table[draw(st.integers(0, len(table) - 1))]
        elif operation == "duplicate row":
            position = draw(st.integers(0, len(table) - 1))
            table.insert(position, list(table[position]))
        else:
            table.insert(draw(st.integers(0, len(table))), [])
    return table


SNIPPETS = (
    b"\x00",
    b"\xff\xfe",
    b"\xc3",  # a UTF-8 sequence cut short
    b"\xed\xa0\x80",  # a surrogate in UTF-8
    b'"',
    b",",
    b";",
    b"\r",
    b"\n",
    b"\n---\n",
    b"[[[[[[",
    b"{",
    b": :",
    b"&a ",
    b"*a",
    b"!!binary x",
    b"!!int abc",
    b"!!timestamp 2026-13-01",
    b"? ",
    b"<<: *x",
    b"\t",
    b"- - - -",
    b"%YAML 1.1\n",
    b"2026-02-30",
    b"\xe2\x80\xae",
    b"\xef\xbb\xbf",
)


@st.composite
def mutated_bytes(draw: st.DrawFn, base: bytes, most: int = 3) -> bytes:
    """``base`` with up to ``most`` byte-level edits: random bytes or known troublemakers
    spliced in, a slice deleted or repeated, the end cut off, a huge run inserted."""
    data = bytearray(base)
    for _ in range(draw(st.integers(0, most))):
        operation = draw(
            st.sampled_from(["insert", "replace", "delete", "repeat", "cut", "snippet", "huge"])
        )
        start = draw(st.integers(0, len(data)))
        end = draw(st.integers(start, min(len(data), start + 64)))
        if operation == "insert":
            data[start:start] = draw(st.binary(min_size=1, max_size=16))
        elif operation == "replace":
            data[start:end] = draw(st.binary(max_size=16))
        elif operation == "delete":
            del data[start:end]
        elif operation == "repeat":
            data[start:start] = data[start:end] * draw(st.integers(1, 50))
        elif operation == "cut":
            del data[start:]
        elif operation == "snippet":
            data[start:start] = draw(st.sampled_from(SNIPPETS))
        else:
            run = draw(st.sampled_from([b"x", b" ", b"#", b"[", b"- ", b"\n", b"a,", b'",']))
            data[start:start] = run * draw(st.integers(1_000, 50_000))
    return bytes(data)


def csv_bytes(table: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(
        ["" if cell is None else str(cell) for cell in row] for row in table
    )
    return buffer.getvalue().encode("utf-8", "surrogatepass")


def _storable(cell: Any) -> Any:
    """A value openpyxl can write: characters XML cannot hold dropped, numbers Excel has no
    room for written as text."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(cell, str):
        return ILLEGAL_CHARACTERS_RE.sub("", cell)
    if isinstance(cell, int) and not isinstance(cell, bool) and abs(cell) > 2**53:
        return str(cell)
    if isinstance(cell, float) and (math.isnan(cell) or math.isinf(cell)):
        return str(cell)
    return cell


def xlsx_bytes(table: list[list[Any]], title: str = "Controls") -> bytes:
    """The table as a workbook written by openpyxl (characters XML cannot hold dropped)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in table:
        sheet.append([_storable(cell) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _same_bytes_every_time(buffer.getvalue())


def _same_bytes_every_time(workbook: bytes) -> bytes:
    """The workbook without the time it was saved (in its properties and in the archive), so
    that hypothesis sees the same bytes when it replays a case."""
    from tests.io.xlsx_packages import zip_bytes

    source = zipfile.ZipFile(io.BytesIO(workbook))
    parts: dict[str, Any] = {}
    for name in source.namelist():
        data = source.read(name)
        if name == "docProps/core.xml":
            data = re.sub(rb"(<dcterms:\w+[^>]*>)[^<]*", rb"\g<1>2026-01-01T00:00:00Z", data)
        parts[name] = data
    return zip_bytes(parts)


def shared_strings_workbook(table: list[list[Any]], title: str = "Controls") -> bytes:
    """The table as Excel writes it, every text a shared string (openpyxl writes inline ones)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    from tests.io.xlsx_packages import parts, sheet_xml, strings_xml, zip_bytes

    rows = [["" if c is None else ILLEGAL_CHARACTERS_RE.sub("", str(c)) for c in r] for r in table]
    strings: list[str] = []
    sheet = sheet_xml(rows, strings)
    return zip_bytes(parts(sheet, strings_xml(strings), title))


@st.composite
def damaged_workbook(draw: st.DrawFn, table: list[list[Any]], title: str = "Controls") -> bytes:
    """The table as a workbook (written by openpyxl, or with shared strings as Excel writes
    it), often with one part's XML mutated (and the archive written again), or with the
    archive's own bytes mutated."""
    writer = draw(st.sampled_from([xlsx_bytes, shared_strings_workbook]))
    workbook = writer(table, title)
    how = draw(st.sampled_from(["as is", "part", "part", "archive"]))
    if how == "as is":
        return workbook
    if how == "archive":
        return draw(mutated_bytes(workbook))
    source = zipfile.ZipFile(io.BytesIO(workbook))
    names = source.namelist()
    chosen = draw(st.sampled_from(sorted(names)))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for name in names:
            data = source.read(name)
            target.writestr(name, draw(mutated_bytes(data)) if name == chosen else data)
    return output.getvalue()


yaml_values = st.one_of(
    cell_values,
    st.lists(cell_values, max_size=3),
    st.dictionaries(
        st.sampled_from(["a", "requirement", "date", "level", "x"]), cell_values, max_size=3
    ),
    st.recursive(
        st.none() | st.text(max_size=5), lambda inner: st.lists(inner, max_size=3), max_leaves=30
    ),
    st.datetimes(min_value=datetime(1900, 1, 1)),
)


@st.composite
def mutated_mapping(draw: st.DrawFn, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with keys deleted, set to values of the wrong type, or added."""
    result = dict(data)
    for _ in range(draw(st.integers(0, 3))):
        operation = draw(st.sampled_from(["delete", "set", "set", "add", "set inner"]))
        keys = sorted(result)
        if operation == "delete" and keys:
            del result[draw(st.sampled_from(keys))]
        elif operation == "set" and keys:
            result[draw(st.sampled_from(keys))] = draw(yaml_values)
        elif operation == "set inner" and keys:
            key = draw(st.sampled_from(keys))
            inner = result[key]
            if isinstance(inner, list) and inner and isinstance(inner[0], dict):
                first = dict(inner[0])
                if first:
                    first[draw(st.sampled_from(sorted(first)))] = draw(yaml_values)
                result[key] = [first, *inner[1:]]
            elif isinstance(inner, dict) and inner:
                result[key] = {**inner, draw(st.sampled_from(sorted(inner))): draw(yaml_values)}
        else:
            result[draw(st.sampled_from(["extra", "format", "id", "title", "body"]))] = draw(
                yaml_values
            )
    return result


@st.composite
def mutated_yaml(draw: st.DrawFn, text: str) -> bytes:
    """The YAML document with its data mutated and written again, then its text mutated."""
    data = yaml.safe_load(text)
    if draw(st.booleans()):
        data = draw(mutated_mapping(data))
    written = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    return draw(mutated_bytes(written.encode("utf-8", "surrogatepass")))
