"""Evidence as a person reads it: what an auditor may see, a
freshness summary, the store's verification, and which requirements a file counts for.

The web pages and the JSON API share these views; the rules about who sees what live in
``permissions`` and are only applied here.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Protocol

from sqlalchemy.orm import Session

from crosswalk.domain.window import WindowReport
from crosswalk.services.access import permissions
from crosswalk.services.access.users import AUDITOR, User
from crosswalk.services.controls.controls import control_row
from crosswalk.services.evidence.evidence import (
    Evidence,
    EvidenceQuery,
    EvidenceTotals,
    VerifyReport,
    evidence_page,
    evidence_totals,
    get_evidence,
)
from crosswalk.services.evidence.freshness import (
    DUE_THIS_MONTH,
    DUE_THIS_WEEK,
    STALE,
    ControlFreshness,
)
from crosswalk.services.evidence.window import default_observation_window


def visible(user: User, rows: Iterable[Evidence]) -> list[Evidence]:
    return [row for row in rows if permissions.evidence_visible(user, row)]


def require_visible(user: User, row: Evidence) -> None:
    """An auditor asking for evidence outside their window is refused, never shown it."""
    if permissions.evidence_visible(user, row):
        return
    window = permissions.auditor_window(user)
    if window is None:
        raise permissions.Forbidden(
            "no observation window is set for you yet; an admin sets it before you see evidence"
        )
    raise permissions.Forbidden(
        f"evidence #{row.id} was performed outside your observation window "
        f"({window[0]}..{window[1]})"
    )


def visible_evidence(session: Session, user: User, evidence_id: int) -> Evidence:
    row = get_evidence(session, evidence_id)
    require_visible(user, row)
    return row


def hidden_reason(user: User) -> str:
    """Why an auditor sees less (or nothing); empty for everyone else."""
    if user.role != AUDITOR:
        return ""
    window = permissions.auditor_window(user)
    if window is None:
        return (
            "No observation window is set for you yet, so no evidence is shown. "
            "Ask an admin to set your window (crosswalk users set-window)."
        )
    return (
        f"Showing only evidence performed inside your observation window, {window[0]}..{window[1]}."
    )


# --- freshness ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FreshnessSummary:
    counts: dict[str, int]  # fresh, due, stale, never: every control in exactly one
    stale: list[ControlFreshness]  # evidence no longer stands (stale or none), oldest first
    due: list[ControlFreshness]


DUE_STATES = (DUE_THIS_WEEK, DUE_THIS_MONTH)


def _stale_order(item: ControlFreshness) -> tuple[date, str]:
    return item.last_performed or date.min, item.control_id


def _due_order(item: ControlFreshness) -> tuple[date, str]:
    return item.next_due or date.max, item.control_id


def _control_order(item: ControlFreshness) -> str:
    return item.control_id


def _bucket(item: ControlFreshness) -> str:
    """The count an item falls in (every control in exactly one)."""
    if item.state in DUE_STATES:
        return "due"
    if item.fresh:
        return "fresh"
    return "stale" if item.state == STALE else "never"


def freshness_summary(items: list[ControlFreshness]) -> FreshnessSummary:
    """Counts as the gap analysis sees them: an event-driven control (or one without a
    cadence) is fresh once evidenced and counts as never evidenced until then."""
    counts = {"fresh": 0, "due": 0, "stale": 0, "never": 0}
    for item in items:
        counts[_bucket(item)] += 1
    due = [i for i in items if i.state in DUE_STATES]
    stale = [i for i in items if not i.fresh]
    return FreshnessSummary(counts, sorted(stale, key=_stale_order), sorted(due, key=_due_order))


@dataclass(frozen=True)
class FreshnessLists:
    """Every control's evidence state as the pages list it: the summary (stale oldest first,
    due soonest first) and what is due this week and this month, in control order."""

    controls: int
    summary: FreshnessSummary
    due_this_week: list[ControlFreshness]
    due_this_month: list[ControlFreshness]


def freshness_lists(items: list[ControlFreshness]) -> FreshnessLists:
    """``items`` in control order."""
    return FreshnessLists(
        len(items),
        freshness_summary(items),
        [i for i in items if i.state == DUE_THIS_WEEK],
        [i for i in items if i.state == DUE_THIS_MONTH],
    )


Order = Callable[[ControlFreshness], Any]


def _without(items: list[ControlFreshness], item: ControlFreshness, key: Order) -> None:
    at = bisect_left(items, key(item), key=key)
    if at < len(items) and items[at].control_id == item.control_id:
        del items[at]


def _is_stale(item: ControlFreshness) -> bool:
    return not item.fresh


def _is_due(item: ControlFreshness) -> bool:
    return item.state in DUE_STATES


def _due_this_week(item: ControlFreshness) -> bool:
    return item.state == DUE_THIS_WEEK


def _due_this_month(item: ControlFreshness) -> bool:
    return item.state == DUE_THIS_MONTH


def lists_after(
    lists: FreshnessLists, removed: list[ControlFreshness], added: list[ControlFreshness]
) -> FreshnessLists:
    """``lists`` without the ``removed`` states, with the ``added`` ones: what
    ``freshness_lists`` gives on the new states, for the cost of the controls changed."""
    counts = dict(lists.summary.counts)
    stale, due = list(lists.summary.stale), list(lists.summary.due)
    week, month = list(lists.due_this_week), list(lists.due_this_month)
    placed: list[tuple[list[ControlFreshness], Order, Callable[[ControlFreshness], bool]]] = [
        (stale, _stale_order, _is_stale),
        (due, _due_order, _is_due),
        (week, _control_order, _due_this_week),
        (month, _control_order, _due_this_month),
    ]
    for item in removed:
        counts[_bucket(item)] -= 1
        for found, key, belongs in placed:
            if belongs(item):
                _without(found, item, key)
    for item in added:
        counts[_bucket(item)] += 1
        for found, key, belongs in placed:
            if belongs(item):
                insort(found, item, key=key)
    controls = lists.controls - len(removed) + len(added)
    return FreshnessLists(controls, FreshnessSummary(counts, stale, due), week, month)


# --- verification ------------------------------------------------------------------------


@dataclass(frozen=True)
class StoreProblem:
    problem: str  # "missing" or "altered"
    evidence: int
    title: str
    sha256: str
    now: str | None = None


@dataclass(frozen=True)
class Verification:
    checked: int
    ok: int
    problems: list[StoreProblem]
    unreferenced: int  # complete files no row points to (an interrupted add; harmless)

    @property
    def intact(self) -> bool:
        return not self.problems


def _problem(kind: str, entry: dict[str, object]) -> StoreProblem:
    now = entry.get("now")
    return StoreProblem(
        kind,
        int(str(entry["evidence"])),
        str(entry["title"]),
        str(entry["sha256"]),
        str(now) if now else None,
    )


def verification(report: VerifyReport, allowed: set[int] | None = None) -> Verification:
    """The verify report as one list of problems; ``allowed`` limits it to evidence ids
    the reader may see (auditors), counting only their files."""
    problems = [_problem("missing", e) for e in report.missing]
    problems += [_problem("altered", e) for e in report.altered]
    if allowed is None:
        return Verification(report.checked, report.ok, problems, len(report.unreferenced))
    shown = [p for p in problems if p.evidence in allowed]
    return Verification(len(allowed), len(allowed) - len(shown), shown, 0)


# --- controls a user may attach evidence to ----------------------------------------------


@dataclass(frozen=True)
class ControlChoice:
    control_id: str
    title: str
    owner: str | None


class TitledControl(Protocol):
    """A control as any list names it: a stored control, or a row of the live program."""

    @property
    def control_id(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def owner(self) -> str | None: ...


def linkable_controls(user: User, controls: Iterable[TitledControl]) -> list[ControlChoice]:
    return [
        ControlChoice(c.control_id, c.title, c.owner)
        for c in controls
        if permissions.can_write(user) and permissions.can_edit_control(user, c)
    ]


# --- the observation window as a given reader may see it -----------------------------------


def months_before(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def default_window(user: User, today: date) -> tuple[date, date]:
    """The auditor's own window; for everyone else the last twelve full calendar months."""
    window = permissions.auditor_window(user)
    if user.role == AUDITOR and window is not None:
        return window
    return default_observation_window(today)


