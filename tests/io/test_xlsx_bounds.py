"""Workbooks built to hurt (a small file that inflates to gigabytes, a sheet that claims a
million empty rows of 16,384 cells, ten million shared strings) are refused by name within
a couple of seconds, and damaged ones (a truncated sheet, a shared-string index that is not
a number, a broken archive) get a clean error naming the file and where: both for the
control inventory and for the custom framework sheet."""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from crosswalk.catalogs.loader import Library
from crosswalk.domain.errors import CrosswalkError
from crosswalk.io.control_inventory import read_inventory
from crosswalk.io.custom_framework import read_custom_framework
from crosswalk.services.mapping.library import resolve_requirement
from tests.io.xlsx_packages import (
    FRAMEWORK,
    INVENTORY,
    MAIN,
    Deflated,
    deflated,
    repeated,
    sheet_xml,
    strings_xml,
    workbook,
    zip_bytes,
)

SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"
Reader = Callable[[Path], int]


@pytest.fixture(params=["inventory", "framework"])
def reader(request: pytest.FixtureRequest, library: Library) -> tuple[list[list[str]], Reader]:
    """The rows of a small valid sheet, and the reader it is fed to (returning how many
    controls or requirements it read)."""
    if request.param == "inventory":

        def inventory(path: Path) -> int:
            found = read_inventory(
                path, lambda ref: resolve_requirement(library, ref, framework="soc2-tsc-2017")
            )
            assert found.errors == []
            return len(found.controls)

        return INVENTORY, inventory

    def framework(path: Path) -> int:
        imported = read_custom_framework(path, "my-sheet", "My sheet", "1")
        return len(imported.frameworks[0].requirements)

    return FRAMEWORK, framework


def text(part: bytes | Deflated) -> bytes:
    assert isinstance(part, bytes)
    return part


def refused(read: Reader, path: Path, seconds: float = 2.0) -> str:
    """The refusal's message; it must come within ``seconds``."""
    started = time.perf_counter()
    with pytest.raises(CrosswalkError) as caught:
        read(path)
    elapsed = time.perf_counter() - started
    assert elapsed < seconds, f"refused only after {elapsed:.1f} s"
    message = str(caught.value)
    assert str(path) in message
    return message


def test_the_packages_built_here_read_as_a_valid_sheet(
    tmp_path: Path, reader: tuple[list[list[str]], Reader]
) -> None:
    rows, read = reader
    path = tmp_path / "valid.xlsx"
    path.write_bytes(zip_bytes(workbook(rows)))
    assert read(path) == 3  # the bombs below differ from this valid file by one part


def test_shared_strings_inflating_to_1_5_gb_are_refused_before_being_read(
    tmp_path: Path, reader: tuple[list[list[str]], Reader]
) -> None:
    rows, read = reader
    parts = workbook(rows)
    head = strings_xml([c for row in rows for c in row]).removesuffix(b"</sst>")
    parts[STRINGS] = repeated(head + b"<si><t>", b"A" * 1024, 1_500_000, b"</t></si></sst>")
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(zip_bytes(parts))
    assert path.stat().st_size < 2_000_000
    message = refused(read, path)
    assert "part xl/sharedStrings.xml: inflates to 1,464.8 MiB" in message
    assert "more than the 100 MiB read from one part" in message


def test_ten_million_shared_strings_are_refused_quickly(
    tmp_path: Path, reader: tuple[list[list[str]], Reader]
) -> None:
    rows, read = reader
    parts = workbook(rows)
    head = strings_xml([c for row in rows for c in row]).removesuffix(b"</sst>")
    parts[STRINGS] = repeated(head, b"<si><t>x</t></si>", 10_000_000, b"</sst>")
    path = tmp_path / "strings.xlsx"
    path.write_bytes(zip_bytes(parts))
    assert "xl/sharedStrings.xml" in refused(read, path)


