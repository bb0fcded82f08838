"""The organisation's own controls: defined once, tagged to requirements of any framework."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

from crosswalk.domain.errors import CrosswalkError
from crosswalk.domain.frequency import Frequency

ID_MAX_CHARACTERS = 100
FILE_NAME_MAX_BYTES = 240  # under every common file system's 255, with room for ".tmp"
ID_RULE = (
    f"an id is 1 to {ID_MAX_CHARACTERS} characters, without line breaks, tabs or other "
    f"control characters, and short enough to name its file (at most {FILE_NAME_MAX_BYTES} "
    "bytes once escaped)"
)
_KEPT = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~")


def file_stem(record_id: str) -> str:
    """The id as a file name without extension, reversibly: ASCII letters, digits, ``_ . - ~``
    and printable non-ASCII letters are kept, everything else is percent-escaped (``%``
    included), and a leading dot is escaped, so different ids never share a name, no id is a
    path or a hidden file, and ``urllib.parse.unquote`` gives the id back."""
    parts = []
    for position, char in enumerate(record_id):
        printable = char.isprintable() and not unicodedata.category(char).startswith("Z")
        if (char in _KEPT or (ord(char) > 127 and printable)) and not (
            position == 0 and char == "."
        ):
            parts.append(char)
        else:
            parts.append("".join(f"%{byte:02X}" for byte in char.encode("utf-8")))
    return "".join(parts)


class RecordIdError(CrosswalkError):
    """An id that cannot name a record (and so cannot name its file in a program folder)."""


def check_record_id(given: str, what: str = "control") -> str:
    """The id trimmed, or ``RecordIdError`` saying the rule: every id a user gives a control
    (or an ISMS record) must fit a file name when the program is exported, so it is checked
    where it is created (CLI, import, apply, web), not when an export is half written."""
    text = given.strip()
    if not text:
        article = "an" if what[:1].lower() in "aeiou" else "a"
        raise RecordIdError(f"{article} {what} needs an id ({ID_RULE})")
    if len(text) > ID_MAX_CHARACTERS:
        raise RecordIdError(
            f"{what} id {text[:40]!r}... is {len(text)} characters long ({ID_RULE})"
        )
    bad = sorted({c for c in text if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp")})
    if bad:
        shown = ", ".join(f"U+{ord(c):04X}" for c in bad)
        raise RecordIdError(f"{what} id {text!r} contains {shown} ({ID_RULE})")
    size = len(file_stem(text).encode("utf-8")) + len(".yaml")
    if size > FILE_NAME_MAX_BYTES:
        raise RecordIdError(f"{what} id {text[:40]!r}... needs {size} bytes as a file ({ID_RULE})")
    return text


class OperatingStatus(StrEnum):
    ON_PAPER = "on paper"  # written down, not done
    IMPLEMENTED = "implemented"  # in place, not yet shown to operate over time
    OPERATING = "operating"  # running, with evidence


class Coverage(StrEnum):
    FULL = "full"
    PARTIAL = "partial"


@dataclass(frozen=True, slots=True)
class Tag:
    requirement: str  # framework:ref
    coverage: Coverage = Coverage.FULL


@dataclass(frozen=True, slots=True)
class ControlFacts:
    """What the coverage rules need to know about a control."""

    control_id: str
    title: str
    status: OperatingStatus
    owner: str | None = None
    frequency: Frequency | None = None
    tags: tuple[Tag, ...] = field(default=())
    evidence_fresh: bool | None = None  # None: evidence is not tracked (yet)

    @property
    def owned(self) -> bool:
        return bool(self.owner and self.owner.strip())


def parse_status(text: str | None) -> OperatingStatus | None:
    """Operating status as people write it ("on paper", "Implemented", "in operation")."""
    if text is None:
        return None
    cleaned = " ".join(text.strip().lower().replace("_", " ").replace("-", " ").split())
    aliases = {
        "on paper": OperatingStatus.ON_PAPER,
        "paper": OperatingStatus.ON_PAPER,
        "planned": OperatingStatus.ON_PAPER,
        "designed": OperatingStatus.ON_PAPER,
        "draft": OperatingStatus.ON_PAPER,
        "not implemented": OperatingStatus.ON_PAPER,
        "implemented": OperatingStatus.IMPLEMENTED,
        "in place": OperatingStatus.IMPLEMENTED,
        "operating": OperatingStatus.OPERATING,
        "operational": OperatingStatus.OPERATING,
        "in operation": OperatingStatus.OPERATING,
        "operating effectively": OperatingStatus.OPERATING,
        "active": OperatingStatus.OPERATING,
    }
    return aliases.get(cleaned)
