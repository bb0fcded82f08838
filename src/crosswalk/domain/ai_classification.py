"""EU AI Act risk tier of one AI system, decided from a short questionnaire: pure, no storage.

The questions follow the Act's own tests (Regulation (EU) 2024/1689 as amended by the Digital
Omnibus on AI): each Art. 5 practice, Annex I safety components (Art. 6(1)), the Annex III areas
(Art. 6(2)) with the Art. 6(3) derogation and its profiling exception, the Art. 50 transparency
cases and general-purpose models (Art. 51-55). The result names the tier, the article that
decides it and each answer that led there, so a reviewer can check the reasoning line by line.

It supports a legal assessment and does not replace one: `LEGAL_NOTICE` says so wherever the
result is shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from crosswalk.domain.errors import CrosswalkError

LEGAL_NOTICE = (
    "This classification supports, and does not replace, a legal assessment of the AI system "
    "under Regulation (EU) 2024/1689; have counsel confirm the tier and the obligations."
)


class AiActInputError(CrosswalkError):
    """An answer, role or tier that cannot be used; names the field at fault."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


class Role(StrEnum):
    """The operator roles of Art. 3 a company can hold for one AI system."""

    PROVIDER = "provider"
    DEPLOYER = "deployer"
    IMPORTER = "importer"
    DISTRIBUTOR = "distributor"
    AUTHORISED_REPRESENTATIVE = "authorised-representative"
    PRODUCT_MANUFACTURER = "product-manufacturer"


def parse_role(value: str, field: str = "role") -> Role:
    """One role from user text; an unknown one is refused naming the field and the choices."""
    text = value.strip().lower().replace("_", "-").replace(" ", "-")
    for role in Role:
        if text == role.value:
            return role
    choices = ", ".join(r.value for r in Role)
    raise AiActInputError(field, f"unknown role {value!r}; choose from {choices}")


def parse_roles(values: list[str] | tuple[str, ...], field: str = "role") -> tuple[Role, ...]:
    """Several roles, deduplicated in the order given; at least one is needed."""
    roles: list[Role] = []
    for value in values:
        for part in value.split(","):
            if part.strip():
                role = parse_role(part, field)
                if role not in roles:
                    roles.append(role)
    if not roles:
        raise AiActInputError(field, "at least one role is needed")
    return tuple(roles)


class Tier(StrEnum):
    """The headline tier; transparency duties and the model regime may apply on top."""

    PROHIBITED = "prohibited"
    HIGH_RISK = "high-risk"
    GPAI_SYSTEMIC = "gpai-systemic-risk"
    GPAI = "gpai"
    TRANSPARENCY = "transparency"
    MINIMAL = "minimal"


class HighRiskBasis(StrEnum):
    ANNEX_I = "annex-i"
    ANNEX_III = "annex-iii"


def parse_tier(value: str, field: str = "tier") -> Tier:
    text = value.strip().lower().replace("_", "-").replace(" ", "-")
    for tier in Tier:
        if text == tier.value:
            return tier
    choices = ", ".join(t.value for t in Tier)
    raise AiActInputError(field, f"unknown tier {value!r}; choose from {choices}")


@dataclass(frozen=True, slots=True)
class Question:
    """One question of the questionnaire; `article` is the provision it tests."""

    key: str
    article: str
    text: str
    choices: tuple[tuple[str, str], ...] = ()  # (value, label) for a choice; () for yes/no


ANNEX_III_AREAS: tuple[tuple[str, str, str], ...] = (
    # (answer value, Annex III point, label)
    ("biometrics", "Annex III(1)", "Biometrics"),
    ("critical-infrastructure", "Annex III(2)", "Critical infrastructure"),
    ("education", "Annex III(3)", "Education and vocational training"),
    ("employment", "Annex III(4)", "Employment, workers management, self-employment"),
    ("essential-services", "Annex III(5)", "Essential private and public services and benefits"),
    ("law-enforcement", "Annex III(6)", "Law enforcement"),
    ("migration", "Annex III(7)", "Migration, asylum and border control"),
    ("justice", "Annex III(8)", "Administration of justice and democratic processes"),
)

