"""The control library: each control defined once, tagged to requirements of any framework.

Services flush; the caller (a command or a request) owns the transaction and commits.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.controls import (
    ControlFacts,
    Coverage,
    OperatingStatus,
    Tag,
    check_record_id,
)
from crosswalk.domain.errors import CrosswalkError, UnknownReferenceError
from crosswalk.domain.frequency import (
    EffectiveFrequency,
    Expectation,
    Frequency,
    effective_frequency,
    stricter,
)
from crosswalk.domain.requirements import split_key
from crosswalk.services.mapping.library import resolve_requirement
from crosswalk.store.models import ControlRow, TagRow


class ControlError(CrosswalkError):
    pass


@dataclass(frozen=True)
class ControlInput:
    control_id: str
    title: str
    description: str = ""
    owner: str | None = None
    frequency: Frequency | None = None
    frequency_text: str | None = None
    status: OperatingStatus = OperatingStatus.OPERATING
    evidence: str = ""


@dataclass(frozen=True)
class ControlTag:
    """One tag of a control as clients read it: the requirement key and how fully it covers."""

    key: str  # framework:ref
    framework: str
    ref: str
    coverage: str


@dataclass(frozen=True)
class Control:
    """A control as clients read it; services that change one use ``control_row``."""

    control_id: str
    title: str
    description: str
    owner: str | None
    frequency: str | None
    frequency_text: str | None
    status: str
    evidence: str  # the evidence the control produces
    created_at: datetime
    updated_at: datetime
    tags: tuple[ControlTag, ...] = ()
    retired_on: date | None = None  # out of the program (and coverage) from that day
    retired_reason: str | None = None
    retired_by: str | None = None


def _view(row: ControlRow) -> Control:
    return Control(
        control_id=row.control_id,
        title=row.title,
        description=row.description,
        owner=row.owner,
        frequency=row.frequency,
        frequency_text=row.frequency_text,
        status=row.status,
        evidence=row.evidence,
        created_at=row.created_at,
        updated_at=row.updated_at,
        tags=tuple(ControlTag(t.key, t.framework, t.ref, t.coverage) for t in row.tags),
        retired_on=row.retired_on,
        retired_reason=row.retired_reason,
        retired_by=row.retired_by,
    )


def control_row(session: Session, control_id: str) -> ControlRow:
    """The ORM row, for services that change a control or link to it."""
    row = session.scalar(select(ControlRow).where(ControlRow.control_id == control_id))
    if row is not None:
        return row
    known = list(session.scalars(select(ControlRow.control_id)))
    # Ids are typed in whatever case: "acc-03" is ACC-03 when only one id matches that way.
    same = [k for k in known if k.lower() == control_id.strip().lower()]
    if len(same) == 1:
        found = session.scalar(select(ControlRow).where(ControlRow.control_id == same[0]))
        if found is not None:
            return found
    lowered = {k.lower(): k for k in known}
    close = difflib.get_close_matches(control_id.strip().lower(), list(lowered), n=3)
    raise UnknownReferenceError(control_id, "control", [lowered[c] for c in close] or same)


def get_control(session: Session, control_id: str) -> Control:
    return _view(control_row(session, control_id))


def list_controls(
    session: Session,
    owner: str | None = None,
    status: OperatingStatus | None = None,
    framework: str | None = None,
    unowned: bool = False,
    retired: bool | None = False,
) -> list[Control]:
    """The controls in the program; ``retired=True`` lists only the retired, ``None`` all."""
    query = select(ControlRow).order_by(ControlRow.control_id)
    if retired is not None:
        query = query.where(
            ControlRow.retired_on.is_not(None) if retired else ControlRow.retired_on.is_(None)
        )
    if owner:
        query = query.where(ControlRow.owner.ilike(f"%{owner}%"))
    if status:
        query = query.where(ControlRow.status == status.value)
    if unowned:
        query = query.where((ControlRow.owner.is_(None)) | (ControlRow.owner == ""))
    if framework:
        query = query.where(ControlRow.tags.any(TagRow.framework == framework))
    return [_view(row) for row in session.scalars(query)]


def add_control(session: Session, data: ControlInput) -> Control:
    control_id = check_record_id(data.control_id)
    exists = session.scalar(select(ControlRow.id).where(ControlRow.control_id == control_id))
    if exists is not None:
        raise ControlError(f"control {control_id!r} already exists; use `controls edit`")
    row = ControlRow(
        control_id=control_id,
        title=data.title.strip(),
        description=data.description.strip(),
        owner=(data.owner or "").strip() or None,
        frequency=data.frequency.value if data.frequency else None,
        frequency_text=data.frequency_text,
        status=data.status.value,
        evidence=data.evidence.strip(),
    )
    session.add(row)
    session.flush()
    return _view(row)


EDITABLE = ("title", "description", "owner", "frequency", "frequency_text", "status", "evidence")


def edit_control(session: Session, control_id: str, **changes: object) -> list[str]:
    """Apply changes; returns the names of the fields that really changed."""
    row = control_row(session, control_id)
    changed = []
    for name, given in changes.items():
        if name not in EDITABLE:
            raise ControlError(f"{name!r} is not an editable field ({', '.join(EDITABLE)})")
        value = given.value if isinstance(given, Frequency | OperatingStatus) else given
        if name == "owner" and isinstance(value, str):
            value = value.strip() or None
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed.append(name)
    session.flush()
    if "description" in changed:
        from crosswalk.services.mapping.flags import flag_description_changed

        flag_description_changed(session, row)
    return changed


def tag_control(
    session: Session,
    library: Library,
    control_id: str,
    refs: Sequence[str],
    coverage: Coverage = Coverage.FULL,
) -> list[str]:
    """Tag a control to requirements (forgiving refs); returns the keys newly tagged or changed."""
    row = control_row(session, control_id)
    keys = [resolve_requirement(library, ref) for ref in refs]
    existing = {tag.key: tag for tag in row.tags}
    changed = []
    for key in keys:
        framework, ref = split_key(key)
        tag = existing.get(key)
        if tag is None:
            row.tags.append(TagRow(framework=framework, ref=ref, coverage=coverage.value))
            changed.append(key)
        elif tag.coverage != coverage.value:
            tag.coverage = coverage.value
            changed.append(key)
    session.flush()
    return changed


def set_tags(
    row: ControlRow, wanted: list[tuple[str, str]], only_framework: str | None = None
) -> None:
    """Make the control's tags exactly ``wanted`` (key, coverage), reusing existing rows.

    With ``only_framework`` tags to other frameworks are left alone. Existing rows are kept
    for unchanged keys so a flush never inserts a duplicate before deleting the old one.
    """
    by_key = dict(wanted)
    kept = []
    for tag in row.tags:
        if only_framework is not None and tag.framework != only_framework:
            kept.append(tag)
        elif tag.key in by_key:
            tag.coverage = by_key.pop(tag.key)
            kept.append(tag)
    for key, coverage in wanted:
        if key in by_key:
            framework, ref = split_key(key)
            kept.append(TagRow(framework=framework, ref=ref, coverage=coverage))
            del by_key[key]
    row.tags = kept


def untag_control(
    session: Session, library: Library, control_id: str, refs: Sequence[str]
) -> list[str]:
    row = control_row(session, control_id)
    keys = {resolve_requirement(library, ref) for ref in refs}
    doomed = [tag for tag in row.tags if tag.key in keys]
    # Deleted explicitly (not only dropped as orphans, which the flush deletes unseen by
    # the audit hook), so the trail records the removal under the control's id.
    for tag in doomed:
        session.delete(tag)
    session.flush()
    session.expire(row, ["tags"])
    return [tag.key for tag in doomed]


def to_facts(row: ControlRow) -> ControlFacts:
    return ControlFacts(
        control_id=row.control_id,
        title=row.title,
        status=OperatingStatus(row.status),
        owner=row.owner,
        frequency=Frequency(row.frequency) if row.frequency else None,
        tags=tuple(Tag(tag.key, Coverage(tag.coverage)) for tag in row.tags),
    )


@dataclass(frozen=True)
class ControlRecord:
    """A control as the coverage rules and the control list read it, without the ORM."""

    pk: int
    facts: ControlFacts
    description: str
    frequency_text: str | None
    retired_on: date | None = None

    @property
    def control_id(self) -> str:
        return self.facts.control_id

    @property
    def owner(self) -> str | None:
        return self.facts.owner

    @property
    def frequency(self) -> Frequency | None:
        return self.facts.frequency

    @property
    def status(self) -> str:
        return self.facts.status.value

    @property
    def tags(self) -> tuple[Tag, ...]:
        return self.facts.tags


def control_records(
    session: Session, control_ids: Iterable[str] | None = None, *, retired: bool = False
) -> list[ControlRecord]:
    """Every control in the program (or those of ``control_ids``), in control id order as
    Python sorts it (whatever the database's collation), read with two column queries (no ORM
    objects). A retired control is out of coverage, so only ``retired=True`` includes it."""
    controls = select(
        ControlRow.id,
        ControlRow.control_id,
        ControlRow.title,
        ControlRow.status,
        ControlRow.owner,
        ControlRow.frequency,
        ControlRow.description,
        ControlRow.frequency_text,
        ControlRow.retired_on,
    )
    tag_query = select(TagRow.control_pk, TagRow.framework, TagRow.ref, TagRow.coverage)
    if not retired:
        controls = controls.where(ControlRow.retired_on.is_(None))
    if control_ids is not None:
        wanted = sorted(set(control_ids))
        controls = controls.where(ControlRow.control_id.in_(wanted))
        tag_query = tag_query.join(ControlRow, ControlRow.id == TagRow.control_pk).where(
            ControlRow.control_id.in_(wanted)
        )
    tags: dict[int, list[Tag]] = {}
    coverages = {c.value: c for c in Coverage}
    for control_pk, framework, ref, coverage in session.execute(
        tag_query.order_by(TagRow.control_pk, TagRow.framework, TagRow.ref)
    ):
        tags.setdefault(control_pk, []).append(Tag(f"{framework}:{ref}", coverages[coverage]))
    statuses = {s.value: s for s in OperatingStatus}
    frequencies = {f.value: f for f in Frequency}
    records = [
        ControlRecord(
            pk,
            ControlFacts(
                control_id=control_id,
                title=title,
                status=statuses[status],
                owner=owner,
                frequency=frequencies[frequency] if frequency else None,
                tags=tuple(tags.get(pk, ())),
            ),
            description or "",
            frequency_text,
            retired_on,
        )
        for (
            pk,
            control_id,
            title,
            status,
            owner,
            frequency,
            description,
            frequency_text,
            retired_on,
        ) in session.execute(controls)
    ]
    records.sort(key=_by_id)
    return records


def _by_id(record: ControlRecord) -> str:
    return record.control_id


def all_facts(session: Session, control_ids: Iterable[str] | None = None) -> list[ControlFacts]:
    """Every control in the program (or those of ``control_ids``) as plain facts, in control
    id order; retired controls are not in it."""
    return [record.facts for record in control_records(session, control_ids)]


def _cadences(library: Library, tags: Iterable[str]) -> tuple[list[Expectation], list[Expectation]]:
    """(applied, suggested) cadences for a control with these tags.

    A cadence applies only through a direct tag to a specific requirement whose guidance
    names it (an ISO control or clause). A broad criterion's cadence (CC7.1 expects quarterly
    vulnerability scanning, not a quarterly penetration test) and a cadence reached through a
    mapping are suggestions for the owner, who adopts one by setting the control's frequency.
    """
    applied: list[Expectation] = []
    suggested: list[Expectation] = []
    seen: set[str] = set()
    for key in tags:
        guidance = library.guidance.get(key)
        if guidance and guidance.expected_frequency and key not in seen:
            seen.add(key)
            requirement = library.requirement(key)
            broad = requirement is not None and requirement.kind == "criterion"
            (suggested if broad else applied).append(
                Expectation(
                    key, Frequency(guidance.expected_frequency), guidance.frequency_basis or ""
                )
            )
        for edge in library.graph.edges_of(key):
            # Only a requirement the tag fully serves is worth suggesting: a loose overlap (an
            # annual pentest that touches monitoring) must not even suggest "continuous".
            if (
                edge.mapping.set_id not in library.coverage_sets
                or edge.end in seen
                or not edge.relationship.covers_target
            ):
                continue
            reached = library.guidance.get(edge.end)
            if reached and reached.expected_frequency:
                seen.add(edge.end)
                suggested.append(
                    Expectation(
                        edge.end,
                        Frequency(reached.expected_frequency),
                        reached.frequency_basis or "",
                        through=key,
                    )
                )
    return applied, suggested


@dataclass(frozen=True)
class _Cadence:
    """What one tag does to the cadences ``_cadences`` applies, read off the library once."""

    expects: bool  # its guidance names a cadence
    applied: Expectation | None  # ... and it is specific (not a broad criterion): applied
    reached: tuple[str, ...]  # requirements with a cadence it fully serves through an edge


_CADENCES: dict[int, tuple[Library, dict[str, _Cadence]]] = {}


def _cadence(library: Library, key: str) -> _Cadence:
    known = _CADENCES.get(id(library))
    if known is None or known[0] is not library:
        if len(_CADENCES) > 8:
            _CADENCES.clear()
        known = _CADENCES[id(library)] = (library, {})
    found = known[1].get(key)
    if found is None:
        guidance = library.guidance.get(key)
        expects = bool(guidance and guidance.expected_frequency)
        applied = None
        if guidance and guidance.expected_frequency:
            requirement = library.requirement(key)
            if requirement is None or requirement.kind != "criterion":
                frequency = Frequency(guidance.expected_frequency)
                applied = Expectation(key, frequency, guidance.frequency_basis or "")
        reached = []
        for edge in library.graph.edges_of(key):
            if edge.mapping.set_id in library.coverage_sets and edge.relationship.covers_target:
                end = library.guidance.get(edge.end)
                if end and end.expected_frequency:
                    reached.append(edge.end)
        found = known[1][key] = _Cadence(expects, applied, tuple(reached))
    return found


def expectations_for(library: Library, tags: Iterable[str]) -> list[Expectation]:
    """Cadences the control must meet: those its direct tags to specific requirements name.

    The applied half of ``_cadences``, without building the suggestions: a tag's cadence is
    not applied again once an earlier tag (in tag order) named or reached it."""
    applied: list[Expectation] = []
    seen: set[str] = set()
    for key in tags:
        cadence = _cadence(library, key)
        if cadence.expects and key not in seen:
            seen.add(key)
            if cadence.applied is not None:
                applied.append(cadence.applied)
        seen.update(cadence.reached)
    return applied


def suggested_cadences(library: Library, tags: Iterable[str]) -> list[Expectation]:
    """Cadences shown to the owner, not applied: a criterion's, or one reached by a mapping."""
    return _cadences(library, tags)[1]


