"""Fuzzing the OSCAL importers: catalogs (JSON, XML, and YAML or XML reached through a
profile's import), profiles and mapping collections. Each starts from a small valid document
and breaks it (``tree_mutations``). The real import service then runs into a workspace,
and it must either succeed or raise a ``CrosswalkError``; when it refuses, the workspace
(its database and its catalogs folder) is unchanged."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from hypothesis import event, given
from hypothesis import strategies as st

from crosswalk.catalogs.loader import Library
from crosswalk.domain.errors import CrosswalkError
from crosswalk.io.converted import Imported
from crosswalk.io.oscal_xml_writer import write_oscal_xml
from crosswalk.services.mapping.formats import (
    convert_framework_file,
    convert_mapping_file,
    install,
)
from crosswalk.store.workspace import Workspace
from tests.fuzzing import fuzz, fuzz_settings, workspace_fingerprint
from tests.io.tree_mutations import MARK, damaged, mutated, render_json, xml_mutations

pytestmark = fuzz

CATALOG: dict[str, Any] = {
    "catalog": {
        "uuid": "3c4f7f1e-0000-4000-8000-000000000001",
        "metadata": {
            "title": "Tiny Catalog",
            "version": "1.0",
            "oscal-version": "1.1.2",
            "parties": [{"uuid": "p-1", "type": "organization", "name": "Acme"}],
            "responsible-parties": [{"role-id": "publisher", "party-uuids": ["p-1"]}],
        },
        "params": [{"id": "x-1", "label": "frequency"}],
        "groups": [
            {
                "id": "ac",
                "class": "family",
                "title": "Access",
                "controls": [
                    {
                        "id": "ac-1",
                        "title": "Policy",
                        "params": [
                            {"id": "ac-1_prm_1", "select": {"how-many": "one", "choice": ["a"]}}
                        ],
                        "props": [{"name": "label", "value": "AC-1"}],
                        "links": [{"href": "#res-1", "rel": "reference"}],
                        "parts": [
                            {
                                "id": "ac-1_smt",
                                "name": "statement",
                                "prose": "Review {{ insert: param, ac-1_prm_1 }} each year.",
                                "parts": [{"id": "ac-1_smt.a", "name": "item", "prose": "A."}],
                            }
                        ],
                        "controls": [
                            {
                                "id": "ac-1.1",
                                "title": "Enhanced",
                                "props": [{"name": "status", "value": "withdrawn"}],
                                "links": [{"href": "#ac-2", "rel": "incorporated-into"}],
                            }
                        ],
                    },
                    {"id": "ac-2", "title": "Accounts"},
                ],
            }
        ],
        "back-matter": {"resources": [{"uuid": "res-1", "title": "Ref", "rlinks": []}]},
    }
}
PROFILE: dict[str, Any] = {
    "profile": {
        "uuid": "3c4f7f1e-0000-4000-8000-000000000002",
        "metadata": {"title": "Tiny Baseline", "version": "1", "oscal-version": "1.1.2"},
        "imports": [
            {
                "href": "catalog.json",
                "include-controls": [{"with-ids": ["ac-1", "ac-2"], "with-child-controls": "yes"}],
            }
        ],
        "merge": {"as-is": True},
        "modify": {
            "set-parameters": [{"param-id": "ac-1_prm_1", "values": ["monthly"]}],
            "alters": [
                {
                    "control-id": "ac-2",
                    "adds": [{"position": "ending", "props": [{"name": "priority", "value": "1"}]}],
                    "removes": [{"by-name": "label"}],
                }
            ],
        },
    }
}
COLLECTION: dict[str, Any] = {
    "mapping-collection": {
        "uuid": "3c4f7f1e-0000-4000-8000-000000000003",
        "metadata": {"title": "SOC 2 to ISO", "version": "1", "oscal-version": "1.2.0"},
        "provenance": {"method": "human", "matching-rationale": "semantic", "status": "complete"},
        "mappings": [
            {
                "uuid": "3c4f7f1e-0000-4000-8000-000000000004",
                "source-resource": {"type": "catalog", "href": "soc2.json"},
                "target-resource": {"type": "catalog", "href": "iso.json"},
                "maps": [
                    {
                        "uuid": "3c4f7f1e-0000-4000-8000-000000000005",
                        "relationship": "subset-of",
                        "sources": [{"type": "control", "id-ref": "CC6.1"}],
                        "targets": [{"type": "control", "id-ref": "A.5.15"}],
                        "confidence-score": {"percentage": 0.7},
                        "props": [{"name": "strength", "value": "7"}],
                    },
                    {
                        "uuid": "3c4f7f1e-0000-4000-8000-000000000006",
                        "relationship": "intersects-with",
                        "sources": [{"type": "control", "id-ref": "CC6.2"}],
                        "targets": [
                            {"type": "control", "id-ref": "A.5.16"},
                            {"type": "control", "id-ref": "A.5.18"},
                        ],
                    },
                ],
            }
        ],
    }
}
IDS = {"source": "soc2-tsc-2017", "target": "iso27001-2022"}


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def imported_or_refused(
    workspace: Workspace, library: Library, convert: Callable[[], Imported]
) -> None:
    """Success, or a clean refusal that changed nothing in the workspace."""
    folder = workspace.root / "catalogs"
    before = (workspace_fingerprint(workspace), _files(folder))
    try:
        report = install(library, folder, convert())
    except CrosswalkError as error:
        event(f"refused: {type(error).__name__}")
        assert str(error).strip()
        assert (workspace_fingerprint(workspace), _files(folder)) == before
        return
    event("imported")
    for created in report.created:  # the next case starts from the same workspace
        Path(created).unlink()


def render_yaml(document: Any, texts: list[str]) -> bytes:
    text = yaml.safe_dump(document, allow_unicode=True, width=1 << 20)
    for number, raw in enumerate(texts):
        text = text.replace(MARK.format(number), raw)
    return text.encode("utf-8", "surrogatepass")


def _written(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@fuzz_settings
@given(data=st.data())
def test_a_broken_catalog_is_imported_or_refused_cleanly(
    data: st.DataObject, tmp_path: Path, sqlite_workspace: Workspace, library: Library
) -> None:
    document, texts = data.draw(mutated(CATALOG))
    path = _written(tmp_path / "catalog.json", data.draw(damaged(render_json(document, texts))))
    imported_or_refused(sqlite_workspace, library, lambda: convert_framework_file(path, library))


@fuzz_settings
@given(data=st.data())
def test_a_broken_xml_catalog_is_imported_or_refused_cleanly(
    data: st.DataObject, tmp_path: Path, sqlite_workspace: Workspace, library: Library
) -> None:
    raw = data.draw(damaged(data.draw(xml_mutations(write_oscal_xml(CATALOG)))))
    path = _written(tmp_path / "catalog.xml", raw)
    imported_or_refused(sqlite_workspace, library, lambda: convert_framework_file(path, library))


@fuzz_settings
@given(data=st.data())
def test_a_broken_profile_is_imported_or_refused_cleanly(
    data: st.DataObject, tmp_path: Path, sqlite_workspace: Workspace, library: Library
) -> None:
    (tmp_path / "catalog.json").write_text(json.dumps(CATALOG), encoding="utf-8")
    document, texts = data.draw(mutated(PROFILE))
    path = _written(tmp_path / "profile.json", data.draw(damaged(render_json(document, texts))))
    imported_or_refused(sqlite_workspace, library, lambda: convert_framework_file(path, library))


@fuzz_settings
@given(data=st.data(), suffix=st.sampled_from([".yaml", ".json", ".xml"]))
def test_a_profile_importing_a_broken_catalog_is_imported_or_refused_cleanly(
    data: st.DataObject,
    suffix: str,
    tmp_path: Path,
    sqlite_workspace: Workspace,
    library: Library,
) -> None:
    """The catalog a profile imports, in YAML, JSON or XML, broken."""
    if suffix == ".xml":
        raw = data.draw(xml_mutations(write_oscal_xml(CATALOG)))
    else:
        document, texts = data.draw(mutated(CATALOG))
        render = render_yaml if suffix == ".yaml" else render_json
        try:
            raw = render(document, texts)
        except (yaml.YAMLError, UnicodeEncodeError):
            raw = render_json(document, texts)  # text YAML cannot hold: try it as JSON
    _written(tmp_path / f"catalog{suffix}", data.draw(damaged(raw)))
    profile = copy.deepcopy(PROFILE)
    profile["profile"]["imports"][0]["href"] = f"catalog{suffix}"
    path = _written(tmp_path / "profile.json", json.dumps(profile).encode())
    imported_or_refused(sqlite_workspace, library, lambda: convert_framework_file(path, library))


@fuzz_settings
@given(data=st.data())
def test_a_broken_mapping_collection_is_imported_or_refused_cleanly(
    data: st.DataObject, tmp_path: Path, sqlite_workspace: Workspace, library: Library
) -> None:
    document, texts = data.draw(mutated(COLLECTION))
    path = _written(tmp_path / "mapping.json", data.draw(damaged(render_json(document, texts))))
    imported_or_refused(
        sqlite_workspace,
        library,
        lambda: convert_mapping_file(path, library, framework_ids=dict(IDS)),
    )


def test_the_starting_documents_import(
    tmp_path: Path, sqlite_workspace: Workspace, library: Library
) -> None:
    """The fuzzing starts from documents that import, so it reaches past the first checks."""
    catalog = _written(tmp_path / "catalog.json", json.dumps(CATALOG).encode())
    framework = convert_framework_file(catalog, library).frameworks[0]
    assert [r.ref for r in framework.requirements] == ["ac", "ac-1", "ac-1.1", "ac-2"]
    xml = _written(tmp_path / "catalog.xml", write_oscal_xml(CATALOG).encode())
    assert convert_framework_file(xml, library).frameworks[0].requirements == framework.requirements
    (tmp_path / "catalog.yaml").write_bytes(render_yaml(CATALOG, []))
    profile = copy.deepcopy(PROFILE)
    profile["profile"]["imports"][0]["href"] = "catalog.yaml"
    path = _written(tmp_path / "profile.json", json.dumps(profile).encode())
    assert len(convert_framework_file(path, library).frameworks[0].requirements) == 4
    collection = _written(tmp_path / "mapping.json", json.dumps(COLLECTION).encode())
    sets = convert_mapping_file(collection, library, framework_ids=dict(IDS)).mapping_sets
    assert len(sets[0].mappings) == 3
