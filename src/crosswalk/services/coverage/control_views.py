"""The control library as the web app shows it: every control with its evidence state and
the frameworks it reaches, filtered as people ask ("Dana's", "stale", "reaching ISO"); one
control with what its tags reach and its evidence; and edits read from forms or JSON, each
bad value named by its field.

Reads a few whole-table queries (never one per control); services flush, callers commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from datetime import date

from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.controls import Coverage, OperatingStatus, parse_status
from crosswalk.domain.frequency import Frequency, parse_frequency
from crosswalk.domain.relationships import Relationship
from crosswalk.domain.requirements import split_key
from crosswalk.services.controls.confirmations import ConfirmationState, confirmation_status
from crosswalk.services.controls.controls import (
    Control,
    ControlDetail,
    ControlError,
    ControlInput,
    ControlRecord,
    control_flags,
    control_records,
    control_row,
    describe_control,
)
from crosswalk.services.evidence.evidence import Evidence, list_evidence
from crosswalk.services.evidence.freshness import (
    Cadences,
    ControlFreshness,
    classify,
    evidence_stands,
    freshness_of,
    latest_performed,
)
from crosswalk.services.mapping.library import resolve_framework

ISO_2022 = "iso27001-2022"
STATUS_HELP = "use 'on paper', 'implemented' or 'operating'"
FREQUENCY_HELP = ", ".join(f.value for f in Frequency)


def reached_frameworks(library: Library, key: str) -> set[str]:
    """The tag's own framework and every framework a counting edge carries it into."""
    reached = {split_key(key)[0]}
    for edge in library.graph.edges_of(key):
        if (
            edge.mapping.set_id in library.coverage_sets
            and edge.relationship is not Relationship.NO_RELATIONSHIP
        ):
            reached.add(split_key(edge.end)[0])
    return reached


@dataclass(frozen=True)
class ControlListItem:
    control_id: str
    title: str
    owner: str | None
    status: str
    frequency: str | None  # the control's own
    effective_frequency: str | None  # the stricter of its own and what its tags expect
    freshness: str  # fresh, due this week, stale, no evidence, event-driven, ...
    last_performed: date | None
    next_due: date | None
    tags: list[str]
    tagged_frameworks: list[str]
    reaches: list[str]  # frameworks tagged or reached through a mapping that counts
    flags: list[str]
    description: str


def list_item(
    library: Library,
    record: ControlRecord,
    state: ControlFreshness,
    reach_cache: dict[str, set[str]] | None = None,
) -> ControlListItem:
    """One control's row of the list; ``reach_cache`` remembers each tag's frameworks."""
    cache = reach_cache if reach_cache is not None else {}
    keys = [tag.requirement for tag in record.tags]
    reaches: set[str] = set()
    for key in keys:
        if key not in cache:
            cache[key] = reached_frameworks(library, key)
        reaches |= cache[key]
    return ControlListItem(
        control_id=record.control_id,
        title=record.facts.title,
        owner=record.owner,
        status=record.status,
        frequency=record.frequency.value if record.frequency else None,
        effective_frequency=state.frequency,
        freshness=state.state,
        last_performed=state.last_performed,
        next_due=state.next_due,
        tags=keys,
        tagged_frameworks=sorted({split_key(k)[0] for k in keys}),
        reaches=sorted(reaches),
        flags=control_flags(record),
        description=record.description,
    )


def list_items(session: Session, library: Library, today: date) -> list[ControlListItem]:
    """Every control, with its evidence state, in id order."""
    latest = latest_performed(session)
    cadences: Cadences = {}
    reach_cache: dict[str, set[str]] = {}
    return [
        list_item(
            library,
            record,
            freshness_of(library, record.facts, latest.get(record.control_id), today, cadences),
            reach_cache,
        )
        for record in control_records(session)
    ]


@dataclass(frozen=True)
class ControlFilters:
    framework: str | None = None
    tagged_only: bool = False  # with framework: only controls tagged to it, as the CLI lists
    owner: str | None = None  # owner contains this text, any case
    status: OperatingStatus | None = None
    frequency: Frequency | None = None  # the effective frequency
    stale: bool = False  # evidence stale or never collected
    q: str | None = None

    @property
    def active(self) -> bool:
        return any((self.framework, self.owner, self.status, self.frequency, self.stale, self.q))


def _text(value: str | None) -> str | None:
    cleaned = " ".join((value or "").split())
    return cleaned or None


def read_filters(
    library: Library,
    framework: str | None = None,
    owner: str | None = None,
    status: str | None = None,
    frequency: str | None = None,
    stale: bool = False,
    q: str | None = None,
    tagged_only: bool = False,
) -> ControlFilters:
    """Filters as typed in a query string; an unknown value names its field."""
    parsed_status = None
    if _text(status):
        parsed_status = parse_status(status)
        if parsed_status is None:
            raise ControlError(f"status {status!r} is not a status: {STATUS_HELP}")
    parsed_frequency = None
    if _text(frequency):
        parsed_frequency = parse_frequency(frequency)
        if parsed_frequency is None:
            raise ControlError(f"frequency {frequency!r} is not a frequency: {FREQUENCY_HELP}")
    framework_text = _text(framework)
    return ControlFilters(
        framework=resolve_framework(library, framework_text) if framework_text else None,
        tagged_only=tagged_only,
        owner=_text(owner),
        status=parsed_status,
        frequency=parsed_frequency,
        stale=stale,
        q=_text(q),
    )


