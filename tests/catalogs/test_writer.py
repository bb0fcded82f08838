"""What the writer renders reads back exactly as the document it rendered, whatever the text:
that is what lets an import validate the document once instead of parsing its own output."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from types import MappingProxyType

from hypothesis import given, settings
from hypothesis import strategies as st

from crosswalk.catalogs.loader import Library
from crosswalk.catalogs.parse import parse_yaml_text, read_catalog, read_mapping_set
from crosswalk.catalogs.writer import (
    dump_framework,
    dump_mapping_set,
    framework_document,
    mapping_set_document,
    render_framework,
    render_mapping_set,
)
from crosswalk.domain.mappings import Mapping, MappingSet, Method, Provenance
from crosswalk.domain.relationships import RationaleKind, Relationship
from crosswalk.domain.requirements import Framework, Requirement

# Any text a UTF-8 file can hold (no lone surrogates), weighted towards the characters that
# JSON leaves raw and YAML treats specially: C1 controls, NEL, line and paragraph separators,
# the BOM and the two non-characters, quotes, backslashes, '#', ': ' and YAML indicators.
TRICKY = "\x00\t\n\r\x1b\x7f\x84\x85\x86\x9f\xa0\u2028\u2029\ufeff\ufffe\uffff\"'\\#:-{}[],&*!|>%@`"
text = st.text(
    alphabet=st.one_of(st.sampled_from(TRICKY), st.characters(blacklist_categories=("Cs",))),
    max_size=40,
)


def framework(title: str, body: str, key: str, value: str) -> Framework:
    return Framework(
        id="tricky-1",
        name=title or "T",
        version="1",
        publisher=value,
        source=body,
        notice=title,
        description=body,
        requirements=(
            Requirement("tricky-1", "G", title or "G", "group", text=body or None),
            Requirement(
                "tricky-1",
                "G.1",
                title or "G.1",
                "item",
                parent="G",
                text=body or None,
                attributes=MappingProxyType({key or "k": value}),
            ),
        ),
    )


@settings(max_examples=300, deadline=None)
@given(title=text, body=text, key=text, value=text, comment=text)
def test_a_framework_reads_back_as_its_document(
    title: str, body: str, key: str, value: str, comment: str
) -> None:
    document = framework_document(framework(title, body, key, value))
    rendered = render_framework(document, comment)
    rendered.encode("utf-8")  # always writable
    assert parse_yaml_text(rendered) == document


@settings(max_examples=150, deadline=None)
@given(note=text, key=text, value=text, comment=text)
def test_a_mapping_set_reads_back_as_its_document(
    note: str, key: str, value: str, comment: str
) -> None:
    edge = Mapping(
        "tricky-set",
        "soc2-tsc-2017:CC6.1",
        "iso27001-2022:A.5.15",
        Relationship.SUBSET_OF,
        RationaleKind.SEMANTIC,
        note or "n",
        7,
        attributes=MappingProxyType({key or "k": value}),
    )
    mapping_set = MappingSet(
        "tricky-set",
        "1",
        note or "t",
        "soc2-tsc-2017",
        "iso27001-2022",
        Provenance(value or "s", Method.HUMAN, reviewed_on=date(2026, 1, 2)),
        (edge,),
    )
    document = mapping_set_document(mapping_set)
    assert parse_yaml_text(render_mapping_set(document, comment)) == document


def test_the_characters_yaml_would_fold_or_refuse_are_escaped() -> None:
    odd = "a\x85b\u2028c\u2029d\x7fe\ufeff\ufffe"
    rendered = dump_framework(framework(odd, odd, "k", odd), "from\nsomewhere\u2028else")
    assert not any(c in rendered for c in "\x85\u2028\u2029\x7f\ufeff\ufffe")
    assert "\\u2028" in rendered and "\\u0085" in rendered
    assert rendered.splitlines()[0] == "# from somewhere else"  # the comment stays one line
    back = read_catalog(Path("t.yaml"), parse_yaml_text(rendered))
    assert back.name == odd and back.requirements[1].attributes["k"] == odd


def test_plain_text_is_written_as_before() -> None:
    """Nothing to escape: byte for byte what earlier versions wrote, so a re-import of a file
    imported before finds it unchanged."""
    fw = framework("Title", "Body: with 'quotes' and ü", "note", "ünïcode")
    assert dump_framework(fw) == render_framework(framework_document(fw))
    lines = dump_framework(fw, "Imported from x").splitlines()
    assert lines[:2] == ["# Imported from x", "format: crosswalk/catalog@1"]
    assert lines[-1] == (
        '  - {"ref": "G.1", "kind": "item", "title": "Title", "parent": "G", '
        '"text": "Body: with \'quotes\' and ü", "attributes": {"note": "ünïcode"}}'
    )


def test_dump_mapping_set_is_render_of_its_document(library: Library) -> None:
    shipped = library.mapping_sets["seed-primary"]
    document = mapping_set_document(shipped)
    assert dump_mapping_set(shipped, "x") == render_mapping_set(document, "x")
    again, problems = read_mapping_set(Path("x.yaml"), library.frameworks, document)
    assert problems == [] and again.mappings == shipped.mappings
