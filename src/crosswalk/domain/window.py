"""The SOC 2 Type 2 observation window: is there evidence for every period it spans?

An auditor tests a Type 2 report by sampling each period of the window (each quarter of a
quarterly control, each week of a continuous one) and each event of an event-driven
population (every change, hire, termination). This module answers the same questions
before the auditor does: which periods have no evidence, which evidence is dated outside
the window, which controls only worked just before the audit, and which events have no
evidence at all. Pure logic: the caller loads evidence and hands over dates.
"""

from __future__ import annotations

import csv
import io
import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from crosswalk.domain.errors import CrosswalkError
from crosswalk.domain.frequency import Frequency

EvidenceId = int | str
ONE_DAY = timedelta(days=1)


class WindowError(CrosswalkError):
    """A window or a piece of evidence whose dates cannot be checked (end before start)."""


# --- periods -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Period:
    """One calendar period, both dates inclusive, labelled the way auditors write it."""

    start: date
    end: date
    label: str

    def __str__(self) -> str:
        return f"{self.label} ({self.start.isoformat()}..{self.end.isoformat()})"


def _month_end(year: int, month: int) -> date:
    return (date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)) - ONE_DAY


def _months(day: date, size: int) -> tuple[date, date]:
    """The block of ``size`` months (1, 3, 6, 12) that contains ``day``."""
    first = (day.month - 1) // size * size + 1
    return date(day.year, first, 1), _month_end(day.year, first + size - 1)


def period_containing(frequency: Frequency, day: date) -> Period:
    """The calendar period of a periodic cadence that contains ``day``.

    Continuous controls are sampled weekly: auditors test automated, always-on controls by
    sampling, and asking for evidence of every single day would bury real gaps in noise.
    """
    if frequency is Frequency.DAILY:
        return Period(day, day, day.isoformat())
    if frequency in (Frequency.WEEKLY, Frequency.CONTINUOUS):
        monday = day - timedelta(days=day.weekday())
        iso = monday.isocalendar()
        return Period(monday, monday + timedelta(days=6), f"{iso.year}-W{iso.week:02d}")
    if frequency is Frequency.MONTHLY:
        start, end = _months(day, 1)
        return Period(start, end, f"{day.year}-{day.month:02d}")
    if frequency is Frequency.QUARTERLY:
        start, end = _months(day, 3)
        return Period(start, end, f"{day.year}-Q{(day.month - 1) // 3 + 1}")
    if frequency is Frequency.SEMIANNUAL:
        start, end = _months(day, 6)
        return Period(start, end, f"{day.year}-H{1 if day.month <= 6 else 2}")
    if frequency is Frequency.ANNUAL:
        return Period(date(day.year, 1, 1), date(day.year, 12, 31), str(day.year))
    raise ValueError(f"{frequency.value} is event-driven: it has no calendar periods")


@lru_cache(maxsize=256)
def _periods(frequency: Frequency, start: date, end: date) -> tuple[Period, ...]:
    if not frequency.periodic or end < start:
        return ()
    found = [period_containing(frequency, start)]
    while found[-1].end < end:
        found.append(period_containing(frequency, found[-1].end + ONE_DAY))
    return tuple(found)


def expected_periods(frequency: Frequency, start: date, end: date) -> list[Period]:
    """Calendar periods overlapping the window [start, end]; [] for event-driven cadences.

    Event-driven controls (per change, per hire...) are checked against a population of
    events instead, see :func:`match_population`.
    """
    return list(_periods(frequency, start, end))


# --- one control over the window -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EvidenceDating:
    """When the work was done (``start == end``) or the period it covers (an access review
    of Q1). ``reference`` is free text that may name tickets or events (CHG-1042)."""

    evidence_id: EvidenceId
    start: date
    end: date
    reference: str = ""

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise WindowError(
                f"evidence {self.evidence_id} ends ({self.end}) before it starts ({self.start})"
            )

    @property
    def dated(self) -> str:
        if self.start == self.end:
            return self.start.isoformat()
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