def test_more_shared_strings_than_any_sheet_holds_are_refused_even_when_they_compress_plainly(
    tmp_path: Path, reader: tuple[list[list[str]], Reader]
) -> None:
    rows, read = reader
    strings: list[str] = []
    sheet = sheet_xml(rows, strings)
    parts = workbook(rows)
    parts[SHEET] = sheet
    parts[STRINGS] = strings_xml(strings + [f"text {n}" for n in range(600_000)])
    path = tmp_path / "many-strings.xlsx"
    path.write_bytes(zip_bytes(parts))
    message = refused(read, path)
    assert "more than 500,000 shared strings" in message


def test_a_part_inflating_far_more_than_spreadsheets_do_is_refused(
    tmp_path: Path, reader: tuple[list[list[str]], Reader]
) -> None:
    rows, read = reader
    strings: list[str] = []
    sheet = sheet_xml(rows, strings).replace(b"</sheetData>", b" " * 20_000_000 + b"</sheetData>")
    parts = workbook(rows)
    parts[SHEET] = sheet
    path = tmp_path / "padded.xlsx"
    path.write_bytes(zip_bytes(parts))
    message = refused(read, path)
    assert "xl/worksheets/sheet1.xml" in message and "at most 100 times" in message


def test_an_archive_of_thousands_of_parts_is_refused(
    tmp_path: Path, reader: tuple[list[list[str]], Reader]
) -> None:
    rows, read = reader
    parts = workbook(rows)
    for number in range(2_500):
        parts[f"xl/media/padding{number}.bin"] = b""
    path = tmp_path / "parts.xlsx"
    path.write_bytes(zip_bytes(parts))
    assert "2,506 parts in the archive, more than the 2,000 read" in refused(read, path)


def test_a_declared_million_rows_of_16384_columns_are_not_filled_in(
    tmp_path: Path, reader: tuple[list[list[str]], Reader]
) -> None:
    """1.8 KB on disk: openpyxl filled each of a million gap rows with 16,384 empty cells
    from the declared dimension (128 GB of lists). Now rows are as wide as written."""
    rows, read = reader
    parts = workbook(rows, dimension="A1:XFD1048576")
    far = [f"{rows[1][0]}9", "Far row", rows[-1][2]]
    cells = "".join(
        f'<c r="{column}1048576" t="str"><v>{value}</v></c>'
        for column, value in zip("ABC", far, strict=True)
    )
    last = f'<row r="1048576">{cells}</row></sheetData>'.encode()
    parts[SHEET] = text(parts[SHEET]).replace(b"</sheetData>", last)
    path = tmp_path / "gaps.xlsx"
    path.write_bytes(zip_bytes(parts))
    assert path.stat().st_size < 4_000
    started = time.perf_counter()
    assert read(path) == 4
    assert time.perf_counter() - started < 10


def test_rows_written_16384_cells_wide_are_refused_by_their_cell_count(
    tmp_path: Path, reader: tuple[list[list[str]], Reader]
) -> None:
    rows, read = reader
    strings: list[str] = []
    sheet = sheet_xml(rows, strings)
    wide = b"".join(
        f'<row r="{n}"><c r="XFD{n}"><v>1</v></c></row>'.encode()
        for n in range(len(rows) + 1, 20_000)
    )
    parts = workbook(rows)
    parts[SHEET] = sheet.replace(b"</sheetData>", wide + b"</sheetData>")
    path = tmp_path / "wide.xlsx"
    path.write_bytes(zip_bytes(parts))
    assert "more than 2,000,000 cells" in refused(read, path)


def test_a_cell_longer_than_a_spreadsheet_cell_holds_is_refused_by_its_place(
    tmp_path: Path, reader: tuple[list[list[str]], Reader]
) -> None:
    rows, read = reader
    long_rows = [list(row) for row in rows]
    long_rows[2][1] = "x" * 40_000
    path = tmp_path / "long-cell.xlsx"
    path.write_bytes(zip_bytes(workbook(long_rows)))
    message = refused(read, path)
    assert "sheet 'Controls'" in message and "cell B3" in message
    assert "40,000 characters, more than the 32,767" in message


