"""``crosswalk notify``: send the day's e-mail digests now, preview one, or turn a user's
digest off and on."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from crosswalk.cli.context import library, session
from crosswalk.cli.output import ExitCode, console, fail, handle_errors, print_json, print_rows

if TYPE_CHECKING:
    from crosswalk.services.notify.digests import Digest, DigestRun


def register(root: typer.Typer) -> None:
    root.command("notify")(notify)


def _moment(text: str | None) -> datetime:
    if not text:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise fail(f"--now: {text!r} is not a date and time; use YYYY-MM-DDTHH:MM") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _print_preview(digest: Digest, as_json: bool) -> None:
    if as_json:
        print_json(
            {
                "to": digest.email,
                "subject": digest.subject,
                "would_send": digest.would_send,
                "subscribed": digest.subscribed,
                "already_sent": digest.already_sent,
                "items": [
                    {
                        "section": i.section,
                        "title": i.title,
                        "detail": i.detail,
                        "new": i.key in digest.new,
                    }
                    for i in digest.items
                ],
                "text": digest.text,
            }
        )
        return
    if not digest.items:
        typer.echo(f"Nothing is due for {digest.email} on {digest.day}: no message would be sent.")
    else:
        typer.echo(f"To: {digest.email}\nSubject: {digest.subject}\n\n{digest.text}", nl=False)
    note = "dry run: nothing sent or recorded"
    if not digest.subscribed:
        note += f"; {digest.email} has unsubscribed, so no digest goes to them"
    elif digest.already_sent:
        note += f"; a digest went to {digest.email} on {digest.day} already"
    console(stderr=True).print(note, markup=False)


def _print_run(run: DigestRun, as_json: bool) -> None:
    if as_json:
        print_json(
            {
                "day": run.day.isoformat(),
                "dry_run": run.dry_run,
                "digests": [
                    {
                        "email": o.email,
                        "outcome": o.outcome,
                        "items": o.items,
                        "subject": o.subject if o.items else "",
                        "reason": o.reason,
                    }
                    for o in run.outcomes
                ],
            }
        )
    else:
        print_rows(
            f"Digests for {run.day}" + (" (dry run: nothing sent)" if run.dry_run else ""),
            ["Email", "Outcome", "Items", "Why"],
            [[o.email, o.outcome, o.items, o.reason] for o in run.outcomes],
        )
    counted = "would be sent" if run.dry_run else "sent"
    done = sum(1 for o in run.outcomes if o.outcome in ("sent", "would send"))
    failed = f", {len(run.failed)} failed" if run.failed else ""
    console(stderr=True).print(f"{done} digest(s) {counted}{failed}", markup=False)


@handle_errors
def notify(
    ctx: typer.Context,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Send and record nothing: preview (with --to) or plan."),
    ] = False,
    to: Annotated[
        str | None,
        typer.Option("--to", metavar="EMAIL", help="Only this user's digest."),
    ] = None,
    unsubscribe: Annotated[
        str | None,
        typer.Option("--unsubscribe", metavar="EMAIL", help="Turn this user's digest off."),
    ] = None,
    subscribe: Annotated[
        str | None,
        typer.Option("--subscribe", metavar="EMAIL", help="Turn this user's digest back on."),
    ] = None,
    now: Annotated[
        str | None,
        typer.Option(
            "--now",
            metavar="MOMENT",
            help="Run as of this moment (ISO 8601, UTC unless it has an offset); default now.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Send today's e-mail digests now: each active user with something due gets one
    message a day at most (a second run the same day sends nothing twice).

    The SMTP server comes from CROSSWALK_SMTP_HOST, _PORT, _USER, _PASSWORD, _FROM and
    _STARTTLS; links in the message from CROSSWALK_BASE_URL.

    Examples: crosswalk notify --dry-run --to dana@example.com (preview, sends nothing);
    crosswalk notify --unsubscribe dana@example.com
    """
    moment = _moment(now)
    if unsubscribe or subscribe:
        from crosswalk.services.notify.subscriptions import set_subscription

        if unsubscribe and subscribe:
            raise fail("give --unsubscribe or --subscribe, not both")
        email = unsubscribe or subscribe or ""
        with session(ctx) as active:
            result = set_subscription(active, email, subscribe is not None, moment)
        state = "on" if result.subscribed else "off"
        already = "" if result.changed else " (it already was)"
        if as_json:
            print_json(
                {"email": result.email, "subscribed": result.subscribed, "changed": result.changed}
            )
        else:
            console().print(f"digest {state} for {result.email}{already}", markup=False)
        return
    from crosswalk.services.notify.settings import base_url_from_env

    if dry_run:
        from crosswalk.services.notify.digests import plan_digests, preview_digest

        with session(ctx) as active:  # committed: the link key, made once, stays valid
            if to:
                _print_preview(
                    preview_digest(active, library(ctx), moment, to, base_url_from_env()), as_json
                )
                return
            plan = plan_digests(active, library(ctx), moment, base_url_from_env())
        _print_run(plan, as_json)
        return
    from crosswalk.services.notify.digests import send_due_digests
    from crosswalk.services.notify.settings import MailSettings

    settings = MailSettings.from_env()
    with session(ctx) as active:
        run = send_due_digests(active, library(ctx), moment, settings, only=to)
    _print_run(run, as_json)
    if run.failed:
        raise typer.Exit(ExitCode.CHECKS_FAILED)
