"""``crosswalk evidence``, ``requirement-evidence``, ``status`` and ``audit-log``."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from crosswalk.cli.context import actor, library, session, workspace
from crosswalk.cli.output import (
    ExitCode,
    console,
    fail,
    handle_errors,
    listing,
    parse_date,
    print_json,
    print_rows,
)

if TYPE_CHECKING:
    from crosswalk.services.evidence.evidence import Evidence

app = typer.Typer(help="Evidence: add once, link to controls, verify.", no_args_is_help=True)
audit_app = typer.Typer(
    help="The hash-chained audit trail of every change.", invoke_without_command=True
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
ControlsOption = Annotated[
    list[str], typer.Option("--control", "-c", help="Control the evidence supports (repeatable).")
]


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="evidence")
    root.command("requirement-evidence")(requirement_evidence)
    root.command("status")(status)
    root.add_typer(audit_app, name="audit-log")


def parse_period(text: str) -> tuple[date, date]:
    start, sep, end = text.partition("..")
    if not sep:
        raise fail(f"--period {text!r} should be START..END, e.g. 2026-01-01..2026-03-31")
    return parse_date(start, "--period"), parse_date(end, "--period")


def _evidence_item(evidence: Evidence) -> dict[str, Any]:
    return {
        "id": evidence.id,
        "title": evidence.title,
        "kind": evidence.kind,
        "performed": evidence.performed,
        "collected_at": evidence.collected_at.isoformat(timespec="seconds"),
        "collected_by": evidence.collected_by,
        "sha256": evidence.sha256,
        "size": evidence.size,
        "url": evidence.url,
        "source": evidence.source,
        "reference": evidence.reference,
        "passed": evidence.passed,
        "controls": list(evidence.controls),
    }


@app.command("add")
@handle_errors
def add(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="A file to store, or an http(s) URL.")],
    control: ControlsOption,
    performed: Annotated[
        str | None, typer.Option(help="Date the work was done (YYYY-MM-DD).")
    ] = None,
    period: Annotated[str | None, typer.Option(help="Period covered: START..END.")] = None,
    title: Annotated[str | None, typer.Option(help="Title (default: the file name).")] = None,
    kind: Annotated[str, typer.Option(help="file, url, collector or attestation.")] = "file",
    reference: Annotated[
        str, typer.Option(help="Ticket or event ids this evidence covers, e.g. CHG-1042.")
    ] = "",
    as_json: JsonOption = False,
) -> None:
    """Add evidence once and link it to every control it supports.

    The file is stored by its SHA-256 (once, however many controls use it), streamed so
    memory stays flat, and written atomically. Through the crosswalk it counts for every
    requirement those controls reach.

    Example: crosswalk evidence add access-review-q1.pdf -c NW-AC-04 --period 2026-01-01..2026-03-31
    """
    from crosswalk.services.evidence.evidence import (
        KINDS,
        EvidenceInput,
        add_file_evidence,
        add_url_evidence,
    )

    if performed and period:
        raise fail("give --performed or --period, not both")
    if kind not in KINDS:
        raise fail(f"--kind must be one of {', '.join(KINDS)}")
    start, end = (
        parse_period(period)
        if period
        else ((parse_date(performed, "--performed"),) * 2 if performed else (None, None))
    )
    data = EvidenceInput(
        title=title or "",
        kind=kind,
        performed_start=start,
        performed_end=end,
        collected_by=actor(),
        reference=reference,
    )
    from crosswalk.services.coverage.gap import first_evidence_switch

    opened = workspace(ctx)
    with session(ctx) as active:
        if source.startswith(("http://", "https://")):
            added = add_url_evidence(active, source, control, data)
        else:
            added = add_file_evidence(active, opened.blobs, Path(source), control, data)
        item = _evidence_item(added)
        switch = first_evidence_switch(active, library(ctx))
    if as_json:
        print_json({**item, "coverage_rule_changed": switch})
        return
    console().print(
        f"evidence #{item['id']} {item['title']} ({item['performed']}) -> "
        + ", ".join(item["controls"]),
        markup=False,
    )
    if switch is not None:
        console().print(switch.message, markup=False, style="yellow")


@app.command("list")
@listing
@handle_errors
def list_command(
    ctx: typer.Context,
    control: Annotated[
        str | None, typer.Option("--control", "-c", help="Only this control's.")
    ] = None,
    since: Annotated[str | None, typer.Option(help="Performed on or after (YYYY-MM-DD).")] = None,
    as_json: JsonOption = False,
) -> None:
    """List evidence, newest first.

    Example: crosswalk evidence list --control NW-AC-04
    """
    from crosswalk.services.evidence.evidence import list_evidence

    with session(ctx, commit=False) as active:
        items = [
            _evidence_item(r)
            for r in list_evidence(active, control, parse_date(since, "--since") if since else None)
        ]
    if as_json:
        print_json(items)
        return
    print_rows(
        f"Evidence ({len(items)})",
        ["id", "title", "kind", "performed", "controls", "sha256"],
        [
            [
                i["id"],
                i["title"],
                i["kind"],
                i["performed"],
                ", ".join(i["controls"]),
                (i["sha256"] or "")[:12],
            ]
            for i in items
        ],
    )


@app.command("show")
@handle_errors
def show(
    ctx: typer.Context,
    evidence_id: Annotated[int, typer.Argument(help="Evidence number.")],
    as_json: JsonOption = False,
) -> None:
    """Show one piece of evidence, where its file is, and the controls it supports.

    Example: crosswalk evidence show 12
    """
    from crosswalk.services.evidence.evidence import get_evidence

    opened = workspace(ctx)
    with session(ctx, commit=False) as active:
        item = _evidence_item(get_evidence(active, evidence_id))
    item["stored_at"] = opened.blobs.location(item["sha256"]) if item["sha256"] else None
    if as_json:
        print_json(item)
        return
    for key, value in item.items():
        console().print(f"{key}: {value}", markup=False)


@app.command("link")
@handle_errors
def link(
    ctx: typer.Context,
    evidence_id: Annotated[int, typer.Argument(help="Evidence number.")],
    control: ControlsOption,
    as_json: JsonOption = False,
) -> None:
    """Link existing evidence to more controls (it is not stored again).

    Example: crosswalk evidence link 12 -c NW-AC-05
    """
    from crosswalk.services.evidence.evidence import link as link_evidence

    with session(ctx) as active:
        added = link_evidence(active, evidence_id, control)
    if as_json:
        print_json({"evidence": evidence_id, "linked": added})
    else:
        console().print(f"#{evidence_id}: linked {', '.join(added) or 'nothing new'}", markup=False)


@app.command("unlink")
@handle_errors
def unlink(
    ctx: typer.Context,
    evidence_id: Annotated[int, typer.Argument(help="Evidence number.")],
    control: ControlsOption,
    as_json: JsonOption = False,
) -> None:
    """Unlink evidence from controls (it must keep at least one).

    Example: crosswalk evidence unlink 12 -c NW-AC-05
    """
    from crosswalk.services.evidence.evidence import unlink as unlink_evidence

    with session(ctx) as active:
        removed = unlink_evidence(active, evidence_id, control)
    if as_json:
        print_json({"evidence": evidence_id, "unlinked": removed})
    else:
        console().print(f"#{evidence_id}: unlinked {', '.join(removed) or 'nothing'}", markup=False)


@app.command("verify")
@handle_errors
def verify(
    ctx: typer.Context,
    repair: Annotated[
        bool,
        typer.Option(
            "--repair",
            help="Delete stored files no evidence refers to (left by an interrupted add), "
            "once they are an hour old.",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Re-hash every stored file; exit 1 if any is missing or altered.

    Example: crosswalk evidence verify --repair
    """
    from crosswalk.services.evidence.evidence import verify as verify_store

    opened = workspace(ctx)
    with session(ctx, commit=False) as active:
        report = verify_store(active, opened.blobs, repair=repair)
    if as_json:
        print_json(report)
    else:
        out = console()
        out.print(f"{report.checked} files checked, {report.ok} intact", markup=False)
        for entry in report.missing:
            out.print(
                f"  missing: evidence #{entry['evidence']} {entry['title']} ({entry['path']})",
                markup=False,
                style="red",
            )
        for entry in report.altered:
            out.print(
                f"  altered: evidence #{entry['evidence']} {entry['title']} now hashes to "
                f"{entry['now']}",
                markup=False,
                style="red",
            )
        if report.removed:
            out.print(
                f"  removed {len(report.removed)} stored files no evidence refers to",
                markup=False,
            )
        if report.unreferenced:
            out.print(
                f"  {len(report.unreferenced)} stored files no evidence refers to "
                + (
                    "(less than an hour old: an add may still be committing; kept)"
                    if repair
                    else "(left by an interrupted add; `--repair` removes them)"
                ),
                markup=False,
                style="dim",
            )
    if report.failed:
        raise typer.Exit(int(ExitCode.CHECKS_FAILED))


