from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from crosswalk.catalogs.loader import Library
from crosswalk.domain.controls import OperatingStatus
from crosswalk.io.control_inventory import (
    InventoryError,
    parse_column_overrides,
    read_inventory,
    split_criteria,
)
from crosswalk.services.mapping.library import resolve_requirement


@pytest.mark.parametrize(
    ("written", "refs"),
    [
        ("CC6.1, CC6.2; CC 6.3", ["CC6.1", "CC6.2", "CC 6.3"]),
        ("CC3.1-CC3.4", ["CC3.1", "CC3.2", "CC3.3", "CC3.4"]),
        ("CC3.1 – 3.3", ["CC3.1", "CC3.2", "CC3.3"]),
        ("CC4.1 / CC7.1", ["CC4.1", "CC7.1"]),
        ("cc7.2", ["cc7.2"]),
        ("CC6.1\nCC6.6 and A1.2", ["CC6.1", "CC6.6", "A1.2"]),
    ],
)
def test_criteria_are_split_the_way_people_write_them(written: str, refs: list[str]) -> None:
    assert split_criteria(written) == refs


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def resolver(library: Library):  # type: ignore[no-untyped-def]
    return lambda ref: resolve_requirement(library, ref, framework="soc2-tsc-2017")


def test_headers_are_found_below_title_rows_in_xlsx(tmp_path: Path, library: Library) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["ACME control matrix 2026"])
    sheet.append([])
    sheet.append(
        ["Control ID", "Control Name", "Description", "Owner", "Frequency", "SOC 2 mapping"]
    )
    sheet.append(["AC-1", "Access review", "Quarterly review", "Dana", "Quarterly", "CC6.2, cc6.3"])
    path = tmp_path / "matrix.xlsx"
    workbook.save(path)
    inventory = read_inventory(path, resolver(library))
    assert inventory.header_row == 3 and inventory.errors == []
    control = inventory.controls[0]
    assert control.criteria == ["soc2-tsc-2017:CC6.2", "soc2-tsc-2017:CC6.3"]
    assert control.frequency is not None and control.frequency.value == "quarterly"


def test_every_problem_names_row_and_column(tmp_path: Path, library: Library) -> None:
    path = write_csv(
        tmp_path / "bad.csv",
        "Control #,Control Name,TSC Reference(s),Owner,Frequency\n"
        "AC-1,Access review,CC6.2,Dana,Quarterly\n"
        "AC-1,Access review again,CC6.3,Dana,Quarterly\n"
        "AC-2,Something,CC10.1,,Every sprint\n"
        + "A" * 101
        + ",Far too long an id,CC6.1,Dana,Quarterly\n",
    )
    inventory = read_inventory(path, resolver(library))
    messages = [str(p) for p in inventory.errors]
    assert any(
        m.startswith("row 5, column 'Control #': control id") and "101 characters" in m
        for m in messages
    )
    assert any(
        m.startswith("row 3, column 'Control #': duplicate control id 'AC-1'") for m in messages
    )
    assert any(m.startswith("row 4, column 'TSC Reference(s)'") and "CC10.1" in m for m in messages)
    warnings = [str(p) for p in inventory.warnings]
    assert any(w.startswith("row 4, column 'Owner'") and "no owner" in w for w in warnings)
    assert any(
        w.startswith("row 4, column 'Frequency'") and "'Every sprint' is not a cadence" in w
        for w in warnings
    )


def test_the_import_says_what_it_used_ignored_and_defaulted(
    tmp_path: Path, library: Library
) -> None:
    path = write_csv(
        tmp_path / "inventory.csv",
        "Control ID,Control Name,TSC Reference(s),Artifacts,Control Type\n"
        "AC-1,Access review,CC6.1-CC6.3,Jira tickets,Preventive\n"
        "HR-1,Onboarding,CC1.4,LMS export,Directive\n",
    )
    inventory = read_inventory(path, resolver(library))
    assert inventory.columns["evidence"] == "Artifacts"
    assert inventory.ignored == ["Control Type"]
    assert {c.status for c in inventory.controls} == {OperatingStatus.IMPLEMENTED}
    assert any(
        d.startswith("status: no column; all 2 set to 'implemented'") and "--status" in d
        for d in inventory.defaults
    )
    assert "owner: no column; left empty for all 2" in inventory.defaults
    assert inventory.controls[0].criteria == [
        "soc2-tsc-2017:CC6.1",
        "soc2-tsc-2017:CC6.2",
        "soc2-tsc-2017:CC6.3",
    ]
    chosen = read_inventory(path, resolver(library), default_status=OperatingStatus.OPERATING)
    assert {c.status for c in chosen.controls} == {OperatingStatus.OPERATING}
    assert any("by --status" in d for d in chosen.defaults)


def test_columns_can_be_named_when_detection_cannot(tmp_path: Path, library: Library) -> None:
    path = write_csv(tmp_path / "odd.csv", "Ctrl,What,Mapped\nX-1,Backups,A1.2\n")
    with pytest.raises(InventoryError, match="no header row"):
        read_inventory(path, resolver(library))
    columns = parse_column_overrides("control_id=Ctrl,title=What,criteria=Mapped")
    inventory = read_inventory(path, resolver(library), columns)
    assert [c.control_id for c in inventory.controls] == ["X-1"]
    with pytest.raises(InventoryError, match="FIELD=HEADER"):
        parse_column_overrides("colour=Ctrl")


def test_a_missing_required_column_is_named(tmp_path: Path, library: Library) -> None:
    path = write_csv(tmp_path / "nocriteria.csv", "Control ID,Control Name,Owner\nA,B,C\n")
    with pytest.raises(InventoryError, match="no column for criteria"):
        read_inventory(path, resolver(library))
