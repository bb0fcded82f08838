"""A digest as an e-mail: a plain-text part, and a simple HTML part saying the same (no
images, no styles from elsewhere: it reads the same in any mail client)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from html import escape

from crosswalk.services.notify.items import SECTIONS, DigestItem


@dataclass(frozen=True)
class Letter:
    """What one person's digest says, and to whom: both parts of the message are written
    from it, so the text and the HTML cannot disagree."""

    name: str
    email: str
    day: date
    items: Sequence[DigestItem]
    new: frozenset[str]  # keys not in the previous digest
    base_url: str | None  # links to the web app, when it has an address
    unsubscribe_link: str | None


def subject_for(items: Sequence[DigestItem], day: date) -> str:
    urgent = sum(1 for item in items if item.urgent)
    count = f"{len(items)} item{'s' if len(items) != 1 else ''} due"
    pressing = f", {urgent} past due or urgent" if urgent else ""
    return f"Crosswalk: {count} for you{pressing} ({day})"


def _grouped(items: Sequence[DigestItem]) -> list[tuple[str, list[DigestItem]]]:
    return [
        (title, [item for item in items if item.section == section])
        for section, title in SECTIONS.items()
        if any(item.section == section for item in items)
    ]


def _intro(letter: Letter) -> str:
    items = letter.items
    fresh = sum(1 for item in items if item.key in letter.new)
    since = f"; {fresh} new since your last digest" if fresh and fresh < len(items) else ""
    return (
        f"Hello {letter.name},\n\nThis is what is due for you in Crosswalk on {letter.day} "
        f"({len(items)} item{'s' if len(items) != 1 else ''}{since})."
    )


def _why(email: str) -> str:
    return (
        f"You receive this at most once a day, at {email}, because records in Crosswalk "
        "name you as their owner; a day with nothing due sends nothing."
    )


def _opt_out(email: str, link: str | None) -> str:
    if link:
        return f"Stop these messages: {link}"
    return f"To stop these messages, ask an admin to run: crosswalk notify --unsubscribe {email}"


def render_text(letter: Letter) -> str:
    lines = [_intro(letter), ""]
    for title, group in _grouped(letter.items):
        lines.append(title)
        lines.append("-" * len(title))
        for item in group:
            marks = ("! " if item.urgent else "- ") + item.title
            tags = " [new]" if item.key in letter.new else ""
            lines.append(f"{marks}{tags}")
            lines.append(f"  {item.detail}")
            if letter.base_url:
                lines.append(f"  {letter.base_url}{item.path}")
        lines.append("")
    lines.extend(["-- ", _why(letter.email), _opt_out(letter.email, letter.unsubscribe_link), ""])
    return "\n".join(lines)


def render_html(letter: Letter) -> str:
    intro = escape(_intro(letter)).replace("\n\n", "</p>\n<p>")
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(subject_for(letter.items, letter.day))}</title></head>",
        '<body style="font-family: sans-serif; color: #111;">',
        f"<p>{intro}</p>",
    ]
    for title, group in _grouped(letter.items):
        parts.append(f'<h2 style="font-size: 1.1em;">{escape(title)}</h2>')
        parts.append("<ul>")
        for item in group:
            label = escape(item.title)
            if letter.base_url:
                label = f'<a href="{escape(letter.base_url + item.path)}">{label}</a>'
            if item.urgent:
                label = f"<strong>{label}</strong>"
            tag = " <em>(new)</em>" if item.key in letter.new else ""
            parts.append(f"<li>{label}{tag}<br>{escape(item.detail)}</li>")
        parts.append("</ul>")
    opt_out = escape(_opt_out(letter.email, None))
    if letter.unsubscribe_link:
        opt_out = f'<a href="{escape(letter.unsubscribe_link)}">Stop these messages</a>'
    why = escape(_why(letter.email))
    parts.extend(
        [
            f'<p style="color: #444; font-size: 0.9em;">{why}<br>{opt_out}</p>',
            "</body></html>",
            "",
        ]
    )
    return "\n".join(parts)


def mime_message(
    sender: str,
    to: str,
    subject: str,
    text: str,
    html: str,
    unsubscribe_link: str | None,
    at: datetime,
) -> EmailMessage:
    """The message as sent: text first, HTML as its alternative. With a link, the
    List-Unsubscribe headers (RFC 2369, and RFC 8058's one-click POST) let mail clients
    offer their own unsubscribe button."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(at)
    message["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    if unsubscribe_link:
        message["List-Unsubscribe"] = f"<{unsubscribe_link}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message
