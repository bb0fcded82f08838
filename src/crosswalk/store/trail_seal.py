"""What keeps the audit trail honest beyond the database: the key its chain is sealed with,
and a checkpoint of its head, both kept outside the database.

A plain hash chain only shows accidents: whoever can write the database can also recompute
every hash after an edit, or delete the newest entries. So each entry's hash is an HMAC
whose key the database does not hold (``CROSSWALK_AUDIT_KEY`` for servers, else the
workspace's ``.crosswalk/audit.key``, 0600), and after every commit that extends the chain
its newest entry and hash are written to ``.crosswalk/audit.head``. A rewrite without the
key, a deletion at the end, or a wiped trail no longer verifies. Someone holding both the
database and the key folder can still rewrite history: for that, ``audit-log anchor`` prints
a line to keep elsewhere (git, a ticket), which ``verify --anchor`` checks.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

KEY_ENV = "CROSSWALK_AUDIT_KEY"
SEAL_FOLDER = ".crosswalk"
KEY_FILE = "audit.key"
HEAD_FILE = "audit.head"
ANCHOR_PREFIX = "crosswalk-trail-anchor"


@dataclass(frozen=True)
class Seal:
    key: bytes | None  # None: a database opened without its workspace (tests, tools)
    head: Path | None  # the checkpoint file


@dataclass(frozen=True)
class Head:
    """The trail's newest entry (its id and hash) at some moment."""

    entry_id: int
    hash: str

    def anchor(self) -> str:
        return f"{ANCHOR_PREFIX}:1:{self.entry_id}:{self.hash}"


class AnchorError(ValueError):
    pass


def parse_anchor(line: str) -> Head:
    parts = line.strip().split(":")
    ascii_number = parts[2].isascii() and parts[2].isdigit() if len(parts) > 2 else False
    if len(parts) != 4 or parts[0] != ANCHOR_PREFIX or parts[1] != "1" or not ascii_number:
        raise AnchorError(
            f"{line.strip()[:80]!r} is not an anchor line ({ANCHOR_PREFIX}:1:ENTRY:HASH,"
            " as `crosswalk audit-log anchor` prints it)"
        )
    return Head(int(parts[2]), parts[3])


_SEALS: weakref.WeakKeyDictionary[Engine, Seal] = weakref.WeakKeyDictionary()


def seal_engine(engine: Engine, root: Path) -> None:
    """Use the workspace's key and checkpoint for every chain entry written through
    ``engine``; the key file is made (0600) the first time a workspace is opened."""
    folder = root / SEAL_FOLDER
    folder.mkdir(mode=0o700, exist_ok=True)
    given = os.environ.get(KEY_ENV)
    if given:
        key = given.encode("utf-8")
    else:
        path = folder / KEY_FILE
        if not path.exists():
            try:
                descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            except FileExistsError:  # another process made it first
                pass
            else:
                with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                    handle.write(secrets.token_hex(32) + "\n")
        key = path.read_text(encoding="utf-8").strip().encode("utf-8")
    _SEALS[engine] = Seal(key, folder / HEAD_FILE)


def attach_seal(engine: Engine, seal: Seal) -> None:
    """Use ``seal`` for ``engine``: a copy of a workspace's database checked away from its
    workspace (a backup's snapshot), with the key and checkpoint that came with it."""
    _SEALS[engine] = seal


def seal_of(engine: Engine | None) -> Seal:
    found = _SEALS.get(engine) if engine is not None else None
    return found or Seal(None, None)


def read_head(seal: Seal) -> Head | None:
    if seal.head is None or not seal.head.exists():
        return None
    data = json.loads(seal.head.read_text(encoding="utf-8"))
    return Head(int(data["entry"]), str(data["hash"]))


def write_head(seal: Seal, head: Head) -> None:
    """Move the checkpoint forward (never back: another process may have gone further)."""
    if seal.head is None:
        return
    with _HEAD_LOCK:  # a web worker commits from many threads: one moves it at a time
        known = read_head(seal)
        if known is not None and known.entry_id >= head.entry_id:
            return
        temporary = seal.head.with_name(f"{HEAD_FILE}.{os.getpid()}.{threading.get_ident()}.tmp")
        temporary.write_text(
            json.dumps({"entry": head.entry_id, "hash": head.hash}) + "\n", encoding="utf-8"
        )
        temporary.replace(seal.head)


_HEAD_LOCK = threading.Lock()
