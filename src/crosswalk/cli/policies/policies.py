"""``crosswalk policies``: the policy library in ``policies/*.md`` and its duplicate and
conflict check."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from crosswalk.cli.context import library, session, workspace
from crosswalk.cli.isms.common import JsonOption, say
from crosswalk.cli.output import ExitCode, console, handle_errors, listing, print_json, print_rows

if TYPE_CHECKING:
    from crosswalk.domain.frequency import Frequency
    from crosswalk.services.policies.check import Finding
    from crosswalk.services.policies.policies import PolicyFile, PolicyStatus

policies_app = typer.Typer(
    help="Policies and procedures (Markdown with front matter in policies/): list, show, add, "
    "approve, review, import, check.",
    no_args_is_help=True,
)

FREQUENCY_HELP = "annual, semiannual, quarterly, monthly ... (common spellings accepted)"
STATUS_HELP = "draft, in force or retired."


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.add_typer(policies_app, name="policies")


def _root(ctx: typer.Context) -> Path:
    opened = workspace(ctx)
    opened.close()
    return opened.root


def _day(text: str | None) -> date:
    from crosswalk.cli.output import parse_date

    return parse_date(text, "--on") if text else date.today()


def _status(text: str | None) -> PolicyStatus | None:
    from crosswalk.cli.output import fail
    from crosswalk.services.policies.policies import parse_policy_status

    if text is None:
        return None
    status = parse_policy_status(text)
    if status is None:
        raise fail(f"--status {text!r}: use {STATUS_HELP}")
    return status


def _frequency(text: str | None) -> Frequency | None:
    from crosswalk.services.policies.policies import parse_review_frequency

    return parse_review_frequency(text, "--review-frequency")


def _data(item: PolicyFile, root: Path, body: bool = True) -> dict[str, Any]:
    from crosswalk.services.policies.policies import policy_data

    return policy_data(item, root, body=body)


def _approval(data: dict[str, Any]) -> str:
    if data["approver"] and data["approved_on"]:
        return f"{data['approver']} on {data['approved_on']}"
    return data["approver"] or (str(data["approved_on"]) if data["approved_on"] else "")


@policies_app.command("list")
@listing
@handle_errors
def list_policies(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help=STATUS_HELP)] = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV.")] = False,
    as_json: JsonOption = False,
) -> None:
    """List policies with version, status, owner, approval and review dates (--json: all).

    Example: crosswalk policies list --status "in force" --json
    """
    from crosswalk.services.policies.policies import list_policies as list_items

    root = _root(ctx)
    items = [_data(item, root, body=False) for item in list_items(root, _status(status))]
    if as_json:
        print_json(items)
        return
    print_rows(
        f"Policies ({len(items)})",
        ["id", "title", "version", "status", "owner", "approved", "last reviewed", "next due"],
        [
            [
                i["id"],
                i["title"],
                i["version"],
                i["status"],
                i["owner"] or "",
                _approval(i),
                i["last_reviewed"] or "",
                i["next_review_due"] or "",
            ]
            for i in items
        ],
        as_csv=as_csv,
    )


@policies_app.command("show")
@listing
@handle_errors
def show(
    ctx: typer.Context,
    policy_id: Annotated[str, typer.Argument(help="Policy id, e.g. POL-AC.")],
    as_json: JsonOption = False,
) -> None:
    """Show a policy: header, what it governs, the frequencies it states, its findings.

    Example: crosswalk policies show POL-AC
    """
    from crosswalk.services.policies.check import policy_findings
    from crosswalk.services.policies.policies import get_policy

    root = _root(ctx)
    data = _data(get_policy(root, policy_id), root)
    with session(ctx, commit=False) as active:
        findings = policy_findings(active, library(ctx), root, data["id"], date.today())
    if as_json:
        print_json({**data, "findings": findings})
        return
    out = console()
    out.print(f"{data['id']}  {data['title']}  (v{data['version']})", markup=False, style="bold")
    facts = [
        f"status: {data['status']}",
        f"owner: {data['owner'] or '(none)'}",
        f"approved: {_approval(data) or '(not approved)'}",
        f"review: {data['review_frequency'] or '(no cadence)'}",
        f"last reviewed: {data['last_reviewed'] or '(never)'}",
        f"next due: {data['next_review_due'] or '-'}",
    ]
    say("  " + " | ".join(facts))
    say(f"  file: {data['path']}")
    if data["scope"]:
        say(f"  scope: {data['scope']}")
    if data["governs"]:
        say("  governs: " + ", ".join(data["governs"]))
    for term, definition in data["terms"].items():
        say(f"  term: {term}: {definition}")
    if data["activities"]:
        print_rows(
            "Stated frequencies",
            ["activity", "frequency", "quote"],
            [[a["activity"], a["frequency"], a.get("quote") or ""] for a in data["activities"]],
        )
    for finding in findings:
        out.print(f"  {finding.code}: {finding.message}", markup=False, style="yellow")


@policies_app.command("add")
@handle_errors
def add(
    ctx: typer.Context,
    policy_id: Annotated[str, typer.Argument(help="New policy id, e.g. POL-CRYPTO.")],
    title: Annotated[str, typer.Option(help="The policy's title.")],
    owner: Annotated[str | None, typer.Option(help="Person and role who owns it.")] = None,
    governs: Annotated[
        list[str] | None,
        typer.Option(
            "--governs",
            "-g",
            metavar="CONTROL_OR_REQUIREMENT",
            help="Control id or requirement it governs (repeatable), e.g. NW-AC-01 or "
            "iso27001-2022:A.5.15.",
        ),
    ] = None,
    review_frequency: Annotated[
        str, typer.Option("--review-frequency", help=FREQUENCY_HELP)
    ] = "annual",
    scope: Annotated[str, typer.Option(help="One paragraph: what the policy covers.")] = "",
    as_json: JsonOption = False,
) -> None:
    """Write a new policy file as a draft, with a skeleton body to fill in.

    Example: crosswalk policies add POL-CRYPTO --title "Cryptography policy" -g A.8.24
    """
    from crosswalk.services.policies.policies import PolicyInput, add_policy

    root = _root(ctx)
    data = PolicyInput(
        policy_id,
        title,
        owner,
        governs or [],
        _frequency(review_frequency),
        scope,
    )
    with session(ctx, commit=False) as active:
        item = add_policy(active, library(ctx), root, data)
    if as_json:
        print_json(_data(item, root))
        return
    say(
        f"added {item.policy.id} as a draft: {item.path}; approve it with "
        f"`crosswalk policies approve {item.policy.id} --by NAME`"
    )


@policies_app.command("approve")
@handle_errors
def approve(
    ctx: typer.Context,
    policy_id: Annotated[str, typer.Argument(help="Policy id.")],
    by: Annotated[str, typer.Option("--by", help="Who approves it (name and role).")],
    on: Annotated[
        str | None, typer.Option("--on", help="Approval date, YYYY-MM-DD (default: today).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Approve a policy: it comes into force; the approval also counts as a review.

    Example: crosswalk policies approve POL-AC --by "Marcus Chen (CTO)" --on 2026-02-10
    """
    from crosswalk.services.policies.policies import approve as approve_policy

    root = _root(ctx)
    item = approve_policy(root, policy_id, by, _day(on))
    if as_json:
        print_json(_data(item, root))
        return
    policy = item.policy
    say(f"{policy.id} is in force: approved by {policy.approver} on {policy.approved_on}")


