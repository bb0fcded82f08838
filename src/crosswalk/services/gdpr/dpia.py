"""DPIA screening and DPIA records (GDPR Art. 35) on the one risk register.

Screening answers a short questionnaire per processing activity: the three cases of Art.
35(3) and the nine criteria EU regulators use. A DPIA, once done, records its risks in the
workspace's risk register with the category "privacy", scored by the workspace's one risk
method, so the treatment plan lists them and the SoA shows them against the Annex A controls
they use, as it does every other risk.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.gdpr import DPIA_CASES, DPIA_CRITERIA, dpia_screening
from crosswalk.domain.risk import RiskCategory
from crosswalk.services.gdpr.activities import (
    ActivityError,
    activity_row,
    edit_activity,
    get_activity,
)
from crosswalk.services.isms.risks import RiskInput, add_risk, get_risk

QUESTIONS = {**DPIA_CASES, **DPIA_CRITERIA}  # answer key -> the question it answers yes to


@dataclass(frozen=True)
class Screening:
    activity_id: str
    answers: list[str]
    outcome: str  # DPIA required / recommended / not required
    reasons: list[str]
    completed_on: date | None
    risks: list[str]


def screen_activity(session: Session, activity_id: str, answers: list[str]) -> Screening:
    """Record the questionnaire's yes answers; the outcome and its reasons follow from them
    (special categories count as sensitive data without being asked)."""
    edit_activity(session, activity_id, dpia_criteria=answers)
    return screening(session, activity_id)


def screening(session: Session, activity_id: str) -> Screening:
    item = get_activity(session, activity_id)
    outcome, reasons = dpia_screening(item.dpia_criteria, bool(item.special_categories))
    return Screening(
        activity_id,
        item.dpia_criteria,
        outcome,
        reasons,
        item.dpia_completed_on,
        item.dpia_risks,
    )


def record_dpia(
    session: Session,
    library: Library,
    activity_id: str,
    completed_on: date,
    risks: list[RiskInput],
    link: list[str] | None = None,
) -> Screening:
    """The DPIA done on ``completed_on``, its new risks added to the risk register as privacy
    risks on the activity's systems, and privacy risks already there linked (``link``). Any
    refusal raises before the caller commits."""
    row = activity_row(session, activity_id)
    for risk_id in link or []:
        if get_risk(session, risk_id).category != RiskCategory.PRIVACY.value:
            raise ActivityError(
                f"processing activity {activity_id}: dpia_risks: risk {risk_id} is not a "
                "privacy risk; a DPIA's risks have the category privacy"
            )
    if not risks and not link and not row.dpia_risks:
        raise ActivityError(
            f"processing activity {activity_id}: dpia_risks: a DPIA names the risks to "
            "people's rights and freedoms it assessed (Art. 35(7)(c))"
        )
    systems = tuple(a for a in row.assets.split(",") if a)
    added = []
    for risk in risks:
        data = replace(
            risk,
            category=RiskCategory.PRIVACY,
            assets=risk.assets or systems,
            description=risk.description or f"DPIA of {activity_id}: {row.name}",
        )
        added.append(add_risk(session, library, data).risk_id)
    known = [r for r in row.dpia_risks.split(",") if r] + list(link or [])
    edit_activity(
        session,
        activity_id,
        dpia_completed_on=completed_on,
        dpia_risks=list(dict.fromkeys(known + added)),
    )
    return screening(session, activity_id)