@dataclass(frozen=True, slots=True)
class PeriodCheck:
    period: Period
    evidence_ids: tuple[EvidenceId, ...]

    @property
    def covered(self) -> bool:
        return bool(self.evidence_ids)


@dataclass(frozen=True, slots=True)
class ControlWindow:
    """What an auditor would find testing one control over the window."""

    control_id: str
    title: str
    frequency: Frequency | None
    periods: list[PeriodCheck]
    missing: list[Period]
    outside: list[EvidenceId]
    audit_day_only: bool
    exceptions: list[str]
    evidence_in_window: int = 0
    outside_evidence: list[EvidenceDating] = field(default_factory=list)  # with their dates
    owner: str | None = None
    notes: list[str] = field(default_factory=list)  # worth reading, not exceptions
    retired_on: date | None = None  # retired during the window: tested up to that day
    in_progress: list[Period] = field(default_factory=list)  # still running at the window's end

    @property
    def has_exceptions(self) -> bool:
        return bool(self.exceptions)


def _check_window(start: date, end: date, audit_day_days: int) -> None:
    if end < start:
        raise WindowError(f"the window ends ({end}) before it starts ({start})")
    if audit_day_days < 1:
        raise WindowError(f"audit-day days must be at least 1, not {audit_day_days}")


def _missing_sentences(missing: Sequence[Period]) -> Iterator[str]:
    """One sentence per run of consecutive missing periods, so a dead daily control reads
    as one finding rather than 365."""
    runs: list[list[Period]] = []
    for period in missing:
        if runs and runs[-1][-1].end + ONE_DAY == period.start:
            runs[-1].append(period)
        else:
            runs.append([period])
    for run in runs:
        first, last = run[0], run[-1]
        if len(run) == 1:
            yield f"no evidence for {first}"
        else:
            yield (
                f"no evidence for {first.label}..{last.label} ({len(run)} periods, "
                f"{first.start.isoformat()}..{last.end.isoformat()})"
            )


def _audit_day_sentence(count: int, days: int) -> str:
    pieces = (
        "the only piece of evidence falls" if count == 1 else f"all {count} pieces of evidence fall"
    )
    return f"{pieces} in the last {days} days of the window: audit-day only"


def _assign(
    periods: Sequence[Period], inside: Sequence[EvidenceDating], start: date, end: date
) -> list[list[EvidenceId]]:
    """Evidence ids per period, each clipped to the window [start, end] and placed by
    bisecting period starts: O(evidence x periods it touches), never evidence x periods."""
    starts = [p.start for p in periods]
    buckets: list[list[EvidenceId]] = [[] for _ in periods]
    if not periods:
        return buckets
    for item in inside:
        last = min(item.end, end)
        index = bisect_right(starts, max(item.start, start)) - 1
        while index < len(periods) and periods[index].start <= last:
            buckets[index].append(item.evidence_id)
            index += 1
    return buckets