@listing
@handle_errors
def requirement_evidence(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="FRAMEWORK:REF, e.g. iso27001-2022:A.5.18")],
    as_json: JsonOption = False,
) -> None:
    """Evidence that counts for a requirement of any framework, with its path through the crosswalk.

    Example: crosswalk requirement-evidence iso27001-2022:A.5.18
    """
    from crosswalk.services.evidence.reaching import requirement_evidence as find
    from crosswalk.services.mapping.library import resolve_requirement

    lib = library(ctx)
    key = resolve_requirement(lib, ref)
    with session(ctx, commit=False) as active:
        paths = find(active, lib, key)
    if as_json:
        print_json([{**p.__dict__, "path": p.path} for p in paths])
        return
    print_rows(
        f"Evidence for {key} ({len(paths)})",
        ["evidence", "title", "performed", "path"],
        [[p.evidence_id, p.title, p.performed, p.path] for p in paths],
    )


@listing
@handle_errors
def status(
    ctx: typer.Context,
    owner: Annotated[str | None, typer.Option(help="Only this owner's controls.")] = None,
    today: Annotated[
        str | None, typer.Option(help="As of this day, YYYY-MM-DD (default: today).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """What is due this week and this month, what is stale, and which nonconformities are
    overdue, by owner.

    Due dates follow each control's effective frequency (the stricter of its own and what
    its requirements expect) from its latest evidence. A nonconformity is overdue while it
    is open past its due date. With --json each owner also lists its overdue_nonconformities.

    Example: crosswalk status --owner Dana
    """
    from crosswalk.services.evidence.freshness import (
        OwnerStatus,
        control_freshness,
        status_by_owner,
    )
    from crosswalk.services.isms.nonconformities import overdue_by_owner

    day = parse_date(today, "--today") if today else None
    with session(ctx, commit=False) as active:
        owners = status_by_owner(control_freshness(active, library(ctx), day, owner=owner))
        late = overdue_by_owner(active, day, owner=owner)
    if as_json:
        from crosswalk.reports.serialize import to_jsonable

        # Still one entry per owner (the shape scripts already read); each gains the key
        # overdue_nonconformities, and owners with only overdue nonconformities join in.
        by_owner = {g.owner: {**to_jsonable(g), "overdue_nonconformities": []} for g in owners}
        for overdue in late:
            entry = by_owner.setdefault(
                overdue.owner, to_jsonable(OwnerStatus(overdue.owner, [], [], [], 0, 0))
            )
            entry["overdue_nonconformities"] = to_jsonable(overdue.nonconformities)
        print_json([by_owner[name] for name in sorted(by_owner)])
        return
    rows: list[list[str]] = []
    for group in owners:
        for label, items in (
            ("", group.stale),
            ("due this week", group.due_this_week),
            ("due this month", group.due_this_month),
        ):
            rows.extend(
                [
                    group.owner,
                    label or ("stale" if i.state == "stale" else "never evidenced"),
                    i.control_id,
                    i.title,
                    i.frequency or "",
                    str(i.last_performed or "never"),
                    str(i.next_due or ""),
                ]
                for i in items
            )
    print_rows(
        "Due, stale and never-evidenced evidence",
        ["owner", "state", "control", "title", "frequency", "last evidence", "due"],
        rows,
    )
    fresh = sum(g.fresh for g in owners)
    console().print(
        f"{fresh} controls fresh; event-driven controls are checked by "
        "`crosswalk window --population`",
        markup=False,
        style="dim",
    )
    if late:
        print_rows(
            "Overdue nonconformities",
            ["owner", "nonconformity", "description", "source", "due", "days overdue"],
            [
                [g.owner, n.nc_id, n.description, n.source, str(n.due_on), str(n.days_overdue)]
                for g in late
                for n in g.nonconformities
            ],
        )


@audit_app.callback()
@listing
@handle_errors
def audit_log(
    ctx: typer.Context,
    since: Annotated[str | None, typer.Option(help="From this date or time (ISO).")] = None,
    entity: Annotated[str | None, typer.Option(help="control, control_tag, evidence, ...")] = None,
    limit: Annotated[int, typer.Option(help="Most recent entries to show.")] = 200,
    as_json: JsonOption = False,
) -> None:
    """List the audit trail: who changed what, when, before and after.

    Example: crosswalk audit-log --since 2026-11-01 --entity control
    """
    if ctx.invoked_subcommand is not None:
        return
    from crosswalk.services.evidence.trail import list_entries

    moment = None
    if since:
        try:
            moment = datetime.fromisoformat(since)
        except ValueError:
            raise fail(f"--since {since!r} is not an ISO date or time") from None
    with session(ctx, commit=False) as active:
        entries = list_entries(active, moment, entity, limit)
    if as_json:
        print_json(entries)
        return
    print_rows(
        f"Audit trail ({len(entries)})",
        ["#", "at", "actor", "action", "entity", "key", "after"],
        [
            [e.id, e.at, e.actor, e.action, e.entity, e.entity_key, (e.after or "")[:80]]
            for e in entries
        ],
    )


@audit_app.command("verify")
@handle_errors
def audit_verify(
    ctx: typer.Context,
    anchor: Annotated[
        str | None,
        typer.Option(help="A line `audit-log anchor` printed earlier, kept outside the workspace."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Check the trail and the records it audits; exit 1 if either was changed behind its back.

    Each entry is sealed with the workspace's audit key (.crosswalk/audit.key, or
    CROSSWALK_AUDIT_KEY), and the newest entry is checkpointed outside the database
    (.crosswalk/audit.head): an edit without the key, deleted newest entries or a wiped trail
    are found. Someone with both the database and that folder can still rewrite it; an anchor
    line kept elsewhere (git, a ticket) catches that too. Then every audited record (controls,
    evidence and their dates and hashes, ISMS records, users) must be as the trail last
    recorded it: an edit, insert or delete made in the database directly shows.

    Example: crosswalk audit-log verify --anchor "$(cat trail-anchor.txt)"
    """
    from crosswalk.services.evidence.trail import verify_trail

    with session(ctx, commit=False) as active:
        report = verify_trail(active, anchor)
    if as_json:
        print_json(
            {
                "checked": report.checked,
                "reconciled": report.reconciled,
                "intact": report.intact,
                "problems": report.problems,
                "drift": report.drift,
            }
        )
    else:
        console().print(
            f"{report.checked} entries checked: "
            + ("chain intact" if not report.problems else f"{len(report.problems)} problems"),
            markup=False,
        )
        for problem in report.problems:
            console().print(
                f"  entry #{problem.entry_id}: {problem.message}", markup=False, style="red"
            )
        console().print(
            f"{report.reconciled} records held against the trail: "
            + (
                "each as the trail last recorded it"
                if not report.drift
                else f"{len(report.drift)} changed outside Crosswalk"
            ),
            markup=False,
        )
        for drift in report.drift:
            last = f" (last entry #{drift.entry_id})" if drift.entry_id is not None else ""
            console().print(
                f"  {drift.entity} {drift.key}{last}: {drift.message}", markup=False, style="red"
            )
    if not report.intact:
        raise typer.Exit(int(ExitCode.CHECKS_FAILED))


@audit_app.command("anchor")
@handle_errors
def audit_anchor(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Print a line naming the trail's newest entry and its hash, to keep outside the workspace.

    `audit-log verify --anchor LINE` later checks that the trail still reaches that entry,
    unchanged: a rewrite by someone holding the database and the workspace's key shows.

    Example: crosswalk audit-log anchor >> trail-anchors.txt
    """
    from crosswalk.services.evidence.trail import trail_anchor

    with session(ctx, commit=False) as active:
        line = trail_anchor(active)
    if line is None:
        raise fail("the audit trail is empty: nothing to anchor yet", ExitCode.CHECKS_FAILED)
    if as_json:
        print_json({"anchor": line})
        return
    print(line)
