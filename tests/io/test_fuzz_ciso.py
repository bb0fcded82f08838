"""Fuzzing the CISO Assistant importer: a library holding a new framework with its own mapping
set, and a mapping library between two shipped frameworks, each broken at random
(``tree_mutations``) and imported by the real service into a workspace, as `frameworks
import` and `mappings import` do. It must succeed or raise a ``CrosswalkError``, and a
refusal leaves the workspace unchanged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from hypothesis import given
from hypothesis import strategies as st

from crosswalk.catalogs.loader import Library
from crosswalk.services.mapping.formats import convert_framework_file, convert_mapping_file
from crosswalk.store.workspace import Workspace
from tests.fuzzing import fuzz, fuzz_settings
from tests.io.test_fuzz_oscal import imported_or_refused
from tests.io.tree_mutations import MARK, RAW, damaged, mutated

pytestmark = fuzz

ISO = "iso27001-2022"
NIST = "nist-csf-2.0"


def _node(ref: str, parent: str | None = None, **extra: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"urn": f"urn:test:risk:req_node:tiny:{ref.lower()}", "ref_id": ref}
    if parent is not None:
        entry["parent_urn"] = f"urn:test:risk:req_node:tiny:{parent.lower()}"
    return {**entry, **extra}


FRAMEWORK: dict[str, Any] = {
    "urn": "urn:test:risk:library:tiny",
    "ref_id": "TINY",
    "name": "Tiny library",
    "version": 2,
    "publication_date": "2026-01-02",
    "provider": "Test provider",
    "packager": "test",
    "copyright": "Written for the tests",
    "objects": {
        "framework": {
            "urn": "urn:test:risk:framework:tiny",
            "ref_id": "TINY",
            "name": "Tiny framework",
            "requirement_nodes": [
                _node("1", assessable=False, name="Governance", depth=1),
                _node("1.1", "1", assessable=True, name="Policy", description="Keep one."),
                _node("1.2", "1", assessable=True, name="Review", depth=2),
            ],
        },
        "requirement_mapping_sets": [
            {
                "urn": "urn:test:risk:req_mapping_set:tiny-iso",
                "ref_id": "tiny-to-iso",
                "name": "Tiny to ISO",
                "source_framework_urn": "urn:test:risk:framework:tiny",
                "target_framework_urn": f"urn:intuitem:risk:framework:{ISO}",
                "requirement_mappings": [
                    {
                        "source_requirement_urn": "urn:test:risk:req_node:tiny:1.1",
                        "target_requirement_urn": f"urn:intuitem:risk:req_node:{ISO}:a.5.1",
                        "relationship": "subset",
                        "strength_of_relationship": 7,
                        "rationale": "semantic",
                    }
                ],
            }
        ],
    },
}
MAPPING: dict[str, Any] = {
    "urn": "urn:test:risk:library:mapping-test",
    "ref_id": "mapping-test",
    "name": "Test mapping",
    "version": 1,
    "objects": {
        "requirement_mapping_sets": [
            {
                "urn": "urn:test:risk:req_mapping_set:test",
                "ref_id": "test-set",
                "name": "CSF to ISO",
                "source_framework_urn": f"urn:intuitem:risk:framework:{NIST}",
                "target_framework_urn": f"urn:intuitem:risk:framework:{ISO}",
                "requirement_mappings": [
                    {
                        "source_requirement_urn": f"urn:intuitem:risk:req_node:{NIST}:gv.po-01",
                        "target_requirement_urn": f"urn:intuitem:risk:req_node:{ISO}:a.5.1",
                        "relationship": "intersect",
                    },
                    {
                        "source_requirement_urn": f"urn:intuitem:risk:req_node:{NIST}:pr.aa-01",
                        "target_requirement_urn": f"urn:intuitem:risk:req_node:{ISO}:a.5.16",
                        "relationship": "equal",
                        "strength_of_relationship": "9",
                    },
                ],
            }
        ]
    },
}
# YAML of its own kind that a serializer would not write: flow nesting, aliases, tags.
YAML_RAW = [
    *RAW,
    "&a [*a]",
    "!!python/object:os.system x",
    "!!binary aGVsbG8=",
    "*undefined",
    "{? [a]: b}",
    '"\\ud800"',
]


def render(document: Any, texts: list[str]) -> bytes:
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=1 << 20)
    for number, raw in enumerate(texts):
        text = text.replace(f"'{MARK.format(number)}'", raw).replace(MARK.format(number), raw)
    return text.encode("utf-8", "surrogatepass")


def _library_bytes(data: st.DataObject, base: dict[str, Any]) -> bytes:
    document, texts = data.draw(mutated(base, YAML_RAW))
    try:
        raw = render(document, texts)
    except (yaml.YAMLError, UnicodeEncodeError):
        raw = render(base, [])  # a value YAML cannot hold: the bytes get broken instead
    return data.draw(damaged(raw))


@fuzz_settings
@given(data=st.data())
def test_a_broken_framework_library_is_imported_or_refused_cleanly(
    data: st.DataObject, tmp_path: Path, sqlite_workspace: Workspace, library: Library
) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_bytes(_library_bytes(data, FRAMEWORK))
    imported_or_refused(sqlite_workspace, library, lambda: convert_framework_file(path, library))


@fuzz_settings
@given(data=st.data())
def test_a_broken_mapping_library_is_imported_or_refused_cleanly(
    data: st.DataObject, tmp_path: Path, sqlite_workspace: Workspace, library: Library
) -> None:
    path = tmp_path / "mapping.yaml"
    path.write_bytes(_library_bytes(data, MAPPING))
    imported_or_refused(sqlite_workspace, library, lambda: convert_mapping_file(path, library))


def test_the_starting_libraries_import(tmp_path: Path, library: Library) -> None:
    """The fuzzing starts from libraries that import, so it reaches past the first checks."""
    path = tmp_path / "tiny.yaml"
    path.write_bytes(render(FRAMEWORK, []))
    imported = convert_framework_file(path, library)
    assert [r.ref for r in imported.frameworks[0].requirements] == ["1", "1.1", "1.2"]
    assert len(imported.mapping_sets[0].mappings) == 1
    path = tmp_path / "mapping.yaml"
    path.write_bytes(render(MAPPING, []))
    assert len(convert_mapping_file(path, library).mapping_sets[0].mappings) == 2
