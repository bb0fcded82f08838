"""OSCAL JSON is read with orjson; whatever orjson refuses is read (or explained) by ``json``,
so every error still names the file and where in it, and nothing ``json`` read is lost."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from crosswalk.catalogs.loader import Library
from crosswalk.io.converted import ConversionError
from crosswalk.io.input_limits import parse_json
from crosswalk.io.oscal_catalog import read_oscal_catalog
from crosswalk.io.oscal_document import load_json
from crosswalk.io.oscal_mapping import read_mapping_collection
from crosswalk.services.mapping.formats import convert_framework_file

METADATA = {"title": "Tiny Catalog", "version": "1", "oscal-version": "1.1.2"}


def catalog(**extra: Any) -> dict[str, Any]:
    control = {"id": "c-1", "title": "One", **extra}
    return {
        "catalog": {
            "metadata": METADATA,
            "groups": [{"id": "g", "title": "G", "controls": [control]}],
        }
    }


def write(tmp_path: Path, data: bytes, name: str = "catalog.json") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def refused(path: Path) -> ConversionError:
    with pytest.raises(ConversionError) as caught:
        read_oscal_catalog(path)
    assert caught.value.path == str(path) and str(path) in str(caught.value)
    return caught.value


def test_orjson_reads_what_json_reads() -> None:
    document = catalog(props=[{"name": "label", "value": "Ä-1 \u2028 😀"}])
    raw = json.dumps(document, ensure_ascii=False).encode()
    assert parse_json(raw, "x.json") == json.loads(raw) == document
    assert parse_json(b"\xef\xbb\xbf" + raw, "x.json") == document  # a BOM is allowed


def test_a_syntax_error_names_the_file_line_and_column(tmp_path: Path) -> None:
    text = json.dumps(catalog(), indent=2)
    broken = text.replace('"title": "One"', '"title": "One",,', 1)
    line = next(n for n, row in enumerate(broken.splitlines(), 1) if ",," in row)
    error = refused(write(tmp_path, broken.encode()))
    assert re.fullmatch(rf"line {line}, column \d+", error.where)
    assert error.message.startswith("not valid JSON:") and "truncated" not in error.message


def test_a_truncated_file_says_so(tmp_path: Path) -> None:
    text = json.dumps(catalog(), indent=2)
    error = refused(write(tmp_path, text[: len(text) - 20].encode()))
    assert re.fullmatch(r"line \d+, column \d+", error.where)
    assert "truncated" in error.message


def test_bytes_that_are_not_utf8_are_named_by_offset(tmp_path: Path) -> None:
    raw = json.dumps(catalog(title="caf\u00e9"), ensure_ascii=False).encode()
    bad = raw.replace("\u00e9".encode(), b"\xe9")  # Latin-1, not UTF-8
    error = refused(write(tmp_path, bad))
    offset = bad.index(b"\xe9")
    assert error.where == "line 1"
    assert (
        error.message == f"byte 0xe9 at offset {offset} is not UTF-8 text; save the file as UTF-8"
    )


def test_what_only_json_reads_is_still_read(tmp_path: Path) -> None:
    """NaN and numbers beyond 64 bits are refused by orjson and read by ``json``."""
    document = catalog(props=[{"name": "sort-id", "value": 123456789012345678901234567890}])
    text = json.dumps(document).replace('"One"', '"One", "x-score": NaN')
    imported = read_oscal_catalog(write(tmp_path, text.encode()))
    attributes = imported.frameworks[0].get("c-1").attributes  # type: ignore[union-attr]
    assert attributes["sort_id"] == "123456789012345678901234567890"


def test_field_errors_after_orjson_name_the_json_path(tmp_path: Path) -> None:
    document = catalog()
    document["catalog"]["groups"][0]["controls"].append({"id": "c-2", "title": ""})
    error = refused(write(tmp_path, json.dumps(document).encode()))
    assert error.where == "catalog.groups[0].controls[1]"
    assert "no 'title'" in error.message


def test_the_import_command_reads_the_file_once_and_keeps_the_errors(
    library: Library, tmp_path: Path
) -> None:
    path = write(tmp_path, b'{"catalog": {"metadata": ')
    with pytest.raises(ConversionError) as caught:
        convert_framework_file(path, library)
    assert caught.value.path == str(path) and "truncated" in caught.value.message
    with pytest.raises(ConversionError, match="expected a JSON object"):
        convert_framework_file(write(tmp_path, b"[1, 2]"), library)
    imported = convert_framework_file(write(tmp_path, json.dumps(catalog()).encode()), library)
    assert [r.ref for r in imported.frameworks[0].requirements] == ["g", "c-1"]


def test_mapping_collections_read_with_orjson_keep_their_errors(
    library: Library, tmp_path: Path
) -> None:
    path = write(tmp_path, b'{"mapping-collection": {"uuid": ', "collection.json")
    with pytest.raises(ConversionError) as caught:
        read_mapping_collection(path, library.frameworks)
    assert caught.value.path == str(path)
    assert re.fullmatch(r"line \d+, column \d+", caught.value.where)
    assert "truncated" in caught.value.message


def test_load_json_of_a_missing_file_names_it(tmp_path: Path) -> None:
    missing = tmp_path / "gone.json"
    with pytest.raises(ConversionError, match="no such file") as caught:
        load_json(missing)
    assert caught.value.path == str(missing)
