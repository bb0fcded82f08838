"""CSV inputs are bounded like workbooks: a file past the size limit is refused before it is
read, as are more rows or a longer cell than any inventory, framework or STRM sheet holds;
and a framework sheet whose rows each sit under the one before is checked at once."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from crosswalk.catalogs.loader import Library
from crosswalk.domain.errors import CrosswalkError
from crosswalk.io.control_inventory import InventoryError, read_inventory
from crosswalk.io.converted import ConversionError
from crosswalk.io.csv_text import CsvTextError, read_csv_rows
from crosswalk.io.custom_framework import read_custom_framework
from crosswalk.io.strm_csv import read_strm_csv
from crosswalk.services.mapping.library import resolve_requirement

HEADER = "Control ID,Control Name,TSC\n"


def resolve(library: Library):  # type: ignore[no-untyped-def]
    return lambda ref: resolve_requirement(library, ref, framework="soc2-tsc-2017")


def sparse(path: Path, header: str, size: int) -> Path:
    """A file of ``size`` bytes on disk that takes no room: the header, then a hole."""
    with path.open("w", encoding="utf-8") as handle:
        handle.write(header)
        handle.truncate(size)
    return path


def test_a_csv_past_50_mb_is_refused_before_it_is_read(tmp_path: Path, library: Library) -> None:
    path = sparse(tmp_path / "huge.csv", HEADER, 60 << 20)
    started = time.perf_counter()
    with pytest.raises(InventoryError) as caught:
        read_inventory(path, resolve(library))
    assert time.perf_counter() - started < 1
    assert str(caught.value) == (
        f"{path}: 60 MiB, more than the 50 MiB a CSV file may be; nothing was read"
    )


def test_a_strm_csv_past_50_mb_is_refused_too(tmp_path: Path, library: Library) -> None:
    path = sparse(tmp_path / "strm.csv", "Focal Document Element\n", 60 << 20)
    with pytest.raises(CrosswalkError, match="more than the 50 MiB a CSV file may be"):
        read_strm_csv(path, "soc2-tsc-2017", "iso27001-2022", library.frameworks, "s")


def test_more_rows_than_any_inventory_has_are_refused(tmp_path: Path, library: Library) -> None:
    path = tmp_path / "rows.csv"
    path.write_text(HEADER + "".join(f"X-{n},Control {n},CC6.1\n" for n in range(100_000)))
    with pytest.raises(InventoryError, match=r"rows.csv, row 100001: more than 100,000 rows"):
        read_inventory(path, resolve(library))


def test_a_cell_longer_than_a_spreadsheet_cell_holds_is_named_by_row_and_column(
    tmp_path: Path,
) -> None:
    path = tmp_path / "long.csv"
    path.write_text(HEADER + "AC-1," + "x" * 40_000 + ",CC6.1\n")
    with pytest.raises(CsvTextError) as caught:
        read_csv_rows(path)
    assert str(caught.value) == (
        f"{path}, row 2, column 2: 40,000 characters, more than the 32,767 a spreadsheet cell holds"
    )


def test_an_encoding_that_is_not_for_text_is_refused_by_name(tmp_path: Path) -> None:
    """``--encoding hex`` was a LookupError traceback."""
    path = tmp_path / "inventory.csv"
    path.write_text(HEADER)
    with pytest.raises(CsvTextError, match="'hex' is not a text encoding"):
        read_csv_rows(path, "hex")


def test_a_strm_csv_is_read_strictly_with_the_row_named(tmp_path: Path, library: Library) -> None:
    path = tmp_path / "strm.csv"
    path.write_bytes(
        b"Focal Document Element,STRM Relationship,Reference Document Element\n"
        b"CC6.1,subset of,A.5.15\nCC6.2,equal,A.5.1\x00\n"
    )
    with pytest.raises(CrosswalkError, match=r"strm.csv, row 3: a NUL character"):
        read_strm_csv(path, "soc2-tsc-2017", "iso27001-2022", library.frameworks, "s")


def test_a_chain_of_twenty_thousand_parents_is_refused_at_once(tmp_path: Path) -> None:
    """Checking for loops walked every row up to the top: 20,000 rows took half a minute."""
    path = tmp_path / "chain.csv"
    path.write_text(
        "ref,title,parent\n"
        + "".join(f"R{n},Level {n},{f'R{n - 1}' if n else ''}\n" for n in range(20_000))
    )
    started = time.perf_counter()
    with pytest.raises(ConversionError) as caught:
        read_custom_framework(path, "chain", "Chain", "1")
    assert time.perf_counter() - started < 2
    assert "row 102, column 'parent': R100: nested 101 levels deep, more than the 100" in str(
        caught.value
    )


@pytest.mark.parametrize(
    "written",
    [
        "CC1.1-CC1.99999999",  # a hundred million criteria: read for ever
        "CC1.1-CC1." + "9" * 5000,  # a number past what int() reads: a ValueError traceback
        "CC3.4-CC3.1",  # backwards: silently no criteria at all
    ],
)
def test_a_criteria_range_no_one_writes_is_a_row_error_at_once(
    tmp_path: Path, library: Library, written: str
) -> None:
    path = tmp_path / "inventory.csv"
    path.write_text(HEADER + f"AC-1,Access review,{written}\n")
    started = time.perf_counter()
    inventory = read_inventory(path, resolve(library))
    assert time.perf_counter() - started < 1
    [problem] = inventory.errors
    assert str(problem).startswith("row 2, column 'TSC': AC-1: unknown")
    assert written[:20] in str(problem)
