"""The compiled library: the same library as parsing, one read when nothing changed, one
parse per changed file, and a changed or corrupt entry rebuilt, never trusted."""

from __future__ import annotations

from pathlib import Path

import pytest

from crosswalk.catalogs import loader
from crosswalk.catalogs.compiled import CACHE_ENV, MAGIC
from crosswalk.catalogs.loader import Library, load_library
from tests.factories import catalog, write_yaml


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV, str(folder))
    return folder


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every file actually parsed (a cache miss), in order."""
    seen: list[Path] = []
    real = loader._parse_unit

    def counting(path: Path) -> loader.Unit:
        seen.append(path)
        return real(path)

    monkeypatch.setattr(loader, "_parse_unit", counting)
    return seen


def _summary(library: Library) -> tuple[object, ...]:
    return (
        {
            fid: (f.name, f.version, [(r.ref, r.title, r.kind) for r in f])
            for fid, f in library.frameworks.items()
        },
        {sid: s.mappings for sid, s in library.mapping_sets.items()},
        library.guidance,
        sorted(library.coverage_sets),
        sorted((k, len(v)) for k, v in library.graph._adjacent.items()),
        library.problems,
    )


def test_the_compiled_library_is_the_parsed_library(cache: Path, parses: list[Path]) -> None:
    first = load_library()
    assert parses, "an empty cache parses every file"
    parses.clear()
    again = load_library()
    assert parses == [], "nothing changed: one read, no parse"
    assert _summary(again) == _summary(first) == _summary(load_library(compiled=False))
    assert list((cache / "libraries").glob("*.bin"))


def test_one_more_file_parses_that_file_only(
    cache: Path, parses: list[Path], tmp_path: Path
) -> None:
    extra = tmp_path / "extra"
    extra.mkdir()
    write_yaml(extra / "acme.yaml", catalog())
    load_library([extra])
    parses.clear()
    write_yaml(extra / "beta.yaml", catalog(framework_id="beta-policy-1"))
    library = load_library([extra])
    assert parses == [extra / "beta.yaml"]
    assert {"acme-policy-1", "beta-policy-1"} <= set(library.frameworks)


def test_a_changed_file_is_reparsed_and_a_touched_one_is_not(
    cache: Path, parses: list[Path], tmp_path: Path
) -> None:
    extra = tmp_path / "extra"
    extra.mkdir()
    path = extra / "acme.yaml"
    write_yaml(path, catalog())
    load_library([extra])
    parses.clear()
    path.write_bytes(path.read_bytes())  # new modification time, same content
    load_library([extra])
    assert parses == []
    changed = path.read_text(encoding="utf-8").replace("ACME internal", "ACME renamed", 1)
    path.write_text(changed, encoding="utf-8")
    library = load_library([extra])
    assert parses == [path]
    assert library.frameworks["acme-policy-1"].name == "ACME renamed policy"


def test_a_corrupt_entry_is_rebuilt_not_trusted(cache: Path, parses: list[Path]) -> None:
    expected = _summary(load_library())
    for entry in [*cache.glob("libraries/*.bin"), *cache.glob("units/*.bin")]:
        raw = bytearray(entry.read_bytes())
        raw[len(MAGIC) + 40] ^= 0xFF  # one flipped byte in the payload
        entry.write_bytes(bytes(raw))
    parses.clear()
    rebuilt = load_library()
    assert parses, "every corrupt entry was parsed again"
    assert _summary(rebuilt) == expected
    parses.clear()
    load_library()
    assert parses == [], "and rewritten: the next load reads it"


def test_a_cache_folder_that_cannot_be_written_is_no_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder should be", encoding="utf-8")
    monkeypatch.setenv(CACHE_ENV, str(blocked))
    assert "iso27001-2022" in load_library().frameworks
    monkeypatch.setenv(CACHE_ENV, "off")
    assert "iso27001-2022" in load_library().frameworks


def test_a_moved_workspace_finds_its_entry_and_its_own_paths(
    cache: Path, parses: list[Path], tmp_path: Path
) -> None:
    first = tmp_path / "first"
    first.mkdir()
    write_yaml(first / "acme.yaml", catalog())
    load_library([first])
    moved = tmp_path / "moved"
    first.rename(moved)
    parses.clear()
    library = load_library([moved])
    assert parses == [], "the key is the content, not where it lives"
    assert library.sources["acme-policy-1"] == str(moved / "acme.yaml")


def test_frameworks_are_read_only_when_asked_for(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crosswalk.catalogs.compiled import CompiledStore

    extra = tmp_path / "extra"
    extra.mkdir()
    for number in range(5):
        write_yaml(extra / f"f{number}.yaml", catalog(framework_id=f"policy-{number}"))
    load_library([extra])
    reads: list[str] = []
    real = CompiledStore.unit

    def counting(store: CompiledStore, digest: str) -> object:
        reads.append(digest)
        return real(store, digest)

    monkeypatch.setattr(CompiledStore, "unit", counting)
    library = load_library([extra])
    assert reads == [] and "policy-3" in library.frameworks and len(library.frameworks) > 5
    assert library.frameworks["policy-3"].get("G1.1") is not None
    assert len(reads) == 1, "one framework asked for, one unit read"
    for unit in cache.glob("units/*.bin"):
        unit.unlink()  # entries gone (a cleaned cache): parsed again from the file
    assert library.frameworks["policy-4"].name == "ACME internal policy"
