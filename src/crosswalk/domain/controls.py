"""The organisation's own controls: defined once, tagged to requirements of any framework."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from crosswalk.domain.frequency import Frequency


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
