"""Installing converted frameworks and mapping sets: checked, all or nothing, idempotent."""

from __future__ import annotations

from pathlib import Path

import pytest

from crosswalk.catalogs.loader import CatalogError, Library, load_library
from crosswalk.domain.mappings import Mapping, MappingSet, Method, Provenance
from crosswalk.domain.relationships import RationaleKind, Relationship
from crosswalk.domain.requirements import Framework, Requirement
from crosswalk.io.converted import Imported
from crosswalk.services.mapping.formats import FormatImportError, install


def framework(framework_id: str = "acme-1", version: str = "1") -> Framework:
    return Framework(
        framework_id,
        "ACME",
        version,
        "ACME",
        "tests",
        "test data",
        (
            Requirement(framework_id, "G", "Governance", "group"),
            Requirement(framework_id, "G.1", "Policies approved", "item", parent="G"),
        ),
    )


def mapping_set(target_ref: str = "A.5.1") -> MappingSet:
    return MappingSet(
        "acme-to-iso",
        "1",
        "ACME to ISO",
        "acme-1",
        "iso27001-2022",
        Provenance("tests", Method.HUMAN),
        (
            Mapping(
                "acme-to-iso",
                "acme-1:G.1",
                f"iso27001-2022:{target_ref}",
                Relationship.SUBSET_OF,
                RationaleKind.SEMANTIC,
                "policies",
                7,
            ),
        ),
    )


def test_install_then_reinstall_is_a_no_op(tmp_path: Path, library: Library) -> None:
    folder = tmp_path / "catalogs"
    imported = Imported("acme.xlsx", [framework()], [mapping_set()])
    first = install(library, folder, imported)
    assert len(first.created) == 2 and first.unchanged == []
    loaded = load_library([folder / "frameworks", folder / "mappings"])
    assert "acme-1" in loaded.frameworks
    assert loaded.graph.direct("acme-1:G.1", "iso27001-2022")[0].target == "iso27001-2022:A.5.1"
    again = install(loaded, folder, imported)
    assert again.created == [] and len(again.unchanged) == 2


def test_a_bad_edge_installs_nothing(tmp_path: Path, library: Library) -> None:
    folder = tmp_path / "catalogs"
    with pytest.raises(CatalogError, match=r"A\.5\.404"):
        install(library, folder, Imported("bad.json", [framework()], [mapping_set("A.5.404")]))
    assert not folder.exists() or not any(folder.rglob("*.yaml"))


def test_shipped_ids_are_never_overwritten(tmp_path: Path, library: Library) -> None:
    with pytest.raises(FormatImportError, match="already loaded"):
        install(library, tmp_path, Imported("x", [framework("soc2-tsc-2017")]))


def test_a_new_version_sits_beside_the_old_one(tmp_path: Path, library: Library) -> None:
    folder = tmp_path / "catalogs"
    install(library, folder, Imported("v1", [framework("acme-1")]))
    changed = framework("acme-1", "2")
    with pytest.raises(FormatImportError, match="new id"):
        install(library, folder, Imported("v2", [changed]))
    report = install(library, folder, Imported("v2", [framework("acme-2", "2")]))
    assert report.created and (folder / "frameworks" / "acme-1.yaml").exists()


def test_dry_run_writes_nothing(tmp_path: Path, library: Library) -> None:
    report = install(library, tmp_path / "c", Imported("x", [framework()]), dry_run=True)
    assert report.created and not (tmp_path / "c").exists()
