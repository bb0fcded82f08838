"""A malformed catalog or mapping file fails with the file and the ref named, and loads nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from crosswalk.catalogs.loader import CatalogError, load_library
from tests.factories import catalog, edge, mapping_set, write_yaml


def load_with(*paths: Path) -> None:
    load_library(list(paths))


def test_a_valid_extra_catalog_and_set_join_the_library(tmp_path: Path) -> None:
    write_yaml(tmp_path / "acme.yaml", catalog())
    write_yaml(tmp_path / "acme-map.yaml", mapping_set([edge("G1.1", "A.5.1", "equal")]))
    library = load_library([tmp_path])
    assert "acme-policy-1" in library.frameworks
    assert (
        library.graph.direct("acme-policy-1:G1.1", "iso27001-2022")[0].target
        == "iso27001-2022:A.5.1"
    )


@pytest.mark.parametrize(
    ("requirements", "counts", "where", "message"),
    [
        (
            [{"ref": "X", "kind": "item", "title": t} for t in ("a", "b")],
            None,
            "ref 'X'",
            "duplicate ref 'X'",
        ),
        (
            [{"ref": "X.1", "kind": "item", "title": "a", "parent": "X"}],
            None,
            "ref 'X.1'",
            "parent 'X' is not defined",
        ),
        (
            [{"ref": "X", "kind": "item", "title": "a"}],
            {"item": 2},
            "framework.counts",
            "item: declared 2, found 1",
        ),
        (
            [{"ref": "X", "kind": "item"}],
            {"item": 1},
            "requirements[0] (ref 'X').title",
            "Field required",
        ),
    ],
)
def test_malformed_catalogs_name_file_and_ref(
    tmp_path: Path,
    requirements: list[dict[str, str]],
    counts: dict[str, int] | None,
    where: str,
    message: str,
) -> None:
    path = write_yaml(tmp_path / "bad.yaml", catalog(requirements=requirements, counts=counts))
    with pytest.raises(CatalogError) as error:
        load_with(path)
    assert error.value.path == str(path)
    assert where in error.value.where
    assert message in error.value.message


def test_yaml_syntax_errors_give_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("format: crosswalk/catalog@1\nframework: {id: x\n", encoding="utf-8")
    with pytest.raises(CatalogError) as error:
        load_with(path)
    assert "line" in error.value.where and "not valid YAML" in error.value.message


def test_unknown_target_ref_in_a_mapping_set_is_named_with_suggestion(tmp_path: Path) -> None:
    write_yaml(tmp_path / "acme.yaml", catalog())
    bad = write_yaml(tmp_path / "map.yaml", mapping_set([edge("G1.1", "A.5.99")]))
    with pytest.raises(CatalogError) as error:
        load_with(tmp_path / "acme.yaml", bad)
    assert error.value.path == str(bad)
    assert "'G1.1' -> 'A.5.99'" in error.value.where
    assert "unknown target ref iso27001-2022:A.5.99" in error.value.message
    assert "did you mean" in error.value.message


def test_bad_relationship_value_is_named(tmp_path: Path) -> None:
    write_yaml(tmp_path / "acme.yaml", catalog())
    bad = write_yaml(tmp_path / "map.yaml", mapping_set([edge("G1.1", "A.5.1", "intersect")]))
    with pytest.raises(CatalogError) as error:
        load_with(tmp_path / "acme.yaml", bad)
    assert "mappings[0] ('G1.1' -> 'A.5.1').relationship" in error.value.where
    assert "equal" in error.value.message  # lists the allowed values


def test_edges_without_note_or_target_are_refused(tmp_path: Path) -> None:
    write_yaml(tmp_path / "acme.yaml", catalog())
    no_note = edge("G1.1", "A.5.1")
    del no_note["note"]
    bad = write_yaml(tmp_path / "map.yaml", mapping_set([no_note]))
    with pytest.raises(CatalogError, match="missing note"):
        load_with(tmp_path / "acme.yaml", bad)
    bad.unlink()
    bad = write_yaml(tmp_path / "map.yaml", mapping_set([edge("G1.1", None, "intersects_with")]))
    with pytest.raises(CatalogError, match="only a no_relationship edge may omit its target"):
        load_with(tmp_path / "acme.yaml", bad)


def test_a_framework_defined_twice_is_refused(tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "again.yaml", catalog(framework_id="soc2-tsc-2017"))
    with pytest.raises(CatalogError, match="also defined in"):
        load_with(path)


def test_missing_extra_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="no such file"):
        load_with(tmp_path / "nope.yaml")
