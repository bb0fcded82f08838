"""Workbooks built part by part, for tests that need what openpyxl never writes: shared
strings with a bad index, a truncated sheet, a part that expands to gigabytes.

``zip_bytes`` writes the archive by hand so that a part may be given already compressed:
``repeated`` deflates one block once and repeats it, which makes a 1.5 GB part in a
1.5 MB file in a fraction of a second (an honest archive: sizes and CRC are true).
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONS = "http://schemas.openxmlformats.org/package/2006/relationships"
TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
SPREADSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml"


@dataclass(frozen=True)
class Deflated:
    """A part already compressed (raw deflate), with its true CRC and uncompressed size."""

    raw: bytes
    crc: int
    size: int


def deflated(data: bytes) -> Deflated:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return Deflated(compressor.compress(data) + compressor.flush(), zlib.crc32(data), len(data))


def _flushed(data: bytes) -> bytes:
    """Deflate blocks that end byte-aligned with no back-reference past them: they can be
    repeated and concatenated with other such blocks into one valid stream."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)


def repeated(head: bytes, unit: bytes, count: int, tail: bytes) -> Deflated:
    """``head + unit * count + tail``, compressed without ever holding it in memory."""
    per_block = max(1, (1 << 20) // len(unit))
    block_data = unit * per_block
    block = _flushed(block_data)
    blocks, rest = divmod(count, per_block)
    crc = zlib.crc32(head)
    for _ in range(blocks):
        crc = zlib.crc32(block_data, crc)
    crc = zlib.crc32(unit * rest + tail, crc)
    final = zlib.compressobj(9, zlib.DEFLATED, -15)
    raw = b"".join((_flushed(head), block * blocks, _flushed(unit * rest + tail), final.flush()))
    return Deflated(raw, crc, len(head) + len(unit) * count + len(tail))


def zip_bytes(members: dict[str, bytes | Deflated]) -> bytes:
    """A zip archive of the members (deflated), in the order given."""
    out = bytearray()
    central = bytearray()
    for name, given in members.items():
        member = deflated(given) if isinstance(given, bytes) else given
        encoded = name.encode("utf-8")
        offset = len(out)
        sizes = (member.crc, len(member.raw), member.size, len(encoded))
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, *sizes, 0)
        out += encoded + member.raw
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, *sizes, 0, 0, 0, 0, 0, offset
        )
        central += encoded
    start = len(out)
    count = len(members)
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), start, 0)
    return bytes(out)


def column_letter(number: int) -> str:
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def sheet_xml(rows: list[list[str]], strings: list[str], dimension: str | None = None) -> bytes:
    """A worksheet whose text cells point into ``strings`` (added there as needed)."""
    cells = []
    for number, row in enumerate(rows, start=1):
        parts = []
        for position, value in enumerate(row, start=1):
            if value not in strings:
                strings.append(value)
            reference = f"{column_letter(position)}{number}"
            parts.append(f'<c r="{reference}" t="s"><v>{strings.index(value)}</v></c>')
        cells.append(f'<row r="{number}">{"".join(parts)}</row>')
    size = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<worksheet xmlns="{MAIN}">{size}<sheetData>{"".join(cells)}</sheetData></worksheet>'
    ).encode()


def strings_xml(strings: list[str]) -> bytes:
    items = "".join(f"<si><t>{escape(s)}</t></si>" for s in strings)
    count = len(strings)
    return f'<sst xmlns="{MAIN}" count="{count}" uniqueCount="{count}">{items}</sst>'.encode()


def parts(
    sheet: bytes | Deflated, strings: bytes | Deflated, title: str = "Controls"
) -> dict[str, bytes | Deflated]:
    """Every part of a one-sheet workbook with shared strings."""
    return {
        "[Content_Types].xml": (
            f'<Types xmlns="{TYPES}">'
            '<Default Extension="rels"'
            ' ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{SPREADSHEET}.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml"'
            f' ContentType="{SPREADSHEET}.worksheet+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml"'
            f' ContentType="{SPREADSHEET}.sharedStrings+xml"/>'
            "</Types>"
        ).encode(),
        "_rels/.rels": (
            f'<Relationships xmlns="{PACKAGE_RELATIONS}"><Relationship Id="rId1"'
            f' Type="{RELATIONS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ).encode(),
        "xl/workbook.xml": (
            f'<workbook xmlns="{MAIN}" xmlns:r="{RELATIONS}"><sheets>'
            f'<sheet name="{escape(title)}" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ).encode(),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{PACKAGE_RELATIONS}">'
            f'<Relationship Id="rId1" Type="{RELATIONS}/worksheet"'
            ' Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{RELATIONS}/sharedStrings"'
            ' Target="sharedStrings.xml"/></Relationships>'
        ).encode(),
        "xl/worksheets/sheet1.xml": sheet,
        "xl/sharedStrings.xml": strings,
    }


INVENTORY = [
    ["Control ID", "Control Name", "TSC"],
    ["AC-1", "Access review", "CC6.1"],
    ["AC-2", "Backups tested", "A1.2"],
    ["AC-3", "Change approval", "CC8.1"],
]
FRAMEWORK = [
    ["ref", "title", "parent"],
    ["POL", "Policies", ""],
    ["POL-1", "Policy approved", "POL"],
    ["POL-2", "Policy reviewed", "POL"],
]


def workbook(rows: list[list[str]], dimension: str | None = None) -> dict[str, bytes | Deflated]:
    """The parts of a small valid workbook holding ``rows`` as shared strings."""
    strings: list[str] = []
    sheet = sheet_xml(rows, strings, dimension)
    return parts(sheet, strings_xml(strings))
