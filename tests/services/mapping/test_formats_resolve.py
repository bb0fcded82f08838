"""The service behind ``frameworks resolve`` and profile imports (issue 23)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from crosswalk.catalogs.loader import Library
from crosswalk.io.oscal_catalog import read_oscal_catalog
from crosswalk.services.mapping.formats import (
    FormatImportError,
    catalog_override,
    convert_framework_file,
    resolve_profile_file,
)
from tests.conftest import SHARED

CATALOGS = SHARED / "fixtures" / "oscal" / "catalogs"
SP800_53 = CATALOGS / "NIST_SP-800-53_rev5_catalog_v5.0.1_2021-06-08.json"
LOW = CATALOGS / "NIST_SP-800-53_rev5_LOW-baseline_profile.json"
BY_ID = SHARED / "fixtures/oscal/profile-resolution/requirement-tests/req-include-by-id.xml"

pytestmark = pytest.mark.skipif(not SP800_53.exists(), reason="fixtures not found")


def test_catalog_override_is_a_file_or_a_loaded_framework(library: Library) -> None:
    assert catalog_override(None, lambda: library.frameworks) is None
    from_file = catalog_override(str(SP800_53), lambda: pytest.fail("no library needed"))
    assert from_file is not None and from_file.file_name == SP800_53.name
    loaded = {
        **library.frameworks,
        "nist-sp-800-53-rev5": read_oscal_catalog(SP800_53).frameworks[0],
    }
    from_framework = catalog_override("nist-sp-800-53-rev5", lambda: loaded)
    assert from_framework is not None and from_framework.label == "nist-sp-800-53-rev5"
    with pytest.raises(FormatImportError, match="neither an OSCAL catalog file nor a loaded"):
        catalog_override("no-such-thing", lambda: library.frameworks)


def test_resolve_profile_file_is_a_frozen_view_in_each_format(library: Library) -> None:
    result = resolve_profile_file(LOW, str(SP800_53), "oscal", lambda: library.frameworks)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.controls = 0  # type: ignore[misc]
    assert (result.controls, result.groups, result.selected_only_as_parents) == (149, 18, 0)
    assert len(json.loads(result.text)["catalog"]["groups"]) == 18
    xml = resolve_profile_file(LOW, str(SP800_53), "xml", lambda: library.frameworks)
    assert xml.text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<catalog')
    ours = resolve_profile_file(LOW, str(SP800_53), "json", lambda: library.frameworks)
    document = json.loads(ours.text)
    assert document["framework"]["id"] == "nist-sp-800-53-rev5-low"
    assert ours.controls == 149
    with pytest.raises(FormatImportError, match="--format must be one of oscal, xml, json"):
        resolve_profile_file(LOW, None, "yaml", lambda: library.frameworks)


def test_an_xml_profile_imports_as_a_framework(library: Library, tmp_path: Path) -> None:
    imported = convert_framework_file(BY_ID, library)
    (framework,) = imported.frameworks
    assert framework.id == "alphabet-catalog-1.0-test"
    assert [r.ref for r in framework.requirements] == ["a1", "b1", "c1", "c3", "c3.a", "c3.a-1"]
