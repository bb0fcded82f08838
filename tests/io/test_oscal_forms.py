"""OSCAL in JSON, YAML and XML imports the same (issue 16, acceptance 3).

NIST publishes every catalog and profile in the three forms. The shipped SP 800-53 5.0.1
catalog and the LOW and FedRAMP MODERATE profiles (read in place) are written in each form
by our own writers (``json``, ``oscal_document.yaml_text``, ``oscal_xml_writer``) and
imported through the service each form goes through; the frameworks must be the same,
but for the source, which names the file.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from crosswalk.catalogs.loader import Library
from crosswalk.domain.requirements import Framework
from crosswalk.io.converted import ConversionError
from crosswalk.io.oscal_document import yaml_text
from crosswalk.io.oscal_mapping import write_mapping_collection
from crosswalk.io.oscal_xml_writer import write_oscal_xml
from crosswalk.services.mapping.formats import convert_framework_file, convert_mapping_file
from tests.conftest import SHARED

CATALOGS = SHARED / "fixtures" / "oscal" / "catalogs"
SP800_53 = CATALOGS / "NIST_SP-800-53_rev5_catalog_v5.0.1_2021-06-08.json"
LOW = CATALOGS / "NIST_SP-800-53_rev5_LOW-baseline_profile.json"
FEDRAMP = CATALOGS / "FedRAMP_rev5_MODERATE-baseline_profile.json"

WRITERS: dict[str, Callable[[dict[str, Any]], str]] = {
    "json": lambda document: json.dumps(document, indent=2, ensure_ascii=False),
    "yaml": yaml_text,
    "xml": write_oscal_xml,
}

pytestmark = pytest.mark.skipif(not SP800_53.exists(), reason="fixtures not found")


@pytest.fixture(scope="module")
def forms(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Path]]:
    """form -> fixture name -> the fixture written in that form by our writers."""
    written: dict[str, dict[str, Path]] = {}
    for form, writer in WRITERS.items():
        folder = tmp_path_factory.mktemp(form)
        for fixture in (SP800_53, LOW, FEDRAMP):
            document = json.loads(fixture.read_text(encoding="utf-8"))
            path = folder / f"{fixture.stem}.{form}"
            path.write_text(writer(document), encoding="utf-8")
            written.setdefault(form, {})[fixture.name] = path
    return written


def _but_source(framework: Framework) -> Framework:
    return dataclasses.replace(framework, source="")


def test_the_catalog_imports_the_same_from_json_yaml_and_xml(
    library: Library, forms: dict[str, dict[str, Path]]
) -> None:
    read = {
        form: convert_framework_file(paths[SP800_53.name], library) for form, paths in forms.items()
    }
    (from_json,) = read["json"].frameworks
    assert from_json.id == "nist-sp-800-53-rev5" and len(from_json.requirements) == 1209
    for form in ("yaml", "xml"):
        (framework,) = read[form].frameworks
        assert _but_source(framework) == _but_source(from_json), form
        assert framework.source.startswith(f"{SP800_53.stem}.{form} ")
        assert read[form].notes == read["json"].notes


@pytest.mark.parametrize("profile", [LOW, FEDRAMP], ids=["nist-low", "fedramp-moderate"])
def test_a_profile_resolves_the_same_from_json_yaml_and_xml(
    library: Library, forms: dict[str, dict[str, Path]], profile: Path
) -> None:
    read = {
        form: convert_framework_file(
            paths[profile.name], library, catalog=str(paths[SP800_53.name])
        )
        for form, paths in forms.items()
    }
    (from_json,) = read["json"].frameworks
    assert len(from_json.requirements) > 100
    for form in ("yaml", "xml"):
        (framework,) = read[form].frameworks
        assert _but_source(framework) == _but_source(from_json), form
        named = {forms[form][f.name].name: forms["json"][f.name].name for f in (SP800_53, profile)}
        notes = read[form].notes
        for name, json_name in named.items():
            notes = [n.replace(name, json_name) for n in notes]
        assert notes == read["json"].notes


def test_a_mapping_collection_in_yaml_is_read_as_oscal(library: Library, tmp_path: Path) -> None:
    original = library.mapping_sets["soc2-to-iso27001-2022"]
    document = write_mapping_collection(original, library.frameworks)
    path = tmp_path / "soc2-to-iso.yaml"
    path.write_text(yaml_text(document), encoding="utf-8")
    (mapping_set,) = convert_mapping_file(path, library).mapping_sets
    assert mapping_set.mappings and sorted(e.source for e in mapping_set.mappings) == sorted(
        e.source for e in original.mappings
    )


def test_xml_with_entity_expansion_is_refused(library: Library, tmp_path: Path) -> None:
    laughs = "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))
    path = tmp_path / "laughs.xml"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE catalog [<!ENTITY l0 "ha">' + laughs + "]>\n"
        '<catalog xmlns="http://csrc.nist.gov/ns/oscal/1.0" uuid="x"><metadata>'
        "<title>&l9;</title></metadata></catalog>\n",
        encoding="utf-8",
    )
    with pytest.raises(ConversionError, match="DTD"):
        convert_framework_file(path, library)