def check_control(
    control_id: str,
    title: str,
    frequency: Frequency | None,
    evidence: Sequence[EvidenceDating],
    window_start: date,
    window_end: date,
    audit_day_days: int = 14,
    *,
    owner: str | None = None,
) -> ControlWindow:
    """Periods without evidence, evidence outside the window, and audit-day-only operation.

    Evidence counts for a period when its dates overlap both the period and the window:
    evidence dated before the window is outside the observation period and is not tested,
    even when it falls in the same calendar quarter as the window's first day.
    """
    _check_window(window_start, window_end, audit_day_days)
    if frequency is None:
        unset = ["no frequency set: cannot check the window"]
        return ControlWindow(control_id, title, None, [], [], [], False, unset, owner=owner)
    inside: list[EvidenceDating] = []
    outside: list[EvidenceDating] = []
    for item in evidence:
        in_window = item.start <= window_end and item.end >= window_start
        (inside if in_window else outside).append(item)
    periods = _periods(frequency, window_start, window_end)
    assigned = _assign(periods, inside, window_start, window_end)
    checks = [PeriodCheck(p, tuple(ids)) for p, ids in zip(periods, assigned, strict=True)]
    # A period still running when the window closes had no full cycle to run in it: the
    # quarterly review of a quarter ending after the window is not yet due.
    in_progress = [c.period for c in checks if c.period.end > window_end and not c.evidence_ids]
    missing = [c.period for c in checks if not c.evidence_ids and c.period.end <= window_end]
    exceptions = list(_missing_sentences(missing))
    # Evidence from before or after the window is normal operation, not a finding; it is
    # listed so nobody counts it towards the window by mistake.
    notes = [f"evidence {i.evidence_id} dated {i.dated} is outside the window" for i in outside]
    cutoff = window_end - timedelta(days=audit_day_days - 1)
    window_days = (window_end - window_start).days + 1
    audit_day = (
        bool(inside) and window_days > audit_day_days and all(i.start >= cutoff for i in inside)
    )
    if audit_day:
        days = (window_end - min(i.start for i in inside)).days + 1
        exceptions.append(_audit_day_sentence(len(inside), days))
    return ControlWindow(
        control_id=control_id,
        title=title,
        frequency=frequency,
        periods=checks,
        missing=missing,
        outside=[i.evidence_id for i in outside],
        audit_day_only=audit_day,
        exceptions=exceptions,
        evidence_in_window=len(inside),
        outside_evidence=outside,
        owner=owner,
        notes=notes,
        in_progress=in_progress,
    )


# --- event populations ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Event:
    """One member of a population an event-driven control must cover (a change, a hire)."""

    event_id: str
    occurred: date
    kind: str = ""
    description: str = ""


class PopulationError(CrosswalkError):
    """A population file that cannot be read; names the file, row and column."""

    def __init__(
        self, path: Path, message: str, row: int | None = None, column: str | None = None
    ) -> None:
        self.path = path
        self.row = row
        self.column = column
        where = "".join(
            [f", row {row}" if row is not None else "", f", column {column!r}" if column else ""]
        )
        super().__init__(f"{path}{where}: {message}")


_POPULATION_HEADERS: dict[str, tuple[str, ...]] = {  # in order of preference
    "event_id": (
        "id", "event id", "change id", "change number", "ticket", "ticket id", "ticket number",
        "key", "issue key", "incident id", "request id", "employee id",
    ),
    "occurred": (
        "date", "event date", "occurred", "occurred at", "occurred on", "created", "created at",
        "created date", "closed", "closed at", "closed date", "resolved", "deployed",
        "hired", "hire date", "start date", "terminated", "termination date",
    ),
    "kind": ("type", "kind", "event type", "change type", "issue type", "category"),
    "description": ("description", "summary", "title", "subject", "name"),
}  # fmt: skip
_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T].*)?")


def _header(text: str) -> str:
    return " ".join(re.sub(r"[_\-.:]+", " ", text.strip().lower()).split())


def parse_event_date(text: str) -> date | None:
    """ISO dates, ISO datetimes (the date as written, whatever the offset) and US MM/DD/YYYY."""
    cleaned = text.strip()
    for parse in (date.fromisoformat, lambda s: datetime.fromisoformat(s).date()):
        try:
            return parse(cleaned)
        except ValueError:
            pass
    if match := _US_DATE.fullmatch(cleaned):
        month, day, year = (int(g) for g in match.groups())
        try:
            return date(year, month, day)
        except ValueError:
            return None
    return None


def _population_rows(path: Path) -> list[list[str]]:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise PopulationError(path, f"cannot read the file ({error.strerror})") from error
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096], ",;\t")
    except csv.Error:
        dialect = csv.excel
    return list(csv.reader(io.StringIO(text, newline=""), dialect))