ART5_PRACTICES: tuple[tuple[str, str, str], ...] = (
    # (point letter, article ref, question)
    (
        "a",
        "Art. 5(1)(a)",
        "Does it use subliminal, purposefully manipulative or deceptive "
        "techniques that materially distort people's behaviour and cause significant harm?",
    ),
    (
        "b",
        "Art. 5(1)(b)",
        "Does it exploit vulnerabilities due to age, disability or a specific "
        "social or economic situation, materially distorting behaviour and causing "
        "significant harm?",
    ),
    (
        "ba",
        "Art. 5(1)(ba)",
        "Does it generate or manipulate realistic intimate or sexually explicit "
        "images, video or audio of an identifiable person without their explicit consent?",
    ),
    ("bb", "Art. 5(1)(bb)", "Does it generate or manipulate child sexual abuse material?"),
    (
        "c",
        "Art. 5(1)(c)",
        "Does it evaluate or classify people by social behaviour or personal "
        "characteristics (social scoring) leading to detrimental or unfavourable treatment?",
    ),
    (
        "d",
        "Art. 5(1)(d)",
        "Does it predict the risk of a person committing a criminal offence based "
        "solely on profiling or personality traits?",
    ),
    (
        "e",
        "Art. 5(1)(e)",
        "Does it create or expand facial recognition databases by untargeted "
        "scraping of facial images from the internet or CCTV?",
    ),
    (
        "f",
        "Art. 5(1)(f)",
        "Does it infer emotions of people in the workplace or in education "
        "(other than for medical or safety reasons)?",
    ),
    (
        "g",
        "Art. 5(1)(g)",
        "Does it categorise people by biometric data to deduce race, political "
        "opinions, trade union membership, religious beliefs, sex life or sexual orientation?",
    ),
    (
        "h",
        "Art. 5(1)(h)",
        "Is it used for 'real-time' remote biometric identification in publicly "
        "accessible spaces for law enforcement?",
    ),
)

DEROGATIONS: tuple[tuple[str, str, str], ...] = (
    (
        "derogation_narrow_procedural",
        "Art. 6(3)(a)",
        "Is it intended only to perform a narrow procedural task?",
    ),
    (
        "derogation_improves_human",
        "Art. 6(3)(b)",
        "Is it intended only to improve the result of a previously completed human activity?",
    ),
    (
        "derogation_detects_patterns",
        "Art. 6(3)(c)",
        "Does it only detect decision-making patterns or deviations from prior patterns, without "
        "replacing or influencing the human assessment without proper human review?",
    ),
    (
        "derogation_preparatory",
        "Art. 6(3)(d)",
        "Does it only perform a preparatory task to an assessment relevant to an Annex III use?",
    ),
)

TRANSPARENCY_CASES: tuple[tuple[str, str, str], ...] = (
    (
        "interacts_with_people",
        "Art. 50(1)",
        "Is it intended to interact directly with natural persons (e.g. a chatbot)?",
    ),
    (
        "synthetic_content",
        "Art. 50(2)",
        "Does it generate synthetic audio, image, video or text content?",
    ),
    (
        "emotion_or_biometric_categorisation",
        "Art. 50(3)",
        "Is it an emotion recognition or biometric categorisation system (where not prohibited)?",
    ),
    (
        "deep_fake",
        "Art. 50(4)",
        "Does it generate or manipulate deep fakes, or text published to inform the public on "
        "matters of public interest?",
    ),
)


