"""The AI system inventory: what each system is for, who uses it, the company's roles for it,
who provides it, the ISMS assets it runs on, and its questionnaire answers with the tier they
give (re-classified whenever an answer changes; the audit trail keeps each version).

Every input is checked before anything is written, so a refused system or answer changes
nothing. Services flush; the caller owns the transaction.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crosswalk.domain.ai_classification import (
    LEGAL_NOTICE,
    AiActInputError,
    Answer,
    Classification,
    Role,
    Tier,
    classify,
    normalise_answers,
    parse_roles,
    parse_tier,
)
from crosswalk.domain.ai_obligations import needs_authorised_representative
from crosswalk.domain.errors import UnknownReferenceError
from crosswalk.services.isms.assets import asset_row
from crosswalk.store.ai_models import AiSystemRow

SYSTEM_ID = re.compile(r"[^\s,=/]+")
SOURCES = ("own", "vendor", "gpai")
SOURCE_HELP = "own (built in-house), vendor (bought), gpai (built on a general-purpose model)"
NOTICE = LEGAL_NOTICE


@dataclass(frozen=True)
class AiSystemInput:
    system_id: str
    name: str
    roles: Sequence[str]
    purpose: str = ""
    intended_use: str = ""
    users: str = ""
    output_in_eu: bool = True
    established_in_eu: bool = True
    authorised_representative: str | None = None
    source: str = "own"
    vendor: str | None = None
    gpai_model: str | None = None
    placed_before_2026_08_02: bool = False
    processing_activities: Sequence[str] = ()
    owner: str | None = None
    assets: Sequence[str] = ()


@dataclass(frozen=True)
class AiSystem:
    """A system as clients see it, with its classification (None until answered) and flags."""

    system_id: str
    name: str
    purpose: str
    intended_use: str
    users: str
    roles: tuple[Role, ...]
    output_in_eu: bool
    established_in_eu: bool
    authorised_representative: str | None
    source: str
    vendor: str | None
    gpai_model: str | None
    placed_before_2026_08_02: bool
    processing_activities: tuple[str, ...]
    owner: str | None
    assets: tuple[str, ...]
    answers: dict[str, Answer]
    classification: Classification | None
    classified_on: date | None
    flags: tuple[str, ...] = field(default_factory=tuple)
    notice: str = NOTICE

    @property
    def tier(self) -> str:
        return self.classification.tier.value if self.classification else "not classified"


def _split(text: str) -> tuple[str, ...]:
    return tuple(part for part in (text or "").split(",") if part)


def stored_answers(row: AiSystemRow) -> dict[str, Answer]:
    if not row.answers:
        return {}
    loaded = json.loads(row.answers)
    return dict(loaded) if isinstance(loaded, dict) else {}


def _classification(row: AiSystemRow) -> Classification | None:
    if row.tier is None:
        return None
    forced = parse_tier(row.forced_tier) if row.forced_tier else None
    return classify(stored_answers(row), forced_tier=forced, forced_reason=row.forced_reason or "")


def system_flags(
    roles: Sequence[Role],
    classification: Classification | None,
    established_in_eu: bool,
    representative: str | None,
    output_in_eu: bool,
) -> tuple[str, ...]:
    """What needs attention whatever the obligations say."""
    flags: list[str] = []
    if classification is not None and needs_authorised_representative(
        roles, classification, established_in_eu, bool(representative)
    ):
        flags.append(
            "non-EU provider of a high-risk AI system without an authorised representative: "
            "appoint one in the Union by written mandate before placing it on the market (Art. 22)"
        )
    if not established_in_eu and not output_in_eu:
        flags.append(
            "established outside the Union and its output is not used in the Union: "
            "check whether the Act applies at all (Art. 2(1))"
        )
    if classification is not None and classification.tier is Tier.PROHIBITED:
        flags.append(
            "prohibited practice: the system may not be placed on the market, put into "
            "service or used in the Union (" + ", ".join(classification.prohibited_practices) + ")"
        )
    if classification is None:
        flags.append("not classified: answer the questionnaire (`crosswalk ai classify`)")
    return tuple(flags)


def view(row: AiSystemRow) -> AiSystem:
    roles = parse_roles(_split(row.roles))
    classification = _classification(row)
    return AiSystem(
        system_id=row.system_id,
        name=row.name,
        purpose=row.purpose,
        intended_use=row.intended_use,
        users=row.users,
        roles=roles,
        output_in_eu=row.output_in_eu,
        established_in_eu=row.established_in_eu,
        authorised_representative=row.authorised_representative,
        source=row.source,
        vendor=row.vendor,
        gpai_model=row.gpai_model,
        placed_before_2026_08_02=row.placed_before_2026_08_02,
        processing_activities=_split(row.processing_activities),
        owner=row.owner,
        assets=tuple(sorted(a.asset_id for a in row.assets)),
        answers=stored_answers(row),
        classification=classification,
        classified_on=row.classified_on,
        flags=system_flags(
            roles,
            classification,
            row.established_in_eu,
            row.authorised_representative,
            row.output_in_eu,
        ),
    )


def _optional(text: str | None) -> str | None:
    return (text or "").strip() or None


def _checked_id(system_id: str) -> str:
    cleaned = system_id.strip()
    if not SYSTEM_ID.fullmatch(cleaned):
        raise AiActInputError(
            "system_id", f"{system_id!r} must be non-empty, without spaces, commas, '=' or '/'"
        )
    return cleaned


def _source(value: str) -> str:
    text = value.strip().lower()
    if text not in SOURCES:
        raise AiActInputError("source", f"unknown source {value!r}; choose from {SOURCE_HELP}")
    return text


def _known(session: Session) -> list[str]:
    return list(session.scalars(select(AiSystemRow.system_id).order_by(AiSystemRow.system_id)))


def system_row(session: Session, system_id: str) -> AiSystemRow:
    row = session.scalar(select(AiSystemRow).where(AiSystemRow.system_id == system_id))
    if row is None:
        raise UnknownReferenceError(
            system_id, "AI system", difflib.get_close_matches(system_id, _known(session), n=3)
        )
    return row


def get_system(session: Session, system_id: str) -> AiSystem:
    return view(system_row(session, system_id))


def system_rows(session: Session) -> list[AiSystemRow]:
    return list(session.scalars(select(AiSystemRow).order_by(AiSystemRow.system_id)))


def list_systems(session: Session, tier: str | None = None) -> list[AiSystem]:
    wanted = parse_tier(tier) if tier else None
    out = [view(row) for row in system_rows(session)]
    if wanted is not None:
        out = [s for s in out if s.classification and s.classification.tier is wanted]
    return out


def has_ai_systems(session: Session) -> bool:
    return session.scalar(select(AiSystemRow.id).limit(1)) is not None


def _clean(session: Session, data: AiSystemInput) -> dict[str, Any]:
    """Every field checked, in the order a form shows them; raises naming the first bad one."""
    system_id = _checked_id(data.system_id)
    name = data.name.strip()
    if not name:
        raise AiActInputError("name", "an AI system needs a name")
    roles = parse_roles(tuple(data.roles), "roles")
    source = _source(data.source)
    assets = [asset_row(session, a.strip()) for a in dict.fromkeys(data.assets) if a.strip()]
    activities = sorted({a.strip() for a in data.processing_activities if a.strip()})
    return {
        "system_id": system_id,
        "name": name,
        "purpose": data.purpose.strip(),
        "intended_use": data.intended_use.strip(),
        "users": data.users.strip(),
        "roles": ",".join(r.value for r in roles),
        "output_in_eu": bool(data.output_in_eu),
        "established_in_eu": bool(data.established_in_eu),
        "authorised_representative": _optional(data.authorised_representative),
        "source": source,
        "vendor": _optional(data.vendor),
        "gpai_model": _optional(data.gpai_model),
        "placed_before_2026_08_02": bool(data.placed_before_2026_08_02),
        "processing_activities": ",".join(activities),
        "owner": _optional(data.owner),
        "assets": assets,
    }


def add_system(session: Session, data: AiSystemInput) -> AiSystem:
    """Add a system to the inventory; it is unclassified until the questionnaire is answered."""
    values = _clean(session, data)
    exists = session.scalar(
        select(AiSystemRow.id).where(AiSystemRow.system_id == values["system_id"])
    )
    if exists is not None:
        raise AiActInputError(
            "system_id", f"AI system {values['system_id']!r} already exists; use `ai edit`"
        )
    assets = values.pop("assets")
    row = AiSystemRow(**values, answers="")
    row.assets = assets
    session.add(row)
    session.flush()
    return view(row)


EDITABLE = (
    "name",
    "purpose",
    "intended_use",
    "users",
    "roles",
    "output_in_eu",
    "established_in_eu",
    "authorised_representative",
    "source",
    "vendor",
    "gpai_model",
    "placed_before_2026_08_02",
    "processing_activities",
    "owner",
    "assets",
)


def edit_system(session: Session, system_id: str, **changes: Any) -> list[str]:
    """Change fields (lists as the whole new list); returns the fields really changed."""
    row = system_row(session, system_id)
    for name in changes:
        if name not in EDITABLE:
            raise AiActInputError(name, f"not an editable field ({', '.join(EDITABLE)})")
    current = view(row)
    merged = AiSystemInput(
        system_id=row.system_id,
        name=changes.get("name", current.name),
        roles=changes.get("roles", [r.value for r in current.roles]),
        purpose=changes.get("purpose", current.purpose),
        intended_use=changes.get("intended_use", current.intended_use),
        users=changes.get("users", current.users),
        output_in_eu=changes.get("output_in_eu", current.output_in_eu),
        established_in_eu=changes.get("established_in_eu", current.established_in_eu),
        authorised_representative=changes.get(
            "authorised_representative", current.authorised_representative
        ),
        source=changes.get("source", current.source),
        vendor=changes.get("vendor", current.vendor),
        gpai_model=changes.get("gpai_model", current.gpai_model),
        placed_before_2026_08_02=changes.get(
            "placed_before_2026_08_02", current.placed_before_2026_08_02
        ),
        processing_activities=changes.get("processing_activities", current.processing_activities),
        owner=changes.get("owner", current.owner),
        assets=changes.get("assets", current.assets),
    )
    values = _clean(session, merged)
    assets = values.pop("assets")
    changed = [n for n in changes if n != "assets" and getattr(row, n) != values[n]]
    for name in changed:
        setattr(row, name, values[name])
    if "assets" in changes and sorted(a.asset_id for a in assets) != list(current.assets):
        row.assets = assets
        changed.append("assets")
    session.flush()
    return changed


@dataclass(frozen=True)
class Reclassified:
    system: AiSystem
    before: str | None  # the tier before, None when it was not classified
    changed: bool


def classify_system(
    session: Session,
    system_id: str,
    answers: Mapping[str, object],
    *,
    tier: str | None = None,
    tier_reason: str = "",
    merge: bool = True,
    today: date | None = None,
) -> Reclassified:
    """Record answers and the tier they give. With ``merge`` the answers are laid over the
    stored ones (a change of one answer re-classifies); a tier set by hand needs answers and a
    reason. Nothing is written when an answer, the tier or its reason is refused."""
    row = system_row(session, system_id)
    given = normalise_answers(answers)
    combined = {**stored_answers(row), **given} if merge else given
    forced = parse_tier(tier) if tier else None
    result = classify(combined, forced_tier=forced, forced_reason=tier_reason)
    before = row.tier
    text = json.dumps(combined, sort_keys=True)
    changed = (
        text != row.answers
        or result.tier.value != row.tier
        or (forced.value if forced else None) != row.forced_tier
    )
    if changed:
        row.answers = text
        row.tier = result.tier.value
        row.tier_article = result.article[:300]
        row.forced_tier = forced.value if forced else None
        row.forced_reason = tier_reason.strip() or None if forced else None
        row.classified_on = today or date.today()
        session.flush()
    return Reclassified(view(row), before, changed)


def delete_system(session: Session, system_id: str) -> None:
    session.delete(system_row(session, system_id))
    session.flush()


def answers_from_file(path: Path) -> dict[str, object]:
    """Questionnaire answers from a YAML mapping (``question: yes|no|area``), optionally under
    an ``answers:`` key; a file that is not one names itself and the line at fault."""
    import yaml

    from crosswalk.io.text_files import read_utf8

    text = read_utf8(path)
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise AiActInputError(f"{path}{where}", "not valid YAML") from None
    if isinstance(loaded, dict) and isinstance(loaded.get("answers"), dict):
        loaded = loaded["answers"]
    if not isinstance(loaded, dict):
        raise AiActInputError(str(path), "expected a mapping of question: answer")
    return {str(k): v for k, v in loaded.items()}


def answers_from_pairs(pairs: Sequence[str], field: str = "--answer") -> dict[str, object]:
    """``question=value`` pairs from the command line."""
    out: dict[str, object] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise AiActInputError(field, f"{pair!r} is not QUESTION=VALUE")
        out[key.strip()] = value.strip()
    return out
