"""The program's coverage kept live for the web app: every verdict of every framework, each
control's evidence state and list row, and the ISMS records as the clauses read them, built
once and then brought up to date from the audit trail for what each change touches.

Every audited write appends to the trail in its own transaction, and writers extend the
trail one at a time (an advisory lock on PostgreSQL, the write lock on SQLite), so the
newest entry's id versions the data and the entries after a version name the rows that
changed since. ``advance`` reads them and reads again only those rows: an edit of a control
reads that control again (its tags, evidence dates and what its owner said is missing) and
judges again the requirements it reached before or reaches now, with the headings above
them. A change it cannot follow piece by piece builds everything again (correct first):
a setting (the bar for "likely", the risk method), a team adjustment of the crosswalk (a
new library), deleted evidence, the workspace's first evidence (covered starts to need
fresh evidence), a kind of record it does not know, a burst of more than ``FOLLOW_LIMIT``
entries or ``CONTROL_LIMIT`` controls, and a new day.

What a verdict reads, and the trail entries that change it:

- a control's facts (title, status, owner, frequency) and tags: ``control``,
  ``control_tag`` (an owner's confirmation that a control meets a requirement is a tag);
- its evidence (freshness, once the workspace tracks evidence): ``evidence``,
  ``evidence_link``;
- what an owner said a partial tag misses: ``confirmation``;
- the approved SoA's exclusions: ``soa_version``, ``soa_entry``;
- ISO clauses judged from the ISMS records: ``scope_statement``, ``asset``, ``risk``,
  ``soa_*``, ``internal_audit``, ``management_review``, ``nonconformity``, ``objective``,
  the controls reaching the competence requirements (7.2, 7.3) with their evidence, and the
  policy files in the workspace folder (not in the trail: their names, sizes and times are
  compared at each advance instead).

No verdict reads a review flag, but a control's page shows those on it and its tags: such a
``review_flag`` entry reads that control again, so its record in the program is a new one
and the web app's copy of its page (kept per record) is read again too.

``build_program`` and ``advance`` return a new ``LiveProgram``, never change one: a request
holds on to the state it started with while another brings the next one in.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.controls import ControlFacts
from crosswalk.domain.coverage import Assessment, Reaching, RecordJudgement, assess, reach
from crosswalk.domain.coverage import reassess as judge_again
from crosswalk.services.controls.confirmations import missing_parts
from crosswalk.services.controls.controls import ControlRecord, control_records
from crosswalk.services.coverage.clauses import RecordStanding, judge_clauses, standings_of
from crosswalk.services.coverage.control_views import ControlListItem, list_item
from crosswalk.services.coverage.explorer import PageMemo
from crosswalk.services.coverage.gap import (
    GapError,
    GapMemo,
    GapReport,
    approved_exclusions,
    build_gap_report,
    evidence_rule,
    likely_strength,
)
from crosswalk.services.evidence.freshness import (
    Cadences,
    ControlFreshness,
    freshness_of,
    latest_performed,
)
from crosswalk.services.evidence.trail import changes_since, latest_entry_id
from crosswalk.services.evidence.views import FreshnessLists, freshness_lists, lists_after
from crosswalk.services.isms.nonconformities import overdue
from crosswalk.services.isms.readiness import (
    PolicyStamp,
    Readiness,
    policy_stamp,
    reaches_competence,
    readiness,
    with_competence_again,
)
from crosswalk.services.mapping.flags import CONTROL, TAG
from crosswalk.store.audit import Change
from crosswalk.store.models import ControlRow, EvidenceLinkRow, EvidenceRow

FOLLOW_LIMIT = 1000  # trail entries: beyond, reading everything again is cheaper
CONTROL_LIMIT = 500  # controls touched at once: likewise
SOA = frozenset({"soa_version", "soa_entry"})
RECORDS = SOA | {
    "scope_statement",
    "asset",
    "risk",
    "internal_audit",
    "management_review",
    "nonconformity",
    "objective",
}
# No verdict reads them (the GDPR records are read by the GDPR report alone).
UNRELATED = frozenset(
    {
        "user",
        "mapping_review",
        "incident",
        "processing_activity",
        "data_subject_request",
    }
)
NOTHING = Reaching((), (), ())


@dataclass(frozen=True)
class LiveControl:
    """One control as every live view reads it."""

    pk: int
    facts: ControlFacts  # as coverage counts it (evidence_fresh set once evidence is tracked)
    freshness: ControlFreshness
    item: ControlListItem
    missing: tuple[tuple[str, str], ...]  # (requirement key, what its owner said is missing)
    competent: bool  # reaches the competence requirements: its evidence is training records


@dataclass(frozen=True, eq=False)
class LiveProgram:
    """The program's coverage at one trail version, for one library and one day. The memos
    are shared along a line of states (``advance`` passes them on): each checks that what
    it lends is still the same object or an equal one."""

    library: Library
    today: date
    root: Path | None  # the workspace folder (its policy library)
    version: int  # the newest trail entry reflected
    stamp: PolicyStamp
    tracked: bool  # the workspace tracks evidence: covered needs fresh evidence
    likely: int  # the workspace's bar for "likely"
    excluded: Mapping[str, str]
    controls: Mapping[str, LiveControl]
    order: tuple[str, ...]  # control ids, sorted
    reached: Mapping[str, Reaching]  # what reaches each requirement of every framework
    freshness_lists: FreshnessLists  # the controls' evidence states as pages list them
    readiness: Readiness
    standings: Mapping[str, RecordStanding]
    overdue: tuple[str, ...]  # overdue nonconformities, most overdue first
    judged: Mapping[str, Mapping[str, RecordJudgement]]  # per framework
    assessments: Mapping[str, Mapping[str, Assessment]]  # per framework, every kind
    memo: GapMemo = field(default_factory=GapMemo, compare=False, repr=False)
    pages: PageMemo = field(default_factory=PageMemo, compare=False, repr=False)  # explorer

    def facts(self) -> list[ControlFacts]:
        return [self.controls[c].facts for c in self.order]

    def freshness(self) -> list[ControlFreshness]:
        return [self.controls[c].freshness for c in self.order]

    def items(self) -> list[ControlListItem]:
        return [self.controls[c].item for c in self.order]

    def missing(self) -> dict[tuple[str, str], str]:
        return {
            (control_id, key): said
            for control_id in self.order
            for key, said in self.controls[control_id].missing
        }

    @property
    def evidence_rule(self) -> str:
        return evidence_rule(self.tracked, self.likely)

    def gap_report(self, source: str, target: str) -> GapReport:
        """``run_gap`` for this state (the workspace's own evidence rule and bar)."""
        if target not in self.library.frameworks:
            raise GapError(f"unknown target framework {target!r}")
        report = build_gap_report(
            self.library,
            self.facts(),
            source,
            target,
            dict(self.excluded),
            likely_strength=self.likely,
            standings=dict(self.standings),
            missing=self.missing(),
            assessments=self.assessments[target],
            memo=self.memo,
        )
        report.evidence_rule = self.evidence_rule
        return report


def _tracked(session: Session) -> bool:
    return session.scalar(select(func.count()).select_from(EvidenceRow)) != 0


def _by_control(missing: Mapping[tuple[str, str], str]) -> dict[str, tuple[tuple[str, str], ...]]:
    found: dict[str, list[tuple[str, str]]] = {}
    for (control_id, key), said in sorted(missing.items()):
        found.setdefault(control_id, []).append((key, said))
    return {control_id: tuple(items) for control_id, items in found.items()}


@dataclass
class _Reader:
    """What reading controls needs, shared across them (each set of tags' cadences, each
    tag's frameworks)."""

    library: Library
    today: date
    tracked: bool
    cadences: Cadences = field(default_factory=dict)
    frameworks: dict[str, set[str]] = field(default_factory=dict)
    competence: dict[str, bool] = field(default_factory=dict)

    def control(
        self, record: ControlRecord, last: date | None, missing: tuple[tuple[str, str], ...]
    ) -> LiveControl:
        fresh = freshness_of(self.library, record.facts, last, self.today, self.cadences)
        facts = replace(record.facts, evidence_fresh=fresh.fresh) if self.tracked else record.facts
        item = list_item(self.library, record, fresh, self.frameworks)
        competent = reaches_competence(self.library, facts, self.competence)
        return LiveControl(record.pk, facts, fresh, item, missing, competent)


@dataclass(frozen=True)
class _Records:
    readiness: Readiness
    standings: Mapping[str, RecordStanding]
    judged: Mapping[str, Mapping[str, RecordJudgement]]
    overdue: tuple[str, ...]


def _judged(library: Library, found: Readiness, overdue: tuple[str, ...]) -> _Records:
    standings = standings_of(found)
    judged = {fid: judge_clauses(library, fid, standings) for fid in library.frameworks}
    return _Records(found, standings, judged, overdue)


def _records(
    session: Session,
    library: Library,
    today: date,
    root: Path | None,
    facts: list[ControlFacts],
) -> _Records:
    found = readiness(session, library, today, facts, root)
    return _judged(library, found, tuple(row.nc_id for row in overdue(session, today)))


def build_program(
    session: Session, library: Library, today: date, root: Path | None = None
) -> LiveProgram:
    """Everything from scratch, at the trail's newest entry (read first: rows read after it
    are at least as new, and ``advance`` reading the same rows again is harmless)."""
    version = latest_entry_id(session)
    stamp = policy_stamp(root)
    tracked = _tracked(session)
    records = control_records(session)
    latest = latest_performed(session)
    missing = _by_control(missing_parts(session))
    reader = _Reader(library, today, tracked)
    controls = {
        r.control_id: reader.control(r, latest.get(r.control_id), missing.get(r.control_id, ()))
        for r in records
    }
    order = tuple(controls)
    facts = [controls[c].facts for c in order]
    walked = reach(library.frameworks, facts, library.graph, library.coverage_sets)
    reached = {key: Reaching.of(found) for key, found in walked.items()}
    found = _records(session, library, today, root, facts)
    excluded = approved_exclusions(session)
    bar = likely_strength(session)
    assessments = {
        fid: assess(
            framework,
            facts,
            library.graph,
            library.coverage_sets,
            {r.kind for r in framework},
            excluded,
            reached,
            likely_strength=bar,
            judged=found.judged[fid],
        )
        for fid, framework in library.frameworks.items()
    }
    return LiveProgram(
        library=library,
        today=today,
        root=root,
        version=version,
        stamp=stamp,
        tracked=tracked,
        likely=bar,
        excluded=excluded,
        controls=controls,
        order=order,
        reached=reached,
        freshness_lists=freshness_lists([controls[c].freshness for c in order]),
        readiness=found.readiness,
        standings=found.standings,
        overdue=found.overdue,
        judged=found.judged,
        assessments=assessments,
    )


@dataclass
class _Touched:
    """What a run of trail entries touched."""

    controls: set[str] = field(default_factory=set)
    linked: set[str] = field(default_factory=set)  # controls whose evidence links changed
    tagged: set[str] = field(default_factory=set)  # whose tags changed (partial ones: missing)
    evidence: set[int] = field(default_factory=set)
    confirmations: set[int] = field(default_factory=set)  # control pks
    records: bool = False
    soa: bool = False
    rebuild: bool = False


def _touched(changes: Iterable[Change]) -> _Touched:
    touched = _Touched()
    for change in changes:
        entity, key = change.entity, change.entity_key
        if entity == "control":
            touched.controls.add(key)
            before = json.loads(change.before) if change.before else {}
            if before.get("control_id"):  # renamed (or deleted): the old id goes
                touched.controls.add(str(before["control_id"]))
        elif entity == "control_tag":
            touched.controls.add(key.partition(" -> ")[0])
            touched.tagged.add(key.partition(" -> ")[0])
        elif entity == "evidence_link":
            touched.controls.add(key.partition(" -> ")[2])
            touched.linked.add(key.partition(" -> ")[2])
        elif entity == "evidence":
            if change.action == "delete" or not _number(key):
                touched.rebuild = True
            else:
                touched.evidence.add(int(key))
        elif entity == "confirmation":
            pk = key.partition(" ")[0]
            if _number(pk):
                touched.confirmations.add(int(pk))
            else:
                touched.rebuild = True
        elif entity == "review_flag":  # no verdict reads them; a control's page shows its own
            kind, _, subject = key.partition(" ")
            if kind in (CONTROL, TAG):  # "C-1", or a tag: "C-1|iso27001-2022:A.5.15"
                touched.controls.add(subject.rpartition("|")[0] if kind == TAG else subject)
        elif entity in RECORDS:
            touched.records = True
            touched.soa = touched.soa or entity in SOA
        elif entity not in UNRELATED:  # settings, adjustments, anything new
            touched.rebuild = True
    return touched


@dataclass(frozen=True)
class _Named:
    """The controls a run of entries touched, and what of each to read again."""

    controls: set[str]
    evidence: set[str]  # their evidence (links, dates) changed
    said: set[str]  # their tags or confirmations changed: what owners said is missing


def _number(text: str) -> bool:
    """A primary key as the trail spells it: ASCII digits (``str.isdigit`` takes "¹" too,
    which ``int`` refuses, and a control may well be called that)."""
    return text.isascii() and text.isdigit()


def _control_ids(session: Session, touched: _Touched) -> _Named:
    """The controls the entries name, with those of the evidence and confirmations named."""
    found = set(touched.controls)
    evidence, said = set(touched.linked), set(touched.tagged)
    # A tag or link whose control was not loaded names it by primary key: read both ways.
    pks = {int(name) for name in touched.controls if _number(name)} | touched.confirmations
    if pks:
        query = select(ControlRow.id, ControlRow.control_id).where(ControlRow.id.in_(sorted(pks)))
        named = {row.id: row.control_id for row in session.execute(query)}
        found.update(named.values())
        evidence.update(named[int(n)] for n in touched.linked if _number(n) and int(n) in named)
        said.update(named[int(n)] for n in touched.tagged if _number(n) and int(n) in named)
        said.update(named[pk] for pk in touched.confirmations if pk in named)
    if touched.evidence:
        linked = set(
            session.scalars(
                select(ControlRow.control_id)
                .join(EvidenceLinkRow, EvidenceLinkRow.control_pk == ControlRow.id)
                .where(EvidenceLinkRow.evidence_id.in_(sorted(touched.evidence)))
            )
        )
        found |= linked
        evidence |= linked
    return _Named(found, evidence, said)


def _differing(old: Mapping[str, object], new: Mapping[str, object]) -> set[str]:
    return {key for key in old.keys() | new.keys() if old.get(key) != new.get(key)}


@dataclass
class _Reread:
    """Controls read again: the new set, whose facts changed, and the keys to judge again
    because what an owner said is missing changed."""

    read: set[str]  # the controls read again
    controls: dict[str, LiveControl]
    replaced: dict[str, tuple[ControlFacts | None, ControlFacts | None]]
    changed: set[str]
    competence: bool  # the competence records (7.2, 7.3) may have changed


def _read_again(session: Session, program: LiveProgram, named: _Named, tracked: bool) -> _Reread:
    """The controls named read again: their rows always; their evidence dates and what their
    owners said is missing only when entries touched those (or the control is new)."""
    library, ids, evidence = program.library, named.controls, named.evidence
    records = {r.control_id: r for r in control_records(session, ids)}
    dated = {c for c in ids if c in evidence or c not in program.controls}
    latest = latest_performed(session, dated) if dated else {}
    told = {c for c in ids if c in named.said or c not in program.controls}
    missing = _by_control(missing_parts(session, told)) if told else {}
    reader = _Reader(library, program.today, tracked)
    reread = _Reread(ids, dict(program.controls), {}, set(), False)
    for control_id in sorted(ids):
        old = program.controls.get(control_id)
        record = records.get(control_id)
        new = None
        if record is not None:
            last = (
                latest.get(control_id)
                if control_id in dated or old is None
                else old.freshness.last_performed
            )
            said = missing.get(control_id, ()) if control_id in told or old is None else old.missing
            new = reader.control(record, last, said)
            reread.controls[control_id] = new
        else:
            reread.controls.pop(control_id, None)
        before = old.facts if old is not None else None
        after = new.facts if new is not None else None
        if before != after:
            reread.replaced[control_id] = (before, after)
        reread.changed |= _differing(
            dict(old.missing) if old is not None else {},
            dict(new.missing) if new is not None else {},
        )
        was = old is not None and old.competent
        now = new is not None and new.competent
        moved = was != now or ((was or now) and control_id in evidence)
        reread.competence = reread.competence or moved
    return reread


def _reach_again(
    program: LiveProgram, replaced: Mapping[str, tuple[ControlFacts | None, ControlFacts | None]]
) -> tuple[dict[str, Reaching], set[str]]:
    """What reaches each requirement with the replaced controls' contributions swapped, and
    the requirements it changed for."""
    reached = dict(program.reached)
    if not replaced:
        return reached, set()
    library = program.library
    targets, graph, sets = library.frameworks, library.graph, library.coverage_sets
    was = reach(targets, [f for f, _ in replaced.values() if f is not None], graph, sets)
    now = reach(targets, [f for _, f in replaced.values() if f is not None], graph, sets)
    for key in was.keys() | now.keys():
        before = program.reached.get(key, NOTHING)
        after = before.swap(was.get(key, ()), now.get(key, ()))
        if after.contributions:
            reached[key] = after
        else:
            reached.pop(key, None)
    return reached, was.keys() | now.keys()


def advance(program: LiveProgram, session: Session) -> LiveProgram:
    """``program`` brought up to the trail's newest entry: the rows the entries after its
    version name are read again, and what they feed is judged again (see the module's
    docstring for what is followed and what builds everything again)."""
    library, today, root = program.library, program.today, program.root
    changes = changes_since(session, program.version, FOLLOW_LIMIT)
    stamp = policy_stamp(root)
    if changes is None:
        return build_program(session, library, today, root)
    if not changes and stamp == program.stamp:
        return program
    touched = _touched(changes)
    if touched.rebuild:
        return build_program(session, library, today, root)
    named = _control_ids(session, touched)
    tracked = _tracked(session) if touched.evidence else program.tracked
    if len(named.controls) > CONTROL_LIMIT or tracked != program.tracked:
        return build_program(session, library, today, root)

    reread = _read_again(session, program, named, tracked) if named.controls else None
    controls = reread.controls if reread is not None else program.controls
    order = program.order if controls.keys() == program.controls.keys() else tuple(sorted(controls))
    reached, changed = _reach_again(program, reread.replaced if reread is not None else {})
    if reread is not None:
        changed |= reread.changed
    found = _Records(program.readiness, program.standings, program.judged, program.overdue)
    if touched.records or stamp != program.stamp:
        found = _records(session, library, today, root, [controls[c].facts for c in order])
    elif reread is not None and reread.competence:
        members = [c for c in order if controls[c].competent]
        again = with_competence_again(program.readiness, session, library, members)
        found = _judged(library, again, program.overdue)
    if found.readiness is not program.readiness:
        for fid in library.frameworks:
            changed |= _differing(program.judged.get(fid, {}), found.judged[fid])
    excluded = program.excluded
    if touched.soa:
        excluded = approved_exclusions(session)
        changed |= _differing(program.excluded, excluded)
    assessments = dict(program.assessments)
    if changed:
        for fid, framework in library.frameworks.items():
            assessments[fid], _ = judge_again(
                framework,
                program.assessments[fid],
                changed,
                reached,
                {r.kind for r in framework},
                excluded,
                program.likely,
                found.judged[fid],
            )
    lists = program.freshness_lists
    if reread is not None:
        removed, added = [], []
        for control_id in sorted(reread.read):
            old, new = program.controls.get(control_id), controls.get(control_id)
            if old is not None and new is not None and old.freshness == new.freshness:
                continue
            removed += [old.freshness] if old is not None else []
            added += [new.freshness] if new is not None else []
        lists = lists_after(lists, removed, added)
    return replace(
        program,
        version=changes[-1].id if changes else program.version,
        freshness_lists=lists,
        stamp=stamp,
        excluded=excluded,
        controls=controls,
        order=order,
        reached=reached,
        readiness=found.readiness,
        standings=found.standings,
        overdue=found.overdue,
        judged=found.judged,
        assessments=assessments,
    )