def _questions() -> tuple[Question, ...]:
    out: list[Question] = [
        Question(f"art5_{letter}", ref, text) for letter, ref, text in ART5_PRACTICES
    ]
    out.append(
        Question(
            "annex_i_safety_component",
            "Art. 6(1)(a)",
            "Is it a safety component of a product, or itself a product, covered by the Union "
            "harmonisation legislation listed in Annex I?",
        )
    )
    out.append(
        Question(
            "annex_i_third_party_assessment",
            "Art. 6(1)(b)",
            "Must that product undergo a third-party conformity assessment under that legislation?",
        )
    )
    out.append(
        Question(
            "annex_iii_area",
            "Art. 6(2)",
            "Is it intended for use in one of the Annex III areas? Which one?",
            (
                ("none", "None of them"),
                *((value, f"{point} {label}") for value, point, label in ANNEX_III_AREAS),
            ),
        )
    )
    out.append(
        Question(
            "profiling",
            "Art. 6(3) last subparagraph",
            "Does it perform profiling of natural persons (Art. 4(4) GDPR)?",
        )
    )
    out.extend(Question(key, ref, text) for key, ref, text in DEROGATIONS)
    out.extend(Question(key, ref, text) for key, ref, text in TRANSPARENCY_CASES)
    out.append(
        Question(
            "gpai_model",
            "Art. 3(63), Art. 53",
            "Is it a general-purpose AI model that the company places on the market?",
        )
    )
    out.append(
        Question(
            "gpai_systemic_risk",
            "Art. 51",
            "Does that model have high-impact capabilities (e.g. over 10^25 FLOPs of training "
            "compute) or has the Commission designated it as having systemic risk?",
        )
    )
    out.append(
        Question(
            "fria_public_service",
            "Art. 27(1)",
            "Is the deployer a body governed by public law or a private entity providing "
            "public services?",
        )
    )
    out.append(
        Question(
            "fria_credit_or_insurance",
            "Art. 27(1), Annex III(5)(b)-(c)",
            "Is it used to evaluate creditworthiness or to price life or health insurance?",
        )
    )
    return tuple(out)


QUESTIONS: tuple[Question, ...] = _questions()
QUESTION_KEYS: frozenset[str] = frozenset(q.key for q in QUESTIONS)
_BY_KEY: dict[str, Question] = {q.key: q for q in QUESTIONS}
_YES = {"yes", "y", "true", "1", "on"}
_NO = {"no", "n", "false", "0", "off", ""}
_AREA_VALUES = {value for value, _, _ in ANNEX_III_AREAS}

Answer = bool | str
Answers = Mapping[str, Answer]


def question(key: str) -> Question:
    return _BY_KEY[key]


def normalise_answers(raw: Mapping[str, object], field: str = "answers") -> dict[str, Answer]:
    """Answers from flags, a form or a YAML file, checked: an unknown question or a value that
    is not yes/no (or not one of the choices) is refused naming the question."""
    out: dict[str, Answer] = {}
    for key, value in raw.items():
        name = str(key).strip().lower().replace("-", "_").replace(".", "_")
        if name not in _BY_KEY:
            raise AiActInputError(
                f"{field}.{key}", "unknown question; see `crosswalk ai questions`"
            )
        where = f"{field}.{name}"
        q = _BY_KEY[name]
        if q.choices:
            text = (
                str(value).strip().lower().replace("_", "-").replace(" ", "-")
                if value is not None
                else "none"
            )
            if text in ("", "no", "false"):
                text = "none"
            if text not in {v for v, _ in q.choices}:
                choices = ", ".join(v for v, _ in q.choices)
                raise AiActInputError(where, f"{value!r} is not one of {choices}")
            out[name] = text
            continue
        if isinstance(value, bool):
            out[name] = value
            continue
        text = str(value).strip().lower() if value is not None else ""
        if text in _YES:
            out[name] = True
        elif text in _NO:
            out[name] = False
        else:
            raise AiActInputError(where, f"{value!r} is not yes or no")
    return out


@dataclass(frozen=True, slots=True)
class Reason:
    """One answer and what it decided."""

    key: str
    article: str
    question: str
    answer: str
    effect: str


