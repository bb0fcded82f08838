"""``crosswalk incidents``: the incident register and the GDPR 72-hour breach clock."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from crosswalk.cli.context import session
from crosswalk.cli.isms.common import JsonOption, passed, say
from crosswalk.cli.output import ExitCode, handle_errors, listing, print_json, print_rows

if TYPE_CHECKING:
    from crosswalk.services.gdpr.incidents import BreachLogEntry, Incident

app = typer.Typer(
    help="Incidents (ISO A.5.24-A.5.28) and personal-data breaches: the Art. 33 72-hour "
    "clock, Art. 34 communication, the Art. 33(5) breach log.",
    no_args_is_help=True,
)

ZONE_ENV = "CROSSWALK_TIMEZONE"
ZoneOption = Annotated[
    str,
    typer.Option(
        "--zone",
        envvar=ZONE_ENV,
        help="IANA time zone the times are read in, e.g. Europe/Berlin; also CROSSWALK_TIMEZONE.",
    ),
]
MOMENT_HELP = "YYYY-MM-DD HH:MM in --zone; add +01:00 when the clocks went back that night."
Moment = Annotated[str | None, typer.Option(help=MOMENT_HELP)]
Text = Annotated[str | None, typer.Option()]


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="incidents")


def _yes_no(text: str | None, option: str) -> bool | None:
    from crosswalk.cli.output import fail

    if text is None or not text.strip():
        return None
    value = text.strip().lower()
    if value in ("yes", "y", "true"):
        return True
    if value in ("no", "n", "false"):
        return False
    raise fail(f"{option}: {text!r}: use yes or no")


def _moments(zone: str, given: dict[str, str | None]) -> dict[str, Any]:
    """Each moment passed, as UTC with the zone it was entered in; '' clears one."""
    from crosswalk.services.gdpr.incidents import moment

    found: dict[str, Any] = {}
    for name, text in given.items():
        if text is None:
            continue
        if not text.strip():
            found[f"{name}_at"] = None
            found[f"{name}_zone"] = None
            continue
        found[f"{name}_at"] = moment(text, zone, f"--{name.replace('_', '-')}")
        found[f"{name}_zone"] = zone
    return found


def _shown(at: datetime | None, zone: str | None) -> str:
    from crosswalk.domain.breach_clock import shown_in

    return shown_in(at, zone or "UTC") if at is not None else ""


def _item(row: Incident) -> dict[str, Any]:
    from crosswalk.services.gdpr.incidents import COLUMNS

    return {
        "incident_id": row.incident_id,
        **{name: getattr(row, name) for name in COLUMNS},
        "clock": row.clock.state,
        "clock_text": row.clock_text,
        "due_at": row.clock.due_at,
        "due_local": _shown(row.clock.due_at, row.aware_zone),
        "alerting": row.clock.alerting,
        "open": row.open,
        "to_do": row.to_do,
    }


@app.command("list")
@listing
@handle_errors
def incidents_list(
    ctx: typer.Context,
    open_only: Annotated[
        bool, typer.Option("--open", help="Only open incidents, the most urgent clock first.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """List incidents with their breach clocks. Exits 1 when a clock is under 12 h or past due.

    Example: crosswalk incidents list --open
    """
    from crosswalk.services.gdpr.incidents import list_incidents

    with session(ctx, commit=False) as active:
        items = [_item(row) for row in list_incidents(active, open_only)]
    if as_json:
        print_json(items)
    else:
        print_rows(
            f"Incidents ({len(items)})",
            ["id", "title", "aware", "breach", "risk", "clock", "due", "to do"],
            [
                [
                    i["incident_id"],
                    i["title"],
                    _shown(i["aware_at"], i["aware_zone"]),
                    {True: "yes", False: "no", None: "?"}[i["personal_data"]],
                    i["risk"] or "",
                    ("! " if i["alerting"] else "") + i["clock_text"],
                    i["due_local"],
                    "; ".join(i["to_do"]),
                ]
                for i in items
            ],
        )
    if any(i["alerting"] and i["open"] for i in items):
        raise typer.Exit(int(ExitCode.CHECKS_FAILED))


@app.command("show")
@handle_errors
def incidents_show(
    ctx: typer.Context,
    incident_id: Annotated[str, typer.Argument(help="Incident id.")],
    as_json: JsonOption = False,
) -> None:
    """Show an incident, its clock and what it still needs.

    Example: crosswalk incidents show INC-7
    """
    from crosswalk.services.gdpr.incidents import MOMENTS, get_incident

    with session(ctx, commit=False) as active:
        item = _item(get_incident(active, incident_id))
    if as_json:
        print_json(item)
        return
    for key, value in item.items():
        if key.endswith("_zone") or key == "due_at":
            continue
        shown = value
        if key.endswith("_at") and key[:-3] in MOMENTS:
            shown = _shown(value, item[f"{key[:-3]}_zone"])
        say(f"{key}: {('; '.join(shown) if isinstance(shown, list) else shown) or '-'}")


@app.command("add")
@handle_errors
def incidents_add(
    ctx: typer.Context,
    incident_id: Annotated[str, typer.Argument(help="New incident id.")],
    title: Annotated[str, typer.Option(help="What happened, in a line.")],
    detected: Annotated[str, typer.Option(help=MOMENT_HELP)],
    zone: ZoneOption = "UTC",
    aware: Moment = None,
    personal_data: Annotated[
        str | None, typer.Option(help="yes or no: is it a personal-data breach?")
    ] = None,
    risk: Annotated[str | None, typer.Option(help="unlikely, risk or high.")] = None,
    description: Annotated[str, typer.Option(help="The facts.")] = "",
    owner: Annotated[str | None, typer.Option(help="Who handles it.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Record an incident; with --aware the 72-hour clock starts.

    Example: crosswalk incidents add INC-7 --title "Laptop stolen" --detected "2027-03-28 01:00"
    --aware "2027-03-28 01:30" --zone Europe/Berlin --personal-data yes --risk high
    """
    from crosswalk.services.gdpr.incidents import IncidentInput, add_incident, moment

    data = IncidentInput(
        incident_id,
        title,
        moment(detected, zone, "--detected"),
        zone,
        description=description,
        owner=owner,
        personal_data=_yes_no(personal_data, "--personal-data"),
        risk=risk,
        **_moments(zone, {"aware": aware}),
    )
    with session(ctx) as active:
        item = _item(add_incident(active, data))
    if as_json:
        print_json(item)
    else:
        say(f"added {item['incident_id']} ({item['clock_text']})")


