from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from crosswalk.catalogs.parse import parse_yaml_text, read_catalog
from crosswalk.catalogs.writer import dump_framework
from crosswalk.io.converted import ConversionError
from crosswalk.io.custom_framework import (
    COLUMNS,
    CustomFrameworkError,
    RowProblem,
    read_custom_framework,
    write_template,
)


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_the_template_is_documented_and_reads_back_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "template.xlsx"
    write_template(path)
    workbook = load_workbook(path)
    assert workbook.sheetnames == ["Framework", "How to fill"]
    data = workbook["Framework"]
    assert data.freeze_panes == "A2"
    assert [c.value for c in data[1]] == list(COLUMNS)
    assert data.max_row == 1  # no example rows in the data sheet
    assert all(c.comment is not None for c in data[1])
    guide = [row[0] for row in workbook["How to fill"].iter_rows(values_only=True)]
    assert any(str(line).startswith("parent:") for line in guide)
    assert "POL-1" in guide  # the examples live on the guide sheet
    with pytest.raises(ConversionError, match="no requirements") as caught:
        read_custom_framework(path, "my-policy", "My policy", "1")
    assert caught.value.where == "sheet 'Framework'"


def test_a_filled_csv_imports_with_messy_headers(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "policy.csv",
        " Ref ;TITLE;Parent Ref;Description;Kind;Owner\n"
        "POL-1;Security policy approved;pol;Management approves it.;;Dana\n"
        "\n"
        "POL;Policies;;;;\n"
        "POL-2;Policy reviewed;POL;;Key Control;\n"
        "ACC;Access;;;domain;\n",
    )
    imported = read_custom_framework(path, "my-policy", "My policy", "2026", "Acme")
    [framework] = imported.frameworks
    assert framework.id == "my-policy" and framework.publisher == "Acme"
    found = [(r.ref, r.kind, r.parent, r.title, r.text) for r in framework]
    assert found == [
        ("POL", "section", None, "Policies", None),
        ("POL-1", "requirement", "POL", "Security policy approved", "Management approves it."),
        ("POL-2", "key-control", "POL", "Policy reviewed", None),
        ("ACC", "domain", None, "Access", None),
    ]
    pol_1 = framework.get("POL-1")
    assert pol_1 is not None and dict(pol_1.attributes) == {"Owner": "Dana"}
    assert imported.notes == [
        "framework my-policy: 4 requirements (1 section, 1 requirement, 1 key-control, 1 domain)"
    ]
    # the installer's own check accepts it
    back = read_catalog(Path("my-policy.yaml"), parse_yaml_text(dump_framework(framework)))
    assert back == framework


def test_a_filled_xlsx_template_imports(tmp_path: Path) -> None:
    path = tmp_path / "framework.xlsx"
    write_template(path)
    workbook = load_workbook(path)
    sheet = workbook["Framework"]
    sheet.append(["1", "Governance", None, None, "clause"])
    sheet.append(["1.10", "Tenth item", "1", "Text as a string keeps its zero.", None])
    sheet.append([2, "Numbers typed as numbers", None, None, None])
    sheet.append([2.5, "Child of a number", 2.0, None, None])
    workbook.save(path)
    [framework] = read_custom_framework(path, "acme-fw", "Acme", "1").frameworks
    found = [(r.ref, r.kind, r.parent) for r in framework]
    assert found == [
        ("1", "clause", None),
        ("1.10", "requirement", "1"),
        ("2", "section", None),
        ("2.5", "requirement", "2"),
    ]


def test_every_problem_is_listed_with_row_and_column(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "bad.csv",
        "Ref,Title,Parent,Kind\n"
        "X,,,\n"  # row 2: missing title
        "X,Again,,\n"  # row 3: duplicate ref
        ",No ref,,\n"  # row 4: missing ref
        "Y,Orphan,Z,\n"  # row 5: unknown parent
        "L1,Loop one,L2,\n"  # row 6: parents loop
        "L2,Loop two,L1,\n"  # row 7
        "S,Self,S,\n"  # row 8: own parent
        "K,Kind,,not/a kind\n",  # row 9: bad kind
    )
    with pytest.raises(CustomFrameworkError) as caught:
        read_custom_framework(path, "bad", "Bad", "1")
    error = caught.value
    assert error.problems == [
        RowProblem(2, "Title", "X: missing title"),
        RowProblem(3, "Ref", "duplicate ref 'X' (first on row 2)"),
        RowProblem(4, "Ref", "missing ref"),
        RowProblem(5, "Parent", "Y: parent 'Z' is not a ref in the sheet"),
        RowProblem(6, "Parent", "L1: parents loop back to 'L1'"),
        RowProblem(7, "Parent", "L2: parents loop back to 'L2'"),
        RowProblem(8, "Parent", "S: a requirement cannot be its own parent"),
        RowProblem(9, "Kind", "kind 'not/a-kind': use one word of letters, digits, '.' and '-'"),
    ]
    assert str(error).startswith(f"{path}: 8 problems, nothing imported:\n  row 2, column 'Title'")
    assert isinstance(error, ConversionError)


def test_whole_file_problems(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "nohead.csv", "a,b,c\n1,2,3\n")
    with pytest.raises(ConversionError, match="no header row"):
        read_custom_framework(path, "x", "X", "1")
    path = write_csv(tmp_path / "ok.csv", "ref,title\nA,Alpha\n")
    with pytest.raises(ConversionError, match="framework id 'Not An Id'"):
        read_custom_framework(path, "Not An Id", "X", "1")
    with pytest.raises(ConversionError, match="needs a name"):
        read_custom_framework(path, "x", " ", "1")
    with pytest.raises(ConversionError, match="unsupported file type"):
        read_custom_framework(write_csv(tmp_path / "f.json", "{}"), "x", "X", "1")
    with pytest.raises(ConversionError, match="no such file"):
        read_custom_framework(tmp_path / "missing.csv", "x", "X", "1")


def test_a_csv_template_is_the_header_row(tmp_path: Path) -> None:
    path = tmp_path / "template.csv"
    write_template(path)
    assert path.read_text(encoding="utf-8") == "ref,title,parent,description,kind\n"
    with pytest.raises(ConversionError, match="no requirements below the header row"):
        read_custom_framework(path, "x", "X", "1")