@dataclass(frozen=True, slots=True)
class Classification:
    """The tier, the article that decides it and the answers that led there.

    `high_risk_basis` says which route made the system high-risk (Annex I or Annex III);
    `transparency` lists the Art. 50 paragraphs that apply on top of the tier; `gpai` and
    `gpai_systemic` the model regime; `derogation` that Art. 6(3) took an Annex III system out.
    """

    tier: Tier
    article: str
    reasons: tuple[Reason, ...]
    high_risk_basis: HighRiskBasis | None = None
    annex_iii_area: str | None = None
    prohibited_practices: tuple[str, ...] = ()
    transparency: tuple[str, ...] = ()
    gpai: bool = False
    gpai_systemic: bool = False
    derogation: bool = False
    forced: bool = False
    forced_reason: str = ""
    computed_tier: Tier | None = None

    @property
    def summary(self) -> str:
        basis = f" ({self.high_risk_basis.value})" if self.high_risk_basis else ""
        forced = " (set by hand)" if self.forced else ""
        return f"{self.tier.value}{basis}{forced} under {self.article}"


def _yes(answers: Answers, key: str) -> bool:
    return answers.get(key) is True


def _reason(key: str, answer: Answer, effect: str) -> Reason:
    q = _BY_KEY[key]
    shown = ("yes" if answer else "no") if isinstance(answer, bool) else answer
    return Reason(key, q.article, q.text, shown, effect)


def _high_risk_route(
    answers: Answers, area_value: str | None, area_ref: str | None, reasons: list[Reason]
) -> tuple[Tier, str, HighRiskBasis | None, bool]:
    """Art. 6: Annex I products first, then Annex III areas with the Art. 6(3) derogation.

    Returns (tier, article, basis, derogation); MINIMAL when neither route makes it high-risk.
    """
    if _yes(answers, "annex_i_safety_component") and _yes(
        answers, "annex_i_third_party_assessment"
    ):
        reasons.append(
            _reason("annex_i_safety_component", True, "Annex I product or safety component")
        )
        reasons.append(
            _reason(
                "annex_i_third_party_assessment",
                True,
                "third-party conformity assessment required: high-risk under Art. 6(1)",
            )
        )
        return Tier.HIGH_RISK, "Art. 6(1)", HighRiskBasis.ANNEX_I, False
    if _yes(answers, "annex_i_safety_component"):
        reasons.append(
            _reason(
                "annex_i_safety_component",
                True,
                "Annex I product, but without a third-party conformity assessment "
                "Art. 6(1) does not apply",
            )
        )
    if area_ref is None or area_value is None:
        return Tier.MINIMAL, "Art. 6, Art. 50 (none applies)", None, False
    reasons.append(_reason("annex_iii_area", area_value, f"listed in {area_ref}"))
    if _yes(answers, "profiling"):
        reasons.append(
            _reason(
                "profiling",
                True,
                "profiling of natural persons: always high-risk, "
                "the Art. 6(3) derogation cannot apply",
            )
        )
        return (
            Tier.HIGH_RISK,
            "Art. 6(2), Art. 6(3) last subparagraph",
            HighRiskBasis.ANNEX_III,
            False,
        )
    met = [(key, ref) for key, ref, _ in DEROGATIONS if _yes(answers, key)]
    if met:
        for key, ref in met:
            reasons.append(
                _reason(
                    key,
                    True,
                    f"condition {ref} met: not high-risk; the provider documents the "
                    "assessment and registers the system (Art. 6(4), Art. 49(2))",
                )
            )
        return Tier.MINIMAL, "Art. 6(3)", None, True
    reasons.append(
        _reason(
            "derogation_narrow_procedural",
            False,
            "no Art. 6(3) condition met: high-risk under Art. 6(2)",
        )
    )
    return Tier.HIGH_RISK, "Art. 6(2)", HighRiskBasis.ANNEX_III, False