@dataclass(frozen=True)
class WindowChoice:
    start: date
    end: date
    clamped: bool  # an auditor asked for more than their window


def reader_window(user: User, start: date, end: date) -> WindowChoice:
    """An auditor's window is clamped to theirs (and is theirs when nothing overlaps)."""
    if user.role != AUDITOR:
        return WindowChoice(start, end, False)
    window = permissions.auditor_window(user)
    if window is None:
        raise permissions.Forbidden(
            "no observation window is set for you yet; an admin sets it before you see evidence"
        )
    low, high = max(start, window[0]), min(end, window[1])
    if high < low:
        return WindowChoice(window[0], window[1], True)
    return WindowChoice(low, high, (low, high) != (start, end))


def without_outside_evidence(report: WindowReport) -> WindowReport:
    """The report minus evidence dated outside its window (what an auditor may not see)."""
    controls = [replace(c, outside=[], outside_evidence=[], notes=[]) for c in report.controls]
    return replace(report, controls=controls)


def window_chart_rows(report: WindowReport) -> list[tuple[str, dict[str, int]]]:
    """Controls with and without each kind of exception, for a stacked bar chart."""
    s, total = report.summary, report.summary.controls_checked

    def bar(label: str, bad: int, out_of: int = total) -> tuple[str, dict[str, int]]:
        return label, {"no exception": out_of - bad, "exception": bad}

    return [
        bar("Any exception", s.with_exceptions),
        bar("Missing periods", s.with_missing_periods),
        bar("Audit-day only", s.audit_day_only),
    ]