def _matches_text(item: ControlListItem, needle: str) -> bool:
    haystack = " ".join(
        [item.control_id, item.title, item.owner or "", item.description, *item.tags]
    ).lower()
    return all(word in haystack for word in needle.lower().split())


def filter_items(
    items: Iterable[ControlListItem], filters: ControlFilters
) -> list[ControlListItem]:
    found = []
    for item in items:
        if filters.framework and filters.framework not in (
            item.tagged_frameworks if filters.tagged_only else item.reaches
        ):
            continue
        if filters.owner and filters.owner.lower() not in (item.owner or "").lower():
            continue
        if filters.status and item.status != filters.status.value:
            continue
        if filters.frequency and item.effective_frequency != filters.frequency.value:
            continue
        if filters.stale and evidence_stands(item.freshness, item.last_performed):
            continue
        if filters.q and not _matches_text(item, filters.q):
            continue
        found.append(item)
    return found


@dataclass(frozen=True)
class ReachRow:
    """What one tag gives one requirement of the reach framework."""

    tagged: str
    tag_coverage: str
    target: str  # framework:ref
    target_ref: str
    target_title: str
    relationship: str | None  # None when the tag is on the requirement itself
    gives: str  # "full" or "partial"
    strength: int | None
    mapping_set: str | None
    note: str


def tag_reach(
    library: Library, tags: Iterable[tuple[str, str]], framework: str = ISO_2022
) -> list[ReachRow]:
    """Where (key, coverage) tags land in ``framework``, by the rules coverage counts with."""
    rows = []
    for key, coverage in tags:
        if split_key(key)[0] == framework:
            requirement = library.requirement(key)
            rows.append(
                ReachRow(
                    key,
                    coverage,
                    key,
                    split_key(key)[1],
                    requirement.title if requirement else "(not loaded)",
                    None,
                    coverage,
                    None,
                    None,
                    "tagged directly",
                )
            )
            continue
        for edge in library.graph.edges_of(key):
            relationship = edge.relationship
            if (
                edge.mapping.set_id not in library.coverage_sets
                or split_key(edge.end)[0] != framework
                or relationship is Relationship.NO_RELATIONSHIP
            ):
                continue
            target = library.requirement(edge.end)
            rows.append(
                ReachRow(
                    tagged=key,
                    tag_coverage=coverage,
                    target=edge.end,
                    target_ref=split_key(edge.end)[1],
                    target_title=target.title if target else "(not loaded)",
                    relationship=relationship.value,
                    gives=coverage if relationship.covers_target else Coverage.PARTIAL.value,
                    strength=edge.mapping.strength,
                    mapping_set=edge.mapping.set_id,
                    note=edge.mapping.note,
                )
            )
    order = {r.key: i for i, r in enumerate(library.frameworks[framework])}
    rows.sort(key=lambda r: (order.get(r.target, len(order)), r.gives != "full", r.tagged))
    return rows


@dataclass(frozen=True)
class EvidenceItem:
    id: int
    title: str
    kind: str
    performed_start: date
    performed_end: date
    collected_by: str
    source: str
    filename: str | None
    url: str | None
    passed: bool | None


@dataclass(frozen=True)
class ControlPage:
    detail: ControlDetail
    freshness: str
    last_performed: date | None
    next_due: date | None
    reach_framework: str
    reach_framework_name: str
    reach: list[ReachRow]
    evidence: list[EvidenceItem]
    evidence_hidden: int  # evidence the reader may not see (outside an auditor's window)
    confirmations: dict[str, ConfirmationState]  # by tagged requirement


@dataclass(frozen=True)
class ControlRead:
    """What one control's page reads, before whoever reads it is known: the same for every
    reader, so the web app keeps it while the control is unchanged (``page_for``)."""

    detail: ControlDetail
    freshness: str
    last_performed: date | None
    next_due: date | None
    reach_framework: str
    reach_framework_name: str
    reach: list[ReachRow]
    evidence: tuple[Evidence, ...]  # all of it, newest first
    confirmations: dict[str, ConfirmationState]


def _evidence_item(row: Evidence) -> EvidenceItem:
    return EvidenceItem(
        row.id,
        row.title,
        row.kind,
        row.performed_start,
        row.performed_end,
        row.collected_by,
        row.source,
        row.filename,
        row.url,
        row.passed,
    )