def _columns(path: Path, header: list[str], header_row: int) -> dict[str, int]:
    """Field -> column index; when several headers match, the earlier synonym wins."""
    normalized = [_header(cell) for cell in header]
    columns: dict[str, int] = {}
    for name, synonyms in _POPULATION_HEADERS.items():
        for synonym in synonyms:
            if synonym in normalized:
                columns[name] = normalized.index(synonym)
                break
    for required, example in (("event_id", "id, change id, ticket or key"), ("occurred", "date")):
        if required not in columns:
            raise PopulationError(path, f"no {example} column in the header", header_row)
    return columns


def _event(
    path: Path, row_number: int, row: list[str], columns: dict[str, int], header: list[str]
) -> Event:
    def cell(name: str) -> str:
        index = columns.get(name)
        return row[index].strip() if index is not None and index < len(row) else ""

    event_id, when = cell("event_id"), cell("occurred")
    if not event_id:
        raise PopulationError(path, "missing id", row_number, header[columns["event_id"]])
    occurred = parse_event_date(when)
    if occurred is None:
        message = "missing date"
        if when:
            message = f"cannot read date {when!r} (use YYYY-MM-DD or MM/DD/YYYY)"
        raise PopulationError(path, message, row_number, header[columns["occurred"]])
    return Event(event_id, occurred, cell("kind"), cell("description"))


def read_population(path: Path | str) -> list[Event]:
    """Events from a CSV export (change tickets, HR hires and terminations, incidents).

    All or nothing: the first bad row raises a :class:`PopulationError` naming it.
    """
    path = Path(path)
    numbered = enumerate(_population_rows(path), 1)
    rows = [(number, row) for number, row in numbered if any(cell.strip() for cell in row)]
    if not rows:
        raise PopulationError(path, "the file is empty: no header row")
    (header_row, header), body = rows[0], rows[1:]
    columns = _columns(path, header, header_row)
    events: list[Event] = []
    seen: dict[str, int] = {}
    for number, row in body:
        event = _event(path, number, row, columns, header)
        key = event.event_id.casefold()
        if key in seen:
            message = f"duplicate id {event.event_id!r} (first on row {seen[key]})"
            raise PopulationError(path, message, number, header[columns["event_id"]])
        seen[key] = number
        events.append(event)
    return events


_RUN = re.compile(r"[^\W_]+")  # letters and digits; anything else separates tokens
_NOUNS = {
    Frequency.PER_CHANGE: "change",
    Frequency.PER_HIRE: "hire",
    Frequency.PER_TERMINATION: "termination",
    Frequency.PER_INCIDENT: "incident",
    Frequency.PER_REQUEST: "request",
}


@dataclass(frozen=True, slots=True)
class _Token:
    key: str  # the id from its first to its last letter or digit, case-folded
    head: str  # its first run of letters or digits, case-folded
    runs: int


def _token(event_id: str) -> _Token | None:
    runs = list(_RUN.finditer(event_id))
    if not runs:
        return None
    key = event_id[runs[0].start() : runs[-1].end()].casefold()
    return _Token(key, runs[0].group().casefold(), len(runs))


def _reference_index(
    evidence: Iterable[EvidenceDating], tokens: Sequence[_Token]
) -> dict[str, list[EvidenceId]]:
    """Wanted id -> evidence naming it as a whole token, in one pass over the references.

    A token is a span of letter/digit runs bounded by non-alphanumerics, so "CHG-1042" is
    found in "fixes CHG-1042." but not inside "CHG-10421". Only spans starting with the
    first run of some wanted id are looked at, which keeps long free text cheap.
    """
    wanted = {t.key for t in tokens}
    sizes: dict[str, set[int]] = {}
    for token in tokens:
        sizes.setdefault(token.head, set()).add(token.runs)
    index: dict[str, list[EvidenceId]] = {}
    for item in evidence:
        runs = list(_RUN.finditer(item.reference)) if item.reference else []
        for first, run in enumerate(runs):
            for size in sizes.get(run.group().casefold(), ()):
                if first + size > len(runs):
                    continue
                key = item.reference[run.start() : runs[first + size - 1].end()].casefold()
                if key in wanted:
                    bucket = index.setdefault(key, [])
                    if not bucket or bucket[-1] != item.evidence_id:
                        bucket.append(item.evidence_id)
    return index


