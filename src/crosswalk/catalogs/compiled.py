"""The compiled library: catalog files parsed once and kept in a binary form, keyed by content.

Two layers, both in the user's cache folder (``CROSSWALK_CACHE_DIR``, else
``$XDG_CACHE_HOME/crosswalk``, else ``~/.cache/crosswalk``; ``CROSSWALK_CACHE_DIR=off`` turns
it off):

- one *unit* per source file, keyed by the SHA-256 of its bytes: a catalog as its built
  ``Framework``, a mapping set or guidance file as its parsed YAML. A workspace that imports
  one more framework parses that file only; the others are lookups.
- one *library* per combination of files (and loading mode), keyed by all their hashes and by
  the code that builds it: the assembled ``Library`` with its graph and indexes, so an
  unchanged workspace loads in one read.

The YAML stays the source of truth. A file's hash is recomputed whenever its size or
modification time differ from what the index remembers; an entry whose checksum fails or that
does not unpickle is rebuilt and rewritten, never trusted. A folder that cannot be written is
no error: the library is parsed as before.

Entries are pickles. The folder is the user's own, and an entry is only read after its
checksum matches; anyone who can write there can already change the code being run.
"""

from __future__ import annotations

import copyreg
import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

CACHE_ENV = "CROSSWALK_CACHE_DIR"
MAGIC = b"CWLIB01\n"
_DIGEST = 32
_KEPT_LIBRARIES = 12  # library entries kept; older ones are removed


def _proxy(values: dict[str, str]) -> MappingProxyType[str, str]:
    return MappingProxyType(values)


def _reduce_proxy(values: MappingProxyType[str, str]) -> tuple[Any, tuple[dict[str, str]]]:
    return _proxy, (dict(values),)


copyreg.pickle(MappingProxyType, _reduce_proxy)  # edge and requirement attributes


def cache_folder() -> Path | None:
    """Where compiled entries live; None when turned off."""
    chosen = os.environ.get(CACHE_ENV, "")
    if chosen.lower() in ("off", "0", "none"):
        return None
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "crosswalk"


def _code_fingerprint() -> str:
    """The code that builds what is pickled: a changed class must never meet an old pickle."""
    here = Path(__file__).parent
    modules = sorted([*here.glob("*.py"), *(here.parent / "domain").glob("*.py")])
    material = [sys.version]
    for module in modules:
        stat = module.stat()
        material.append(f"{module.name}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(material).encode()).hexdigest()[:16]


def file_digest(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


@dataclass
class CompiledStore:
    """One cache folder: units, libraries, and an index of file stats -> content hash."""

    folder: Path
    writable: bool = True
    _index: dict[str, tuple[int, int, str]] | None = None
    _index_changed: bool = False
    rebuilt: list[str] = field(default_factory=list)  # entries found corrupt and rebuilt

    # Content hashes, remembered by size and modification time --------------------------

    def digest(self, path: Path) -> str:
        index = self._load_index()
        stat = path.stat()
        known = index.get(str(path))
        if known is not None and known[0] == stat.st_size and known[1] == stat.st_mtime_ns:
            return known[2]
        digest = file_digest(path)
        index[str(path)] = (stat.st_size, stat.st_mtime_ns, digest)
        self._index_changed = True
        return digest

    def _load_index(self) -> dict[str, tuple[int, int, str]]:
        if self._index is None:
            loaded = self._read(self.folder / "index.bin")
            self._index = loaded if isinstance(loaded, dict) else {}
        return self._index

    def save_index(self) -> None:
        if self._index_changed and self._index is not None:
            self._write(self.folder / "index.bin", self._index)
            self._index_changed = False

    # Units and libraries -----------------------------------------------------------------

    def unit(self, digest: str) -> Any | None:
        return self._read(self.folder / "units" / f"{digest}.bin")

    def put_unit(self, digest: str, value: Any) -> None:
        self._write(self.folder / "units" / f"{digest}.bin", value)

    def library(self, key: str) -> Any | None:
        return self._read(self.folder / "libraries" / f"{key}.bin")

    def put_library(self, key: str, value: Any) -> None:
        target = self.folder / "libraries" / f"{key}.bin"
        self._write(target, value)
        entries = sorted(
            target.parent.glob("*.bin"), key=lambda p: p.stat().st_mtime_ns, reverse=True
        )
        for stale in entries[_KEPT_LIBRARIES:]:
            stale.unlink(missing_ok=True)

    @staticmethod
    def library_key(strict: bool, digests: Iterable[str]) -> str:
        """By content only (in loading order): a copied or moved workspace finds its entry."""
        material = [_code_fingerprint(), "strict" if strict else "lenient", *digests]
        return hashlib.sha256("\n".join(material).encode()).hexdigest()

    # Framing: magic, checksum, payload --------------------------------------------------

    def _read(self, path: Path) -> Any | None:
        try:
            raw = path.read_bytes()
        except OSError:
            return None
        header = len(MAGIC) + _DIGEST
        payload = raw[header:]
        if (
            raw[: len(MAGIC)] != MAGIC
            or hashlib.sha256(payload).digest() != raw[len(MAGIC) : header]
        ):
            self.rebuilt.append(path.name)
            return None
        try:
            return pickle.loads(payload)
        except Exception:  # an entry from other code that slipped past the fingerprint
            self.rebuilt.append(path.name)
            return None

    def _write(self, path: Path, value: Any) -> None:
        if not self.writable:
            return
        try:
            payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(handle, "wb") as out:
                out.write(MAGIC + hashlib.sha256(payload).digest() + payload)
            Path(temporary).replace(path)
        except (OSError, pickle.PicklingError, TypeError, AttributeError):
            self.writable = False  # read-only folder or an unpicklable object: parse next time


def open_store() -> CompiledStore | None:
    folder = cache_folder()
    return CompiledStore(folder) if folder is not None else None
