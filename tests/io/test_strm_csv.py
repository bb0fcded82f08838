"""Set-theory relationship mapping (STRM) CSV: our sets out and back, other people's in."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from crosswalk.catalogs.loader import Library
from crosswalk.domain.mappings import Mapping
from crosswalk.domain.relationships import RationaleKind, Relationship
from crosswalk.io.converted import ConversionError
from crosswalk.io.strm_csv import CSV_COLUMNS, read_strm_csv, write_strm_csv

HEADER = ",".join(CSV_COLUMNS)


def _key(edge: Mapping) -> tuple[object, ...]:
    return (
        edge.source,
        edge.target,
        edge.relationship,
        edge.rationale,
        edge.strength,
        edge.note,
    )


def _csv(tmp_path: Path, *lines: str, name: str = "strm.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_columns_are_the_strm_shape() -> None:
    assert CSV_COLUMNS == (
        "Focal Document Element",
        "Focal Document Element Description",
        "STRM Rationale",
        "STRM Relationship",
        "Reference Document Element",
        "Reference Document Element Description",
        "Strength of Relationship",
        "Notes",
    )


@pytest.mark.parametrize(
    "set_id",
    [
        "eu-ai-act-to-iso27001-2022",
        "gdpr-to-iso27001-2022",
        "iso27001-2013-to-2022",
        "nist-csf-2.0-to-iso27001-2022",
        "seed-primary",
        "soc2-to-iso27001-2022",
        "soc2-to-nist-csf-2.0",
    ],
)
def test_round_trip_of_every_shipped_set(library: Library, tmp_path: Path, set_id: str) -> None:
    original = library.mapping_sets[set_id]
    path = tmp_path / f"{set_id}.csv"
    path.write_text(write_strm_csv(original), encoding="utf-8")
    imported = read_strm_csv(
        path, original.source_framework, original.target_framework, library.frameworks, set_id
    )
    (back,) = imported.mapping_sets
    assert [_key(m) for m in back.mappings] == [_key(m) for m in original.mappings]
    assert back.id == set_id
    assert (back.source_framework, back.target_framework) == (
        original.source_framework,
        original.target_framework,
    )


def test_written_rows_use_relationship_words_and_titles(library: Library) -> None:
    mapping_set = library.mapping_sets["soc2-to-nist-csf-2.0"]
    rows = list(csv.DictReader(io.StringIO(write_strm_csv(mapping_set, library.frameworks))))
    assert len(rows) == len(mapping_set.mappings)
    words = {row["STRM Relationship"] for row in rows}
    assert words == {"intersects with", "superset of", "subset of", "no relationship"}
    assert {row["STRM Rationale"] for row in rows} == {"Semantic", "Functional", "Syntactic"}
    unmapped = next(row for row in rows if row["STRM Relationship"] == "no relationship")
    assert unmapped["Reference Document Element"] == ""
    assert unmapped["Reference Document Element Description"] == ""
    first = rows[0]
    requirement = library.frameworks["soc2-tsc-2017"].get(first["Focal Document Element"])
    assert requirement is not None
    assert first["Focal Document Element Description"] == requirement.title
    # without frameworks the descriptions are left empty
    bare = list(csv.DictReader(io.StringIO(write_strm_csv(mapping_set))))
    assert {row["Focal Document Element Description"] for row in bare} == {""}


def test_reads_a_nist_style_sheet(library: Library, tmp_path: Path) -> None:
    """A title block above the header, extra columns, loose spelling of words and refs."""
    path = _csv(
        tmp_path,
        "NIST CSF 2.0 to SOC 2,,,,,,,,,",
        ",,,,,,,,,",
        "Focal Document Element,Focal Document Element Description,STRM Rationale,"
        "STRM Relationship,Reference Document Element,Reference Document Element Description,"
        "Strength of Relationship,Notes,Comments",
        "gv.oc-01,The mission,Semantic,Subset Of,cc2.1,,7,Mission is one input,x",
        "GV.OC-02,,functional,intersects_with,CC2.3,,,,",
        ",,,,,,,,",
        "GV.OC-03,,,No Relationship,,,,Legal duties are outside SOC 2,",
        "GV.OC-04,,Syntactic,equal,CC2.2,,10.0,,",
    )
    imported = read_strm_csv(path, "nist-csf", "soc2", library.frameworks, "csf-to-soc2")
    (mapping_set,) = imported.mapping_sets
    assert (mapping_set.source_framework, mapping_set.target_framework) == (
        "nist-csf-2.0",
        "soc2-tsc-2017",
    )
    edges = mapping_set.mappings
    assert [(m.source, m.target, m.relationship) for m in edges] == [
        ("nist-csf-2.0:GV.OC-01", "soc2-tsc-2017:CC2.1", Relationship.SUBSET_OF),
        ("nist-csf-2.0:GV.OC-02", "soc2-tsc-2017:CC2.3", Relationship.INTERSECTS_WITH),
        ("nist-csf-2.0:GV.OC-03", None, Relationship.NO_RELATIONSHIP),
        ("nist-csf-2.0:GV.OC-04", "soc2-tsc-2017:CC2.2", Relationship.EQUAL),
    ]
    assert [m.strength for m in edges] == [7, None, None, 10]
    assert [m.rationale for m in edges] == [
        RationaleKind.SEMANTIC,
        RationaleKind.FUNCTIONAL,
        RationaleKind.SEMANTIC,
        RationaleKind.SYNTACTIC,
    ]
    assert edges[0].note == "Mission is one input"
    assert edges[1].note == "Imported from strm.csv"
    assert "semantic assumed" in edges[2].note
    assert any("1 row(s) give no STRM rationale" in note for note in imported.notes)


@pytest.mark.parametrize(
    ("row", "where", "message"),
    [
        (
            "GV.OC-01,,Semantic,overlaps,CC2.1,,,",
            "row 3, column 'STRM Relationship'",
            "unknown relationship 'overlaps'",
        ),
        (
            "GV.OC-01,,Semantic,subset of,CC99.9,,,",
            "row 3, column 'Reference Document Element'",
            "unknown ref 'CC99.9': not a requirement of soc2-tsc-2017",
        ),
        (
            "GV.XX-01,,Semantic,subset of,CC2.1,,,",
            "row 3, column 'Focal Document Element'",
            "unknown ref 'GV.XX-01'",
        ),
        (
            "GV.OC-01,,Semantic,subset of,,,,",
            "row 3, column 'Reference Document Element'",
            "only a 'no relationship' row may omit it",
        ),
        (
            "GV.OC-01,,Semantic,subset of,CC2.1,,11,",
            "row 3, column 'Strength of Relationship'",
            "'11' is not a whole number from 1 to 10",
        ),
        (
            "GV.OC-01,,Sort of,subset of,CC2.1,,,",
            "row 3, column 'STRM Rationale'",
            "unknown rationale 'Sort of'",
        ),
    ],
)
def test_errors_name_row_and_column(
    library: Library, tmp_path: Path, row: str, where: str, message: str
) -> None:
    path = _csv(tmp_path, HEADER, "GV.OC-02,,Semantic,intersects with,CC2.3,,5,fine", row)
    with pytest.raises(ConversionError) as caught:
        read_strm_csv(path, "nist-csf-2.0", "soc2-tsc-2017", library.frameworks, "x")
    assert caught.value.path == str(path)
    assert caught.value.where == where
    assert message in caught.value.message


def test_a_sheet_without_the_header_or_rows(library: Library, tmp_path: Path) -> None:
    no_header = _csv(tmp_path, "Source,Target", "GV.OC-01,CC2.1", name="a.csv")
    with pytest.raises(ConversionError, match="no header row"):
        read_strm_csv(no_header, "nist-csf-2.0", "soc2-tsc-2017", library.frameworks, "x")
    empty = _csv(tmp_path, HEADER, ",,,,,,,", name="b.csv")
    with pytest.raises(ConversionError, match="no mapping rows"):
        read_strm_csv(empty, "nist-csf-2.0", "soc2-tsc-2017", library.frameworks, "x")
    with pytest.raises(ConversionError, match="target framework: unknown framework 'pci-dss'"):
        read_strm_csv(empty, "nist-csf-2.0", "pci-dss", library.frameworks, "x")
