"""OSCAL documents whose fields have the wrong JSON type, repeat a key, or arrive in another
encoding are refused with the file and the JSON path. Before, some gave a traceback (a list
used as a party's uuid) and others were read with the field silently skipped (props given as
an object, parts as a string, a confidence score as text, the last of two keys kept).
Hostile XML (a DTD in any encoding, deep nesting) is refused too."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from crosswalk.catalogs.loader import Library
from crosswalk.domain.errors import CrosswalkError
from crosswalk.io.ciso_assistant import read_library
from crosswalk.io.converted import ConversionError
from crosswalk.io.oscal_catalog import read_oscal_catalog
from crosswalk.io.oscal_mapping import read_mapping_collection
from crosswalk.io.oscal_profile import read_oscal_profile
from crosswalk.services.mapping.formats import convert_framework_file, resolve_profile_file

NS = "http://csrc.nist.gov/ns/oscal/1.0"
CATALOG: dict[str, Any] = {
    "catalog": {
        "uuid": "8b7d5d7e-0000-4000-8000-000000000001",
        "metadata": {
            "title": "Tiny Catalog",
            "version": "1",
            "oscal-version": "1.1.2",
            "parties": [{"uuid": "p-1", "type": "organization", "name": "Acme"}],
        },
        "groups": [
            {
                "id": "g",
                "title": "G",
                "controls": [
                    {
                        "id": "c-1",
                        "title": "One",
                        "props": [{"name": "label", "value": "C-1"}],
                        "parts": [{"id": "c-1_smt", "name": "statement", "prose": "Do one."}],
                    },
                    {"id": "c-2", "title": "Two"},
                ],
            }
        ],
    }
}


def write(tmp_path: Path, document: Any, name: str = "catalog.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def changed(edit: Any) -> dict[str, Any]:
    document = copy.deepcopy(CATALOG)
    edit(document["catalog"])
    return document


def refusal(tmp_path: Path, document: Any) -> ConversionError:
    path = write(tmp_path, document)
    with pytest.raises(ConversionError) as caught:
        read_oscal_catalog(path)
    assert caught.value.path == str(path)
    return caught.value


def test_a_list_where_a_uuid_is_wanted_is_refused_with_its_path(tmp_path: Path) -> None:
    def party(catalog: dict[str, Any]) -> None:  # a traceback before: a list as a dict key
        catalog["metadata"]["parties"][0]["uuid"] = ["p-1"]

    error = refusal(tmp_path, changed(party))
    assert error.where == "catalog.metadata.parties[0].uuid"
    assert error.message == "expected a string, got a list"

    def control(catalog: dict[str, Any]) -> None:  # read silently before
        catalog["groups"][0]["controls"][1]["uuid"] = {"value": "x"}

    error = refusal(tmp_path, changed(control))
    assert str(error).endswith(
        "at catalog.groups[0].controls[1].uuid: expected a string, got an object"
    )


def test_props_as_an_object_and_parts_as_a_string_are_refused(tmp_path: Path) -> None:
    def props(catalog: dict[str, Any]) -> None:
        catalog["groups"][0]["controls"][0]["props"] = {"name": "label", "value": "C-1"}

    error = refusal(tmp_path, changed(props))
    assert (error.where, error.message) == (
        "catalog.groups[0].controls[0].props",
        "expected a list of objects, got an object",
    )

    def parts(catalog: dict[str, Any]) -> None:
        catalog["groups"][0]["controls"][0]["parts"] = "Do one."

    error = refusal(tmp_path, changed(parts))
    assert error.where == "catalog.groups[0].controls[0].parts"

    def item(catalog: dict[str, Any]) -> None:
        catalog["groups"][0]["controls"][0]["props"].append("label=C-1")

    error = refusal(tmp_path, changed(item))
    assert (error.where, error.message) == (
        "catalog.groups[0].controls[0].props[1]",
        "expected an object, got a string",
    )


def test_a_number_where_text_is_wanted_reads_as_its_text(tmp_path: Path) -> None:
    def number(catalog: dict[str, Any]) -> None:
        catalog["groups"][0]["controls"][0]["props"][0]["value"] = 7

    imported = read_oscal_catalog(write(tmp_path, changed(number)))
    assert imported.frameworks[0].get("c-1").attributes["label"] == "7"  # type: ignore[union-attr]

    def boolean(catalog: dict[str, Any]) -> None:
        catalog["groups"][0]["controls"][0]["props"][0]["value"] = True

    assert refusal(tmp_path, changed(boolean)).message == "expected a string, got true or false"


def test_a_key_given_twice_is_refused_with_its_path(tmp_path: Path) -> None:
    text = json.dumps(CATALOG).replace('"title": "Two"', '"title": "Two", "title": "Deux"')
    path = tmp_path / "twice.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConversionError) as caught:
        read_oscal_catalog(path)
    assert caught.value.where == "catalog.groups[0].controls[1]"
    assert "'title' is given more than once" in caught.value.message


def collection(**extra: Any) -> dict[str, Any]:
    entry = {
        "uuid": "m-1",
        "relationship": "intersects-with",
        "sources": [{"type": "control", "id-ref": "CC6.1"}],
        "targets": [{"type": "control", "id-ref": "A.5.15"}],
        **extra,
    }
    return {
        "mapping-collection": {
            "uuid": "c-1",
            "metadata": {"title": "SOC 2 to ISO", "version": "1", "oscal-version": "1.2.0"},
            "provenance": {"method": "human", "matching-rationale": "semantic"},
            "mappings": [
                {
                    "uuid": "mp-1",
                    "source-resource": {"type": "catalog", "href": "soc2.json"},
                    "target-resource": {"type": "catalog", "href": "iso.json"},
                    "maps": [entry],
                }
            ],
        }
    }


IDS = {"source": "soc2-tsc-2017", "target": "iso27001-2022"}


def test_a_confidence_score_given_as_text_is_refused(tmp_path: Path, library: Library) -> None:
    path = write(tmp_path, collection(**{"confidence-score": {"percentage": 0.8}}), "m.json")
    edges = read_mapping_collection(path, library.frameworks, IDS).mapping_sets[0].mappings
    assert [e.strength for e in edges] == [8]
    path = write(tmp_path, collection(**{"confidence-score": {"percentage": "0.8"}}), "m.json")
    with pytest.raises(ConversionError) as caught:
        read_mapping_collection(path, library.frameworks, IDS)
    assert caught.value.where == (
        "mapping-collection.mappings[0].maps[0].confidence-score.percentage"
    )
    assert caught.value.message == "expected a number, got a string"


def test_text_that_is_not_utf8_is_named_by_line_and_offset_everywhere(
    tmp_path: Path, library: Library
) -> None:
    wording = "byte 0xe9 at offset {} is not UTF-8 text; save the file as UTF-8"

    def latin1(name: str, text: str) -> tuple[Path, int]:
        raw = text.replace("Tiny", "Tin\u00e9").encode("latin-1")
        (tmp_path / name).write_bytes(raw)
        return tmp_path / name, raw.index(b"\xe9")

    path, offset = latin1("m.json", json.dumps(collection()).replace("SOC 2", "Tiny"))
    with pytest.raises(ConversionError) as caught:
        read_mapping_collection(path, library.frameworks, IDS)
    assert (caught.value.where, caught.value.message) == ("line 1", wording.format(offset))
    path, offset = latin1("catalog.json", json.dumps(CATALOG, indent=1))
    profile = {
        "profile": {
            "uuid": "p",
            "metadata": {"title": "P", "version": "1", "oscal-version": "1.1.2"},
            "imports": [{"href": "catalog.json", "include-all": {}}],
        }
    }
    with pytest.raises(CrosswalkError) as refused:
        read_oscal_profile(write(tmp_path, profile, "profile.json"))
    line = path.read_bytes()[:offset].count(b"\n") + 1
    assert f"catalog.json at line {line}: {wording.format(offset)}" in str(refused.value)
    path, offset = latin1("catalog.yaml", "catalog:\n  metadata:\n    title: Tiny\n")
    profile["profile"]["imports"][0]["href"] = "catalog.yaml"
    with pytest.raises(CrosswalkError) as refused:
        read_oscal_profile(write(tmp_path, profile, "profile.json"))
    assert f"catalog.yaml at line 3: {wording.format(offset)}" in str(refused.value)
    path, offset = latin1("tiny.yaml", "urn: urn:test:risk:library:tiny\nname: Tiny\n")
    with pytest.raises(ConversionError) as caught:
        read_library(path, library.frameworks)
    assert (caught.value.where, caught.value.message) == ("line 2", wording.format(offset))


def test_a_huge_number_in_a_ciso_assistant_field_is_refused(
    tmp_path: Path, library: Library
) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text(
        "urn: urn:test:risk:library:tiny\nname: Tiny\nobjects:\n  framework:\n"
        "    urn: urn:test:risk:framework:tiny\n    ref_id: tiny\n    name: Tiny\n"
        "    requirement_nodes:\n    - urn: urn:test:risk:req_node:tiny:a\n      ref_id: A\n"
        "      name: A\n      assessable: true\n      depth: " + "9" * 5000 + "\n",
        encoding="utf-8",
    )
    with pytest.raises(ConversionError, match="a number of 5000 digits is too large") as caught:
        read_library(path, library.frameworks)
    assert caught.value.where.endswith(".depth")


def xml_catalog(title: str = "Tiny", prolog: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-16"?>{prolog}'
        f'<catalog xmlns="{NS}" uuid="u"><metadata><title>{title}</title><version>1</version>'
        "<oscal-version>1.1.2</oscal-version></metadata>"
        '<control id="c-1"><title>One</title></control></catalog>'
    )


def test_xml_with_a_dtd_is_refused_in_any_encoding(tmp_path: Path, library: Library) -> None:
    """UTF-16 hid the DTD from the byte check: an entity expanding to 4 MB was read."""
    entities = (
        '<!ENTITY a "'
        + "a" * 1000
        + '">'
        + "".join(
            f'<!ENTITY {n} "{("&" + p + ";") * 64}">' for p, n in zip("ab", "bc", strict=True)
        )
    )
    laughs = tmp_path / "laughs.xml"
    laughs.write_bytes(xml_catalog("&c;", f"<!DOCTYPE catalog [{entities}]>").encode("utf-16"))
    external = tmp_path / "external.xml"
    external.write_bytes(
        xml_catalog("&x;", '<!DOCTYPE catalog [<!ENTITY x SYSTEM "file:///etc/passwd">]>').encode(
            "utf-16"
        )
    )
    for path in (laughs, external):
        with pytest.raises(ConversionError, match=r"the XML has a DTD") as caught:
            convert_framework_file(path, library)
        assert caught.value.path == str(path)
    plain = tmp_path / "plain.xml"
    plain.write_bytes(xml_catalog().encode("utf-16"))
    assert convert_framework_file(plain, library).frameworks[0].name == "Tiny"


def test_xml_nested_past_the_limit_is_refused(tmp_path: Path, library: Library) -> None:
    deep = tmp_path / "deep.xml"
    nested = "<part name='item'>" * 5000 + "</part>" * 5000
    deep.write_text(
        f'<catalog xmlns="{NS}" uuid="u"><metadata><title>Deep</title></metadata>'
        f'<control id="c-1"><title>One</title>{nested}</control></catalog>',
        encoding="utf-8",
    )
    with pytest.raises(ConversionError, match="nested more than 200 levels") as caught:
        convert_framework_file(deep, library)  # a RecursionError before
    assert caught.value.path == str(deep)


def test_a_profile_importing_an_empty_yaml_file_is_refused_by_name(
    tmp_path: Path, library: Library
) -> None:
    """Found by fuzzing: an empty YAML document is null, which the type check walked into."""
    (tmp_path / "catalog.yaml").write_bytes(b"")
    profile = {
        "profile": {
            "uuid": "p",
            "metadata": {"title": "P", "version": "1"},
            "imports": [{"href": "catalog.yaml", "include-all": {}}],
        }
    }
    with pytest.raises(ConversionError, match=r"catalog.yaml is null, not an OSCAL document"):
        convert_framework_file(write(tmp_path, profile, "profile.json"), library)


def test_null_where_an_object_is_wanted_is_refused(tmp_path: Path, library: Library) -> None:
    """Found by fuzzing: a catalog imported by a profile with ``"metadata": null`` was an
    AttributeError; OSCAL has no nulls, so a field given as null is refused by its path."""
    document = copy.deepcopy(CATALOG)
    document["catalog"]["metadata"] = None
    write(tmp_path, document)
    profile = {
        "profile": {
            "uuid": "p",
            "metadata": {"title": "P", "version": "1"},
            "imports": [{"href": "catalog.json", "include-all": {}}],
        }
    }
    with pytest.raises(
        ConversionError, match=r"catalog.json at catalog.metadata: expected an object, got null"
    ):
        convert_framework_file(write(tmp_path, profile, "profile.json"), library)


def test_other_oscal_models_are_refused_for_what_they_are(tmp_path: Path, library: Library) -> None:
    """An SSP's ``status`` is an object: the type check is for catalogs, profiles and
    mapping collections only, so an SSP is refused as not a catalog, not for its status."""
    ssp = {"system-security-plan": {"uuid": "s", "system-characteristics": {"status": {}}}}
    with pytest.raises(CrosswalkError, match="neither an OSCAL catalog nor a profile"):
        convert_framework_file(write(tmp_path, ssp, "ssp.json"), library)


def test_a_key_given_twice_in_a_ciso_assistant_library_is_refused_with_its_line(
    tmp_path: Path, library: Library
) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text(
        "urn: urn:test:risk:library:tiny\nname: Tiny\nobjects:\n  framework:\n"
        "    urn: urn:test:risk:framework:tiny\n    ref_id: tiny\n    name: Tiny\n"
        "    requirement_nodes:\n    - urn: urn:test:risk:req_node:tiny:a\n      ref_id: A\n"
        "      name: A\n      assessable: true\n      ref_id: B\n",
        encoding="utf-8",
    )
    with pytest.raises(ConversionError) as caught:
        read_library(path, library.frameworks)
    assert caught.value.where == "objects.framework.requirement_nodes[0]"
    assert caught.value.message == (
        "the key 'ref_id' is given more than once in one mapping (line 13)"
    )


def test_a_list_aliased_into_many_mapping_sets_is_refused(tmp_path: Path, library: Library) -> None:
    """A YAML alias makes one list of edges count as thousands (two lines each): read once
    per set, a few MB would keep an import busy for hours. No library uses aliases."""
    edge = (
        "  - source_requirement_urn: urn:intuitem:risk:req_node:nist-csf-2.0:gv.po-01\n"
        "    target_requirement_urn: urn:intuitem:risk:req_node:iso27001-2022:a.5.1\n"
        "    relationship: intersect\n"
    )
    sets = "".join(
        f"  - urn: urn:test:risk:req_mapping_set:s{n}\n    ref_id: s{n}\n"
        "    source_framework_urn: urn:intuitem:risk:framework:nist-csf-2.0\n"
        "    target_framework_urn: urn:intuitem:risk:framework:iso27001-2022\n"
        "    requirement_mappings: *edges\n"
        for n in range(2)
    )
    path = tmp_path / "bomb.yaml"
    path.write_text(
        "urn: urn:test:risk:library:bomb\nname: Bomb\nedges: &edges\n"
        + edge
        + "objects:\n  requirement_mapping_sets:\n"
        + sets,
        encoding="utf-8",
    )
    with pytest.raises(ConversionError, match=r"an alias \(\*name\) of one already read") as caught:
        read_library(path, library.frameworks)
    assert caught.value.where == "objects.requirement_mapping_sets[1]"


def test_a_yaml_catalog_repeating_lists_by_alias_is_refused(
    tmp_path: Path, library: Library
) -> None:
    """Aliases of aliases (``&a [x, x]``, ``&b [*a, *a]``, ...) nest into billions of
    entries from a few lines: every walk of the catalog would visit them all."""
    levels = "".join(f"l{n}: &l{n} [*l{n - 1}, *l{n - 1}, *l{n - 1}]\n" for n in range(1, 30))
    (tmp_path / "catalog.yaml").write_text(
        "l0: &l0 [x, x, x]\n" + levels + "catalog:\n  uuid: u\n  metadata: {title: Bomb}\n"
        "  controls:\n  - {id: c-1, title: One, x-extra: *l29}\n",
        encoding="utf-8",
    )
    profile = {
        "profile": {
            "uuid": "p",
            "metadata": {"title": "P", "version": "1"},
            "imports": [{"href": "catalog.yaml", "include-all": {}}],
        }
    }
    with pytest.raises(ConversionError, match=r"catalog.yaml: a YAML alias \(\*name\) repeats"):
        convert_framework_file(write(tmp_path, profile, "profile.json"), library)


@pytest.mark.parametrize("encoding", ["ttf-8", "rot13", "utf-7", "idna"])
def test_xml_declaring_an_encoding_that_cannot_be_read_is_refused(
    tmp_path: Path, library: Library, encoding: str
) -> None:
    """Found by fuzzing: one flipped byte (``utf-8`` -> ``ttf-8``) was a LookupError."""
    path = tmp_path / "catalog.xml"
    path.write_bytes(xml_catalog().replace("UTF-16", encoding).encode("utf-8"))
    with pytest.raises(ConversionError, match="the encoding the XML declares cannot be read"):
        convert_framework_file(path, library)


def test_numbers_past_64_bits_and_lone_surrogates_resolve_and_import(
    tmp_path: Path, library: Library
) -> None:
    """Found by fuzzing: ``json`` reads both, but orjson cannot write them back, and the
    resolver writes the resolved catalog as JSON (TypeError: Integer exceeds 64-bit range)."""
    write(tmp_path, CATALOG)
    big = "1" + "0" * 400
    (tmp_path / "profile.json").write_text(
        '{"profile": {"uuid": "p", "metadata": {"title": ' + big + ', "version": "1\\ud800"}, '
        '"imports": [{"href": "catalog.json", "include-all": {}}]}}',
        encoding="utf-8",
    )
    path = tmp_path / "profile.json"
    resolved = resolve_profile_file(path, None, "oscal", lambda: library.frameworks)
    assert big in resolved.text and "\\ud800" in resolved.text
    with pytest.raises(ConversionError, match="metadata has no 'title' \\(a non-empty string"):
        convert_framework_file(path, library)  # a title must be text, a clean refusal


def test_an_import_or_catalog_named_past_what_a_file_name_can_hold_is_refused(
    tmp_path: Path, library: Library
) -> None:
    """Found by fuzzing: an href of 100,000 characters made ``is_file`` raise OSError."""
    long_name = "x" * 100_000
    profile = {
        "profile": {
            "uuid": "p",
            "metadata": {"title": "P", "version": "1"},
            "imports": [{"href": long_name, "include-all": {}}],
        }
    }
    path = write(tmp_path, profile, "profile.json")
    with pytest.raises(ConversionError, match="is not here; pass the catalog it names"):
        convert_framework_file(path, library)
    with pytest.raises(CrosswalkError, match="neither an OSCAL catalog file nor a loaded"):
        convert_framework_file(path, library, catalog=long_name)