@dataclass(frozen=True)
class ControlDetail:
    control_id: str
    title: str
    description: str
    owner: str | None
    status: str
    frequency: str | None
    frequency_text: str | None
    evidence: str
    tags: list[dict[str, str]]
    effective_frequency: EffectiveFrequency
    frequency_explanation: str
    flags: list[str]
    suggested_cadences: list[str] = field(default_factory=list)  # shown, never applied
    retired_on: date | None = None
    retired_reason: str | None = None
    retired_by: str | None = None


def control_flags(row: Control | ControlRow | ControlRecord) -> list[str]:
    """Derived warnings: nothing here is stored, so it can never go stale."""
    flags = []
    if not (row.owner or "").strip():
        flags.append("unowned")
    if row.frequency is None:
        flags.append(
            f"unknown frequency {row.frequency_text!r}" if row.frequency_text else "no frequency"
        )
    if row.status == OperatingStatus.ON_PAPER.value:
        flags.append("on paper only")
    if not row.tags:
        flags.append("not tagged to any requirement")
    return flags


def explain_frequency(result: EffectiveFrequency) -> str:
    if result.conflicts:
        return (
            f"{result.own.value if result.own else '?'} (event-driven, kept). Note: "
            + "; ".join(result.conflicts)
            + " — make sure another control performs that periodic activity"
        )
    if result.deciding is not None:
        through = f" (reached from {result.deciding.through})" if result.deciding.through else ""
        own = result.own.value if result.own else "none"
        chosen = result.frequency.value if result.frequency else "?"
        return (
            f"{chosen}: stricter than the control's own ({own}) because "
            f"{result.deciding.requirement}{through} expects "
            f"{result.deciding.frequency.value} — {result.deciding.basis}. The stricter wins."
        )
    if result.own is None:
        return "no frequency set and no tagged requirement expects one"
    if result.expectations:
        return (
            f"{result.own.value}: already as strict as every expectation ("
            + ", ".join(f"{e.requirement} {e.frequency.value}" for e in result.expectations)
            + ")"
        )
    return f"{result.own.value}: the control's own; no tagged requirement expects a cadence"