@policies_app.command("review")
@handle_errors
def review(
    ctx: typer.Context,
    policy_id: Annotated[str, typer.Argument(help="Policy id.")],
    by: Annotated[str, typer.Option("--by", help="Who reviewed it (name and role).")],
    on: Annotated[
        str | None, typer.Option("--on", help="Review date, YYYY-MM-DD (default: today).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Record a review of a policy; the next one falls due after its review frequency.

    Example: crosswalk policies review POL-AC --by "Priya Raman (CISO)" --on 2026-11-20
    """
    from crosswalk.services.policies.policies import next_review_due
    from crosswalk.services.policies.policies import review as review_policy

    root = _root(ctx)
    item = review_policy(root, policy_id, by, _day(on))
    if as_json:
        print_json(_data(item, root))
        return
    due = next_review_due(item.policy)
    say(
        f"{item.policy.id} reviewed by {item.policy.reviewed_by} on {item.policy.last_reviewed}"
        + (f"; next review due by {due}" if due else "")
    )


@policies_app.command("import")
@listing
@handle_errors
def import_folder(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Argument(help="Folder of .md policies with front matter.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change; write nothing.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Import a folder of Markdown policies (front matter required), all or nothing.

    Common key spellings are accepted (name, approved_by, review_cycle ...); unknown keys
    are listed, not guessed at. A policy whose id exists is updated in its own file.

    Example: crosswalk policies import ../policy-repo --dry-run
    """
    from crosswalk.services.policies.policies import import_policies

    root = _root(ctx)
    with session(ctx, commit=False) as active:
        result = import_policies(active, library(ctx), root, folder, dry_run=dry_run)
    if as_json:
        print_json(
            {
                "folder": result.folder,
                "dry_run": result.dry_run,
                "added": result.count("add"),
                "updated": result.count("update"),
                "unchanged": result.count("unchanged"),
                "policies": result.policies,
            }
        )
        return
    print_rows(
        f"Policies in {folder} ({len(result.policies)})",
        ["id", "title", "status", "action", "file", "notes"],
        [
            [
                p.policy_id,
                p.title,
                p.status,
                p.action,
                p.target.name,
                "; ".join(
                    [
                        *([f"ignored keys: {', '.join(p.ignored_keys)}"] if p.ignored_keys else []),
                        *([f"from the file: {', '.join(p.derived)}"] if p.derived else []),
                        *([f"unknown refs: {', '.join(p.unresolved)}"] if p.unresolved else []),
                    ]
                ),
            ]
            for p in result.policies
        ],
    )
    verb = "would be" if dry_run else "were"
    say(
        f"{result.count('add')} {verb} added, {result.count('update')} {verb} updated, "
        f"{result.count('unchanged')} unchanged"
    )


def _check_json(findings: list[Finding], policies: int, in_force: int) -> dict[str, Any]:
    return {
        "ok": not findings,
        "policies": policies,
        "in_force": in_force,
        "findings": findings,
    }


@policies_app.command("check")
@listing
@handle_errors
def check(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Check the policies: exit 1 on duplicates, conflicts or lapses.

    Finds two policies in force governing the same controls or requirements (with the
    overlap), one activity given different frequencies (by two policies, or by a policy and
    a control it governs: the stricter is proposed), one term defined differently, scopes
    that disagree with the ISMS scope, overdue reviews, and policies in force with no
    approver. Drafts and retired policies are never duplicates or conflicts.

    Example: crosswalk policies check --json
    """
    from crosswalk.services.policies.check import check as check_policies
    from crosswalk.services.policies.policies import PolicyStatus
    from crosswalk.services.policies.policies import list_policies as list_items

    root = _root(ctx)
    items = list_items(root)
    in_force = sum(1 for item in items if item.policy.status is PolicyStatus.IN_FORCE)
    with session(ctx, commit=False) as active:
        findings = check_policies(active, library(ctx), root, date.today())
    if as_json:
        print_json(_check_json(findings, len(items), in_force))
    else:
        if findings:
            print_rows(
                f"Policy findings ({len(findings)})",
                ["code", "policies", "subject", "finding", "proposed"],
                [
                    [f.code, ", ".join(f.policies), f.subject, f.message, f.proposed or ""]
                    for f in findings
                ],
            )
        say(
            f"{len(items)} policies, {in_force} in force: "
            + ("ok" if not findings else f"{len(findings)} findings")
        )
    if findings:
        raise typer.Exit(int(ExitCode.CHECKS_FAILED))