@dataclass(frozen=True)
class EvidenceCounts:
    total: int
    with_file: int
    bytes: int
    by_kind: dict[str, int] = field(default_factory=dict)


EVIDENCE_PER_PAGE = 50


@dataclass(frozen=True)
class EvidenceListing:
    """One page of the evidence a user may see, with counts over all of it."""

    evidence: list[Evidence]
    counts: EvidenceCounts  # over everything the filters keep, not this page
    page: int
    pages: int
    per_page: int
    q: str = ""
    kind: str = ""


def evidence_listing(
    session: Session,
    user: User,
    control_id: str | None = None,
    q: str = "",
    kind: str = "",
    page: int = 1,
    per_page: int = EVIDENCE_PER_PAGE,
    remember: Callable[[EvidenceQuery, Callable[[], EvidenceTotals]], EvidenceTotals] | None = None,
) -> EvidenceListing:
    """Newest first, a page at a time, narrowed in the database: an auditor's window is a
    condition of the query (outside it nothing is read), as are the control, the text and
    the kind. ``remember`` may keep the counts of a query until the data changes (the web
    app pages through the same query)."""
    control_pk = control_row(session, control_id).id if control_id else None
    window = permissions.auditor_window(user) if user.role == AUDITOR else None
    if user.role == AUDITOR and window is None:
        return EvidenceListing([], EvidenceCounts(0, 0, 0), 1, 1, per_page, q, kind)
    wanted = EvidenceQuery(control_pk, window, q, kind)

    def count() -> EvidenceTotals:
        return evidence_totals(session, wanted)

    totals = remember(wanted, count) if remember is not None else count()
    pages = max(1, -(-totals.matched // per_page))
    shown = min(max(page, 1), pages)
    items = evidence_page(session, wanted, (shown - 1) * per_page, per_page)
    counts = EvidenceCounts(totals.matched, totals.with_file, totals.bytes, totals.by_kind)
    return EvidenceListing(items, counts, shown, pages, per_page, q, kind)