def test_more_rows_than_any_inventory_has_are_refused(tmp_path: Path, library: Library) -> None:
    rows = INVENTORY
    strings: list[str] = []
    sheet = sheet_xml(rows, strings)
    extra = b"".join(
        f'<row r="{n}"><c r="A{n}" t="str"><v>X-{n}</v></c><c r="B{n}" t="s"><v>4</v></c>'
        f'<c r="C{n}" t="s"><v>5</v></c></row>'.encode()
        for n in range(len(rows) + 1, 100_010)
    )
    parts = workbook(rows)
    parts[SHEET] = sheet.replace(b"</sheetData>", extra + b"</sheetData>")
    path = tmp_path / "rows.xlsx"
    path.write_bytes(zip_bytes(parts))
    expected = r"sheet 'Controls', row 100001: more than 100,000 rows"
    with pytest.raises(CrosswalkError, match=expected):
        read_inventory(path, lambda ref: resolve_requirement(library, ref))


def _damaged(rows: list[list[str]], case: str) -> bytes:
    parts = workbook(rows, dimension="A1:C4")
    sheet = text(parts[SHEET])
    if case == "truncated sheet":
        parts[SHEET] = sheet[: len(sheet) * 2 // 3]
    elif case == "shared-string index not a number":
        parts[SHEET] = sheet.replace(b"<v>4</v>", b"<v>abc</v>", 1)
    elif case == "shared-string index past the table":
        parts[SHEET] = sheet.replace(b"<v>4</v>", b"<v>9999</v>", 1)
    elif case == "cell reference not one":
        parts[SHEET] = sheet.replace(b'r="B2"', b'r="2B"', 1)
    elif case == "no worksheet":
        workbook_xml = text(parts["xl/workbook.xml"])
        parts["xl/workbook.xml"] = workbook_xml.split(b"<sheets>")[0] + b"<sheets/></workbook>"
    elif case == "damaged compressed data":
        member = deflated(sheet)
        raw = bytearray(member.raw)
        raw[len(raw) // 2 : len(raw) // 2 + 8] = b"\xff" * 8
        parts[SHEET] = Deflated(bytes(raw), member.crc, member.size)
    elif case == "wrong checksum":
        member = deflated(sheet)
        parts[SHEET] = Deflated(member.raw, member.crc ^ 1, member.size)
    elif case == "entity expansion":
        entities = '<!ENTITY a "aaaaaaaaaa">' + "".join(
            f'<!ENTITY {chr(98 + n)} "{("&" + chr(97 + n) + ";") * 10}">' for n in range(8)
        )
        parts[SHEET] = f"<!DOCTYPE w [{entities}]>".encode() + sheet.replace(
            b"<v>4</v>", b"<v>&i;</v>"
        )
    elif case == "a part named but missing":
        del parts[STRINGS]
    elif case == "not a zip":
        return b"Control ID,Control Name,TSC\nAC-1,Access review,CC6.1\n"
    elif case == "cut short":
        return zip_bytes(parts)[:-200]
    return zip_bytes(parts)


DAMAGES = [
    "truncated sheet",
    "shared-string index not a number",
    "shared-string index past the table",
    "cell reference not one",
    "no worksheet",
    "damaged compressed data",
    "wrong checksum",
    "entity expansion",
    "a part named but missing",
    "not a zip",
    "cut short",
]


@pytest.mark.parametrize("case", DAMAGES)
def test_a_damaged_workbook_is_a_clean_error_naming_the_file(
    tmp_path: Path, reader: tuple[list[list[str]], Reader], case: str
) -> None:
    rows, read = reader
    path = tmp_path / "damaged.xlsx"
    path.write_bytes(_damaged(rows, case))
    message = refused(read, path)
    if case in ("shared-string index not a number", "shared-string index past the table"):
        assert "sheet 'Controls', after row 1: cannot be read" in message
    if case == "truncated sheet":
        assert "sheet 'Controls'" in message and "XML is broken" in message


def test_the_deflate_helper_writes_what_zlib_reads_back() -> None:
    member = repeated(b"<a>", b"xy", 3, b"</a>")
    assert zlib.decompress(member.raw, -15) == b"<a>xyxyxy</a>"
    assert member.crc == zlib.crc32(b"<a>xyxyxy</a>") and member.size == 13
    assert MAIN.startswith("http://")
