"""What a converter read from another project's file: plain frameworks and mapping sets."""

from __future__ import annotations

from dataclasses import dataclass, field

from crosswalk.domain.errors import CrosswalkError
from crosswalk.domain.mappings import MappingSet
from crosswalk.domain.requirements import Framework


class ConversionError(CrosswalkError):
    """The file cannot be converted; names the file and the path inside the document."""

    def __init__(self, path: str, where: str, message: str) -> None:
        self.path = path
        self.where = where
        self.message = message
        location = f" at {where}" if where else ""
        super().__init__(f"{path}{location}: {message}")


@dataclass
class Imported:
    """Frameworks and mapping sets read from one file, ready to be checked and installed."""

    source: str
    frameworks: list[Framework] = field(default_factory=list)
    mapping_sets: list[MappingSet] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # e.g. "matched the shipped iso27001-2022"
    # For a framework matched to ours: our ref -> the urn of the node that is it in the file
    # read, so an export to that tool names urns its library has (``ciso_writer``).
    urns: dict[str, dict[str, str]] = field(default_factory=dict)