def read_control(
    session: Session,
    library: Library,
    control_id: str,
    today: date,
    reach_framework: str = ISO_2022,
) -> ControlRead:
    """One control: its details, what its tags reach, its evidence and confirmations."""
    row = control_row(session, control_id)
    detail = describe_control(session, library, control_id, row)
    evidence = list_evidence(session, control_pk=row.id)
    last = max((row.performed_end for row in evidence), default=None)
    state, due = classify(detail.effective_frequency.frequency, last, today)
    confirmations = {
        s.requirement: s for s in confirmation_status(session, library, today, edges=False, row=row)
    }
    framework = library.frameworks.get(reach_framework)
    return ControlRead(
        detail=detail,
        freshness=state,
        last_performed=last,
        next_due=due,
        reach_framework=reach_framework,
        reach_framework_name=framework.name if framework else reach_framework,
        reach=tag_reach(library, [(t["requirement"], t["coverage"]) for t in detail.tags])
        if framework
        else [],
        evidence=tuple(evidence),
        confirmations=confirmations,
    )


def page_for(
    read: ControlRead, visible: Callable[[Evidence], bool] = lambda _item: True
) -> ControlPage:
    """The page as one reader sees it: the evidence they may not see is counted, not shown.
    Freshness comes from all of it (what the control's state is does not depend on who
    looks)."""
    shown = [item for item in read.evidence if visible(item)]
    same = {f.name: getattr(read, f.name) for f in fields(ControlRead) if f.name != "evidence"}
    return ControlPage(
        **same,
        evidence=[_evidence_item(item) for item in shown],
        evidence_hidden=len(read.evidence) - len(shown),
    )


def control_page(
    session: Session,
    library: Library,
    control_id: str,
    today: date,
    visible: Callable[[Evidence], bool] = lambda _item: True,
    reach_framework: str = ISO_2022,
) -> ControlPage:
    """One control's page for a reader who sees the evidence ``visible`` lets through."""
    return page_for(read_control(session, library, control_id, today, reach_framework), visible)


def new_control(
    control_id: str,
    title: str,
    description: str = "",
    owner: str = "",
    status: str = "",
    frequency: str = "",
) -> ControlInput:
    """A new control as a form or a JSON body gives it, each value checked with the rules
    an edit uses (``control_changes``); a bad one names its field."""
    if not title.strip():
        raise ControlError("title: a control needs a title")
    parsed_status = parse_status(status) if status.strip() else OperatingStatus.OPERATING
    if parsed_status is None:
        raise ControlError(f"status {status!r} is not a status: {STATUS_HELP}")
    written = frequency.strip()
    parsed = parse_frequency(written) if written else None
    if written and parsed is None:
        raise ControlError(f"frequency {frequency!r} is not a frequency: {FREQUENCY_HELP}")
    return ControlInput(
        control_id=control_id.strip(),
        title=title.strip(),
        description=description.replace("\r\n", "\n").strip(),
        owner=owner.strip() or None,
        frequency=parsed,
        frequency_text=written or None,
        status=parsed_status,
    )


def control_changes(
    control: Control,
    title: str | None = None,
    description: str | None = None,
    owner: str | None = None,
    status: str | None = None,
    frequency: str | None = None,
    evidence: str | None = None,
) -> dict[str, object]:
    """The changes an edit form or a JSON patch asks for, for ``edit_control``.

    ``None`` leaves a field alone. Every value is checked before anything changes, and a
    bad one names its field. A frequency written differently but meaning the same cadence
    is no change, and form line endings are normalised, so re-saving an untouched form
    records nothing (and raises no review flag on the description).
    """
    changes: dict[str, object] = {}
    if title is not None:
        if not title.strip():
            raise ControlError("title: a control needs a title")
        changes["title"] = title.strip()
    if description is not None:
        changes["description"] = description.replace("\r\n", "\n").strip()
    if owner is not None:
        changes["owner"] = owner.strip() or None
    if status is not None:
        parsed_status = parse_status(status)
        if parsed_status is None:
            raise ControlError(f"status {status!r} is not a status: {STATUS_HELP}")
        changes["status"] = parsed_status
    if frequency is not None:
        written = frequency.strip()
        if not written or written != (control.frequency_text or ""):  # else: unchanged as written
            parsed = parse_frequency(written) if written else None
            if written and parsed is None:
                raise ControlError(f"frequency {frequency!r} is not a frequency: {FREQUENCY_HELP}")
            if (parsed.value if parsed else None) != control.frequency or (
                not written and control.frequency_text
            ):
                changes["frequency"] = parsed
                changes["frequency_text"] = written or None
    if evidence is not None:
        changes["evidence"] = evidence.replace("\r\n", "\n").strip()
    return changes


def parse_coverage(text: str | None) -> Coverage:
    cleaned = (text or "full").strip().lower()
    try:
        return Coverage(cleaned)
    except ValueError:
        raise ControlError(f"coverage {text!r}: use full or partial") from None


def require_requirement(text: str | None) -> str:
    cleaned = " ".join((text or "").split())
    if not cleaned:
        raise ControlError("requirement: name one, e.g. iso27001-2022:A.5.15 or CC6.1")
    return cleaned