def classify(
    answers: Answers, *, forced_tier: Tier | None = None, forced_reason: str = ""
) -> Classification:
    """Decide the tier from checked answers (see `normalise_answers`).

    Order follows the Act: a prohibited practice decides first (Art. 5); then Annex I products
    (Art. 6(1)); then Annex III areas (Art. 6(2)) unless the Art. 6(3) derogation takes the system
    out, which profiling never allows; then the general-purpose model regime (Art. 51-55); then
    the Art. 50 transparency cases; otherwise minimal risk. Art. 50 duties are collected whatever
    the tier (Art. 50(6)). A tier set by hand needs the answers and a reason; both are kept.
    """
    unknown = [k for k in answers if k not in _BY_KEY]
    if unknown:
        raise AiActInputError(f"answers.{unknown[0]}", "unknown question")
    if forced_tier is not None:
        if not answers:
            raise AiActInputError(
                "tier", "a tier cannot be set without answering the questionnaire; give the answers"
            )
        if not forced_reason.strip():
            raise AiActInputError("tier_reason", "a tier set by hand needs the reason for it")
    reasons: list[Reason] = []

    practices = tuple(ref for letter, ref, _ in ART5_PRACTICES if _yes(answers, f"art5_{letter}"))
    for letter, ref, _ in ART5_PRACTICES:
        if _yes(answers, f"art5_{letter}"):
            reasons.append(_reason(f"art5_{letter}", True, f"prohibited practice under {ref}"))

    transparency = tuple(ref for key, ref, _ in TRANSPARENCY_CASES if _yes(answers, key))
    transparency_reasons = [
        _reason(key, True, f"transparency duty under {ref}")
        for key, ref, _ in TRANSPARENCY_CASES
        if _yes(answers, key)
    ]
    gpai_systemic = _yes(answers, "gpai_systemic_risk")
    gpai = _yes(answers, "gpai_model") or gpai_systemic
    gpai_reasons = [
        _reason(key, True, effect)
        for key, effect in (
            ("gpai_model", "general-purpose AI model: Art. 53 applies"),
            ("gpai_systemic_risk", "systemic risk (Art. 51): Art. 55 applies as well"),
        )
        if _yes(answers, key)
    ]

    tier: Tier
    article: str
    basis: HighRiskBasis | None = None
    derogation = False
    area = answers.get("annex_iii_area")
    area_value = area if isinstance(area, str) and area in _AREA_VALUES else None
    area_ref = next((point for value, point, _ in ANNEX_III_AREAS if value == area_value), None)

    if practices:
        tier, article = Tier.PROHIBITED, practices[0]
    else:
        route = _high_risk_route(answers, area_value, area_ref, reasons)
        tier, article, basis, derogation = route
        if tier is Tier.MINIMAL:
            if gpai_systemic:
                tier, article = Tier.GPAI_SYSTEMIC, "Art. 51"
            elif gpai:
                tier, article = Tier.GPAI, "Art. 53"
            elif transparency:
                tier, article = Tier.TRANSPARENCY, transparency[0]
    reasons.extend(gpai_reasons)
    reasons.extend(transparency_reasons)
    if tier is Tier.MINIMAL and not reasons:
        reasons.append(
            Reason(
                "",
                "Art. 5, 6, 50, 51",
                "No answer points to a prohibited practice, a high-risk use, "
                "a transparency case or a general-purpose model",
                "no",
                "minimal risk: no specific obligations beyond AI literacy (Art. 4)",
            )
        )
    computed = tier
    if forced_tier is not None and forced_tier is not tier:
        reasons.append(
            Reason(
                "tier",
                "set by hand",
                f"Computed tier was {tier.value} under {article}",
                forced_tier.value,
                forced_reason.strip(),
            )
        )
        tier, article = forced_tier, f"set by hand ({forced_reason.strip()})"
        if forced_tier is Tier.HIGH_RISK and basis is None:
            basis = HighRiskBasis.ANNEX_III if area_value else HighRiskBasis.ANNEX_I
    return Classification(
        tier=tier,
        article=article,
        reasons=tuple(reasons),
        high_risk_basis=basis if tier is Tier.HIGH_RISK else None,
        annex_iii_area=area_ref,
        prohibited_practices=practices,
        transparency=transparency,
        gpai=gpai,
        gpai_systemic=gpai_systemic,
        derogation=derogation,
        forced=forced_tier is not None and forced_tier is not computed,
        forced_reason=forced_reason.strip() if forced_tier is not None else "",
        computed_tier=computed,
    )
