"""CSV read without silently changing a character: line breaks inside quoted cells kept,
a U+2028 or form feed inside a cell not splitting the row, a byte that is not UTF-8 refused
with its row (or read in the encoding the user names), a NUL refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from crosswalk.io.csv_text import CsvTextError, read_csv_rows


def _write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "inventory.csv"
    path.write_bytes(data)
    return path


def test_quoted_line_breaks_and_unicode_separators_stay_inside_their_cell(tmp_path: Path) -> None:
    text = 'id,description\r\nAC-1,"first line\r\nsecond line"\r\nAC-2,"a\u2028b\x0cc"\r\n'
    rows = read_csv_rows(_write(tmp_path, text.encode("utf-8")))
    assert rows == [
        ["id", "description"],
        ["AC-1", "first line\r\nsecond line"],
        ["AC-2", "a\u2028b\x0cc"],
    ]


def test_a_byte_order_mark_is_not_part_of_the_first_header(tmp_path: Path) -> None:
    rows = read_csv_rows(_write(tmp_path, "\ufeffid,title\nAC-1,Revue d'accès\n".encode()))
    assert rows == [["id", "title"], ["AC-1", "Revue d'accès"]]


def test_one_stray_byte_is_refused_with_its_row_never_guessed(tmp_path: Path) -> None:
    data = "id,title\nAC-1,Revue d'accès\n".encode() + b"AC-2,Caf\xe9\n"
    path = _write(tmp_path, data)
    with pytest.raises(CsvTextError, match=r"row 3: byte 0xe9 at offset \d+ is not UTF-8 text"):
        read_csv_rows(path)
    # Read whole in the encoding named, the user's choice: é is é.
    assert read_csv_rows(_write(tmp_path, "id,title\nAC-2,Café\n".encode("cp1252")), "cp1252")[
        1
    ] == ["AC-2", "Café"]


def test_a_nul_and_an_unknown_encoding_are_refused(tmp_path: Path) -> None:
    with pytest.raises(CsvTextError, match="row 2: a NUL character"):
        read_csv_rows(_write(tmp_path, b"id,title\nAC-1,x\x00y\n"))
    with pytest.raises(CsvTextError, match="unknown encoding 'klingon'"):
        read_csv_rows(_write(tmp_path, b"id\n"), "klingon")