@app.command("edit")
@handle_errors
def incidents_edit(
    ctx: typer.Context,
    incident_id: Annotated[str, typer.Argument(help="Incident id.")],
    zone: ZoneOption = "UTC",
    title: Text = None,
    description: Text = None,
    owner: Annotated[str | None, typer.Option(help="'' clears it.")] = None,
    detected: Moment = None,
    aware: Moment = None,
    personal_data: Annotated[str | None, typer.Option(help="yes, no or '' (unknown).")] = None,
    risk: Annotated[str | None, typer.Option(help="unlikely, risk or high.")] = None,
    assessed: Moment = None,
    data_categories: Text = None,
    subjects_affected: Annotated[int | None, typer.Option(help="About how many people.")] = None,
    consequences: Text = None,
    measures: Annotated[str | None, typer.Option(help="Remedial action taken.")] = None,
    notified: Annotated[str | None, typer.Option(help="When the authority was notified.")] = None,
    authority: Text = None,
    delay_reason: Annotated[
        str | None, typer.Option(help="Why later than 72 h (Art. 33(1)).")
    ] = None,
    subjects_decision: Annotated[
        str | None, typer.Option(help="communicated, exempt or not required (Art. 34).")
    ] = None,
    subjects_exemption: Annotated[str | None, typer.Option(help="Art. 34(3): a, b or c.")] = None,
    subjects: Annotated[str | None, typer.Option(help="When the people were told.")] = None,
    closed: Moment = None,
    annex_a: Text = None,
    as_json: JsonOption = False,
) -> None:
    """Change fields of an incident (assess it, record the notification, close it); only what
    you pass changes, and times are read in --zone.

    Example: crosswalk incidents edit INC-7 --notified "2027-03-30 23:00" --zone Europe/Berlin
    --authority BfDI
    """
    from crosswalk.services.gdpr.incidents import edit_incident

    changes = passed(
        title=title,
        description=description,
        owner=owner,
        data_categories=data_categories,
        subjects_affected=subjects_affected,
        consequences=consequences,
        measures=measures,
        authority=authority,
        delay_reason=delay_reason,
        annex_a=annex_a,
    )
    for name, value in (
        ("risk", risk),
        ("subjects_decision", subjects_decision),
        ("subjects_exemption", subjects_exemption),
    ):
        if value is not None:  # '' clears it
            changes[name] = value.strip() or None
    if personal_data is not None:
        changes["personal_data"] = _yes_no(personal_data, "--personal-data")
    changes.update(
        _moments(
            zone,
            {
                "detected": detected,
                "aware": aware,
                "assessed": assessed,
                "notified": notified,
                "subjects": subjects,
                "closed": closed,
            },
        )
    )
    with session(ctx) as active:
        changed = edit_incident(active, incident_id, **changes)
    if as_json:
        print_json({"incident_id": incident_id, "changed": changed})
    else:
        say(f"{incident_id}: {', '.join(changed) or 'nothing changed'}")


def _log_row(entry: BreachLogEntry) -> list[Any]:
    return [
        entry.incident_id,
        entry.title,
        entry.aware,
        entry.risk or "",
        entry.notification,
        entry.delay_reason,
        entry.subjects,
    ]


@app.command("log")
@listing
@handle_errors
def incidents_log(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """The internal breach log (Art. 33(5)): every personal-data breach, notified or not.

    Example: crosswalk incidents log --format md
    """
    from crosswalk.services.gdpr.incidents import breach_log

    with session(ctx, commit=False) as active:
        entries = breach_log(active)
    if as_json:
        print_json(entries)
        return
    print_rows(
        f"Breach log ({len(entries)})",
        ["id", "title", "aware", "risk", "authority", "reasons for delay", "people affected"],
        [_log_row(e) for e in entries],
    )