def _would_tighten(suggested: Frequency, current: Frequency | None) -> bool:
    """Whether adopting ``suggested`` would make the control run more often."""
    if current is None:
        return True
    if not (suggested.periodic and current.periodic):
        return False
    return suggested != current and stricter(suggested, current) == suggested


def describe_control(
    session: Session, library: Library, control_id: str, row: ControlRow | None = None
) -> ControlDetail:
    """The control with its tags, frequency and flags (``row``: when the caller read it)."""
    row = row if row is not None else control_row(session, control_id)
    own = Frequency(row.frequency) if row.frequency else None
    keys = [t.key for t in row.tags]
    applied, suggested = _cadences(library, keys)
    effective = effective_frequency(own, applied)
    suggestions = [
        f"{e.requirement}"
        + (f" (reached from {e.through})" if e.through else "")
        + f" suggests {e.frequency.value}: {e.basis}. Adopt it with crosswalk controls edit "
        f"{row.control_id} --frequency {e.frequency.value}"
        for e in suggested
        if _would_tighten(e.frequency, effective.frequency)
    ]
    return ControlDetail(
        control_id=row.control_id,
        title=row.title,
        description=row.description,
        owner=row.owner,
        status=row.status,
        frequency=row.frequency,
        frequency_text=row.frequency_text,
        evidence=row.evidence,
        tags=[
            {
                "requirement": tag.key,
                "coverage": tag.coverage,
                "title": (r.title if (r := library.requirement(tag.key)) else "(not loaded)"),
            }
            for tag in row.tags
        ],
        effective_frequency=effective,
        frequency_explanation=explain_frequency(effective)
        + "".join(f". Suggestion, not applied: {s}" for s in suggestions),
        flags=control_flags(row),
        suggested_cadences=suggestions,
        retired_on=row.retired_on,
        retired_reason=row.retired_reason,
        retired_by=row.retired_by,
    )