@dataclass(frozen=True, slots=True)
class PopulationCheck:
    """Which events in the window have evidence, found through the evidence references."""

    control_id: str
    noun: str  # "change", "hire"... as the exceptions say it
    in_scope: int
    matched: dict[str, list[EvidenceId]]
    unmatched: list[Event]
    out_of_window: int
    exceptions: list[str]
    title: str = ""  # the control's, so a population row reads like every other row
    owner: str | None = None
    frequency: str = "per event"

    @property
    def has_exceptions(self) -> bool:
        return bool(self.exceptions)


def match_population(
    control_id: str,
    events: Sequence[Event],
    evidence: Sequence[EvidenceDating],
    window_start: date,
    window_end: date,
    *,
    frequency: Frequency | None = None,
) -> PopulationCheck:
    """Every event inside the window needs evidence whose reference names it.

    Evidence is matched whatever its own date: an approval may precede the change it
    approves. ``frequency`` only chooses the word used in exceptions ("change", "hire").
    """
    _check_window(window_start, window_end, 1)
    scoped = [e for e in events if window_start <= e.occurred <= window_end]
    tokens = {e.event_id: _token(e.event_id) for e in scoped}
    index = _reference_index(evidence, [t for t in tokens.values() if t])
    noun = _NOUNS.get(frequency, "event") if frequency else "event"
    matched: dict[str, list[EvidenceId]] = {}
    unmatched: list[Event] = []
    for event in scoped:
        token = tokens[event.event_id]
        found = index.get(token.key) if token else None
        if found:
            matched[event.event_id] = list(found)
        else:
            unmatched.append(event)
    exceptions = [
        f"{noun} {e.event_id}{f' ({e.kind})' if e.kind else ''} on {e.occurred.isoformat()} "
        "has no evidence"
        for e in unmatched
    ]
    return PopulationCheck(
        control_id, noun, len(scoped), matched, unmatched, len(events) - len(scoped), exceptions
    )


# --- the whole window ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WindowSummary:
    controls_checked: int
    with_missing_periods: int
    audit_day_only: int
    with_evidence_outside: int
    without_frequency: int
    with_exceptions: int
    populations_checked: int
    unmatched_events: int
    exceptions: int


@dataclass(frozen=True, slots=True)
class WindowReport:
    """The observation-window check of a whole control library."""

    start: date
    end: date
    audit_day_days: int
    controls: list[ControlWindow]
    populations: list[PopulationCheck] = field(default_factory=list)

    @property
    def exceptions_count(self) -> int:
        return sum(len(c.exceptions) for c in self.controls) + sum(
            len(p.exceptions) for p in self.populations
        )

    @property
    def has_exceptions(self) -> bool:
        return self.exceptions_count > 0

    @property
    def summary(self) -> WindowSummary:
        controls = self.controls
        return WindowSummary(
            controls_checked=len(controls),
            with_missing_periods=sum(1 for c in controls if c.missing),
            audit_day_only=sum(1 for c in controls if c.audit_day_only),
            with_evidence_outside=sum(1 for c in controls if c.outside),
            without_frequency=sum(1 for c in controls if c.frequency is None),
            with_exceptions=sum(1 for c in controls if c.has_exceptions),
            populations_checked=len(self.populations),
            unmatched_events=sum(len(p.unmatched) for p in self.populations),
            exceptions=self.exceptions_count,
        )
