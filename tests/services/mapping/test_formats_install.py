"""Installing converted frameworks and mapping sets: checked, all or nothing, idempotent."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import MappingProxyType

import pytest

from crosswalk.catalogs.loader import CatalogError, Library, load_library
from crosswalk.domain.mappings import Mapping, MappingSet, Method, Provenance
from crosswalk.domain.relationships import RationaleKind, Relationship
from crosswalk.domain.requirements import Framework, Requirement
from crosswalk.io.converted import Imported
from crosswalk.services.mapping.formats import (
    FormatImportError,
    created_frameworks,
    install,
    installed_library,
)
from crosswalk.services.mapping.versions import sets_to_review


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


def test_install_validates_the_document_and_writes_what_the_loader_reads(
    tmp_path: Path, library: Library
) -> None:
    folder = tmp_path / "catalogs"
    odd = framework()
    odd = Framework(
        odd.id,
        "ACME\u2028policies\x85v1",  # YAML would fold these if they were written raw
        odd.version,
        odd.publisher,
        odd.source,
        odd.notice,
        odd.requirements,
    )
    install(library, folder, Imported("acme\nv1.xlsx", [odd]))
    written = folder / "frameworks" / "acme-1.yaml"
    assert written.read_text(encoding="utf-8").startswith("# Imported from acme v1.xlsx\n")
    assert not list(folder.rglob(".*.tmp"))  # written atomically: no temporary file left
    loaded = load_library([folder / "frameworks"])
    assert loaded.frameworks["acme-1"].name == "ACME\u2028policies\x85v1"


def test_a_name_yaml_cannot_read_back_is_refused_with_its_place(
    tmp_path: Path, library: Library
) -> None:
    long_key = "k" * 1001
    bad = framework()
    requirement = bad.requirements[1]
    bad = Framework(
        bad.id,
        bad.name,
        bad.version,
        bad.publisher,
        bad.source,
        bad.notice,
        (
            bad.requirements[0],
            Requirement(
                requirement.framework,
                requirement.ref,
                requirement.title,
                requirement.kind,
                requirement.parent,
                attributes=MappingProxyType({long_key: "v"}),
            ),
        ),
    )
    folder = tmp_path / "catalogs"
    with pytest.raises(CatalogError) as caught:
        install(library, folder, Imported("acme.json", [bad]))
    assert caught.value.path == str(folder / "frameworks" / "acme-1.yaml")
    assert caught.value.where == "requirements[1] (ref 'G.1').attributes"
    assert "1001 characters" in caught.value.message
    assert not folder.exists()


def test_text_that_is_not_unicode_installs_nothing(tmp_path: Path, library: Library) -> None:
    surrogate = framework()
    surrogate = Framework(
        surrogate.id,
        "ACME \ud800",  # an escaped lone surrogate in JSON reads as this
        surrogate.version,
        surrogate.publisher,
        surrogate.source,
        surrogate.notice,
        surrogate.requirements,
    )
    folder = tmp_path / "catalogs"
    with pytest.raises(CatalogError) as caught:
        install(library, folder, Imported("acme.json", [framework("acme-0"), surrogate]))
    assert caught.value.where == "framework.name" and "unicode" in caught.value.message
    # A file name that is not UTF-8 (Linux hands it over with surrogates) cannot go into the
    # comment line either: refused, and nothing written.
    with pytest.raises(FormatImportError, match="not valid Unicode") as refused:
        install(library, folder, Imported("acme-\udce9.json", [framework()]))
    assert "acme-1.yaml" in str(refused.value)
    assert not folder.exists()


def test_the_installed_library_is_what_the_next_command_loads(
    tmp_path: Path, library: Library
) -> None:
    folder = tmp_path / "catalogs"
    imported = Imported("acme.xlsx", [framework()], [mapping_set()])
    report = install(library, folder, imported)
    installed = installed_library(library, imported, report)
    loaded = load_library([folder / "frameworks", folder / "mappings"])
    assert installed.frameworks.keys() == loaded.frameworks.keys()
    assert installed.mapping_sets.keys() == loaded.mapping_sets.keys()
    assert installed.sources == loaded.sources
    assert created_frameworks(report) == ["acme-1"]
    again = install(loaded, folder, imported)
    assert created_frameworks(again) == [] and installed_library(loaded, imported, again) == loaded


def test_a_new_version_puts_the_sets_of_its_other_versions_up_for_review(
    library: Library,
) -> None:
    assert sets_to_review(library, "gdpr") == {}
    new = framework("iso27001-2030", "2030")
    extended = dataclasses.replace(library, frameworks={**library.frameworks, new.id: new})
    flagged = sets_to_review(extended, "iso27001-2030")
    assert flagged["seed-primary"] == ["iso27001-2022"]
    assert flagged["iso27001-2013-to-2022"] == ["iso27001-2013", "iso27001-2022"]
    assert all(
        {s.source_framework, s.target_framework} & {"iso27001-2013", "iso27001-2022"}
        for s in (library.mapping_sets[set_id] for set_id in flagged)
    )


def test_an_id_too_long_for_a_file_name_is_refused_before_anything_is_written(
    library: Library, tmp_path: Path
) -> None:
    """Found by fuzzing: a catalog titled with 100,000 characters made an id that no file
    name can hold (OSError, a traceback), whether the id came from a title or a urn."""
    long_id = "x" * 5000
    folder = tmp_path / "catalogs"
    for imported in (
        Imported("long.json", frameworks=[framework(long_id)]),
        Imported("long.yaml", mapping_sets=[dataclasses.replace(mapping_set(), id=long_id)]),
    ):
        with pytest.raises(FormatImportError, match=r"is 5,000 characters long.*--id"):
            install(library, folder, imported)
    assert not folder.exists()
