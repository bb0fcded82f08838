"""The GDPR's own vocabularies and date rules, as the records of processing, data-subject
requests and DPIA screening check them: lawful bases (Art. 6(1)), special-category
conditions (Art. 9(2)), transfer safeguards (Ch. V), request types (Art. 15-22) and the
one-month deadline of Art. 12(3).
"""

from __future__ import annotations

import calendar
from datetime import date

# Art. 6(1): key -> what it means.
LAWFUL_BASES = {
    "consent": "Art. 6(1)(a) consent",
    "contract": "Art. 6(1)(b) performance of a contract",
    "legal obligation": "Art. 6(1)(c) legal obligation",
    "vital interests": "Art. 6(1)(d) vital interests",
    "public task": "Art. 6(1)(e) public task",
    "legitimate interests": "Art. 6(1)(f) legitimate interests",
}
# Art. 9(2) conditions for special categories (Art. 10 criminal data needs official
# authority or Union/Member State law, written here as "art10").
ART9_CONDITIONS = {
    "a": "Art. 9(2)(a) explicit consent",
    "b": "Art. 9(2)(b) employment and social security law",
    "c": "Art. 9(2)(c) vital interests, subject incapable of consent",
    "d": "Art. 9(2)(d) not-for-profit body, members",
    "e": "Art. 9(2)(e) made manifestly public by the data subject",
    "f": "Art. 9(2)(f) legal claims or courts",
    "g": "Art. 9(2)(g) substantial public interest",
    "h": "Art. 9(2)(h) health or social care, occupational medicine",
    "i": "Art. 9(2)(i) public health",
    "j": "Art. 9(2)(j) archiving, research or statistics",
    "art10": "Art. 10 official authority or Union/Member State law (criminal data)",
}
SPECIAL_CATEGORIES = (
    "racial or ethnic origin",
    "political opinions",
    "religious or philosophical beliefs",
    "trade union membership",
    "genetic",
    "biometric",
    "health",
    "sex life or sexual orientation",
    "criminal convictions",  # Art. 10
)
# Chapter V: the ground a transfer to a third country rests on.
SAFEGUARDS = {
    "adequacy": "Art. 45 adequacy decision (e.g. the EU-US Data Privacy Framework)",
    "sccs": "Art. 46(2)(c) standard contractual clauses",
    "bcrs": "Art. 47 binding corporate rules",
    "code or certification": "Art. 46(2)(e)/(f) approved code of conduct or certification",
    "derogation": "Art. 49 derogation for a specific situation",
}
ROLES = ("controller", "processor", "joint controller")

# Art. 15-22: key -> article.
REQUEST_KINDS = {
    "access": "Art. 15 access",
    "rectification": "Art. 16 rectification",
    "erasure": "Art. 17 erasure",
    "restriction": "Art. 18 restriction",
    "portability": "Art. 20 portability",
    "objection": "Art. 21 objection",
    "automated decision": "Art. 22 automated decision-making",
}


def add_months(start: date, months: int) -> date:
    """The same day ``months`` later, or that month's last day when it has no such day
    (received 31 January: due 28 or 29 February), as Regulation 1182/71 counts months."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def request_due(received: date, extended: bool) -> date:
    """Art. 12(3): one month from receipt; three when extended by two further months."""
    return add_months(received, 3 if extended else 1)


def split_list(text: str | None) -> list[str]:
    """A comma-separated cell or option as its stripped, non-empty items, in order."""
    return [item.strip() for item in (text or "").split(",") if item.strip()]


# DPIA screening (Art. 35): the three cases of Art. 35(3), each enough on its own, and the
# nine criteria EU regulators use (WP248 rev.01, endorsed by the EDPB): two or more make a
# DPIA required, one makes it recommended.
DPIA_CASES = {
    "art35-3a": "Art. 35(3)(a) systematic, extensive evaluation by automated processing "
    "(profiling) with legal or similarly significant effects",
    "art35-3b": "Art. 35(3)(b) special categories or criminal data on a large scale",
    "art35-3c": "Art. 35(3)(c) systematic monitoring of a publicly accessible area on a large "
    "scale",
}
DPIA_CRITERIA = {
    "scoring": "evaluation or scoring, profiling or predicting",
    "automated decisions": "automated decisions with legal or similarly significant effect",
    "systematic monitoring": "systematic monitoring",
    "sensitive data": "special categories or data of a highly personal nature",
    "large scale": "data processed on a large scale",
    "matching datasets": "matching or combining datasets",
    "vulnerable subjects": "vulnerable data subjects (employees, children, patients, ...)",
    "new technology": "innovative use or new technological or organisational solutions",
    "blocks rights": "prevents people exercising a right or using a service or contract",
}
DPIA_REQUIRED = "DPIA required"
DPIA_RECOMMENDED = "DPIA recommended"
DPIA_NOT_REQUIRED = "DPIA not required"


def dpia_screening(answers: list[str], special_categories: bool) -> tuple[str, list[str]]:
    """The outcome and its reasons; special categories count as sensitive data by themselves."""
    met = list(dict.fromkeys(answers))
    if special_categories and "sensitive data" not in met:
        met.append("sensitive data")
    if special_categories and "large scale" in met and "art35-3b" not in met:
        met.insert(0, "art35-3b")  # large-scale special categories is a case of its own
    cases = [DPIA_CASES[key] for key in met if key in DPIA_CASES]
    criteria = [DPIA_CRITERIA[key] for key in met if key in DPIA_CRITERIA]
    if cases:
        return DPIA_REQUIRED, cases + criteria
    if len(criteria) >= 2:
        return DPIA_REQUIRED, [f"{len(criteria)} of the regulators' criteria met", *criteria]
    if criteria:
        return DPIA_RECOMMENDED, ["one of the regulators' criteria met", *criteria]
    return DPIA_NOT_REQUIRED, ["no Art. 35(3) case and none of the regulators' criteria met"]
