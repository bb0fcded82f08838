"""The policy check: what the policies in force say, compared with each other, with the
controls they govern and with the ISMS scope.

``check`` reads the policy library (``crosswalk.services.policies.policies``). Its rules are
deliberately simple, so a finding can always be explained:

- **duplicate**: two policies in force govern the same control or requirement. A control
  also counts through its tags: a policy governing ``iso27001-2022:A.5.15`` and one
  governing a control tagged ``A.5.15`` overlap. Two *different* controls sharing a tag do
  not (many controls serve one criterion).
- **frequency-conflict**: one activity given different frequencies by policies in force, or
  by a policy and the effective frequency of a control it governs. Activities are compared
  by their words, ignoring order, plurals, filler ("performed", "the") and generic
  qualifiers ("user", "periodic"): "access reviews" = "user access review". A control takes
  part when its title contains every word of the activity (two words at least, or all of
  them). The stricter frequency wins and is proposed.
- **term-conflict**: one term (case and plural ignored) defined differently.
- **scope-mismatch**: read sentence by sentence, a policy's scope paragraph names assets of
  the inventory by id (exact case) or name. A sentence saying "... is excluded" ("out of
  scope", "not covered", ...) excludes the assets it names; in "all systems except X" what
  follows "except" ("excluding", "other than", ...) is excluded; the rest is claimed.
  Reported: a claimed asset outside the ISMS scope; a claim of "all systems" (assets,
  services, environments, applications) that excludes an asset inside the ISMS scope; and
  a claim of "all systems" not qualified by "ISMS" or "in scope" while the inventory holds
  assets outside the ISMS scope that the policy does not exclude.
- **review-overdue**: last reviewed (or, never reviewed, approved) longer ago than its review
  frequency allows.
- **no-approval**: in force without an approver or an approval date.
- **unknown-reference**: a policy that is not retired governs something that is neither a
  control nor a requirement of a loaded framework.

Drafts and retired policies are never reported as duplicates or conflicts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from itertools import combinations
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.controls import ControlFacts
from crosswalk.domain.errors import CrosswalkError
from crosswalk.domain.frequency import Frequency, effective_frequency, stricter
from crosswalk.io.policy_files import Policy, PolicyFile, PolicyStatus, read_policies
from crosswalk.services.controls.controls import all_facts, expectations_for
from crosswalk.services.policies.policies import get_policy, governed_resolver, next_review_due
from crosswalk.store.isms_models import AssetRow


@dataclass(frozen=True)
class Finding:
    code: str
    policies: tuple[str, ...]
    subject: str
    message: str
    proposed: str | None = None  # for a frequency conflict: the stricter frequency
    overlap: tuple[str, ...] = ()  # for a duplicate: what both govern


CODES = (
    "duplicate",
    "frequency-conflict",
    "term-conflict",
    "scope-mismatch",
    "review-overdue",
    "no-approval",
    "unknown-reference",
)


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


_FILLER = _word_set(
    "a an the of for to and or by in on at with from is are be been being was were will shall "
    "must should may can performed perform conducted conduct carried carry out done held "
    "completed undertaken all every each our its their his her this that these those "
    "user periodic regular formal scheduled routine"
)
_CADENCE = _word_set(
    "continuous continuously daily nightly weekly monthly quarterly annual annually yearly "
    "semiannual semiannually biannual biannually once twice year month quarter week day"
)


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 5 and word.endswith("sses"):
        return word[:-2]
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def activity_words(text: str) -> tuple[str, ...]:
    """The words that name an activity: "User access reviews are performed" -> access review."""
    found: list[str] = []
    for word in re.findall(r"[a-z0-9]+", text.lower()):
        if word in _FILLER or word in _CADENCE:
            continue
        stem = _stem(word)
        if stem not in _FILLER and stem not in _CADENCE and stem not in found:
            found.append(stem)
    return tuple(found)


def same_activity(a: str, b: str) -> bool:
    words = activity_words(a)
    return bool(words) and frozenset(words) == frozenset(activity_words(b))


def _normal_text(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().strip("\"'").lower()).rstrip(" .")


@dataclass
class _Governed:
    controls: set[str] = field(default_factory=set)
    requirements: set[str] = field(default_factory=set)
    unknown: list[tuple[str, str]] = field(default_factory=list)  # given, why


@dataclass(frozen=True)
class _Statement:
    source: str  # policy id, or "control NW-AC-01"
    policy: str | None
    frequency: Frequency


class _Checker:
    def __init__(
        self, session: Session, library: Library, items: list[PolicyFile], today: date
    ) -> None:
        self.session = session
        self.library = library
        self.today = today
        self.policies = {item.policy.id: item.policy for item in items}
        self.in_force = sorted(
            (p for p in self.policies.values() if p.status is PolicyStatus.IN_FORCE),
            key=lambda p: p.id,
        )
        self.facts: dict[str, ControlFacts] = {f.control_id: f for f in all_facts(session)}
        self.tags = {cid: {t.requirement for t in f.tags} for cid, f in self.facts.items()}
        resolve = governed_resolver(session, library)
        self.governed: dict[str, _Governed] = {}
        for policy in self.policies.values():
            governed = _Governed()
            for given in policy.governs:
                try:
                    key = resolve(given)
                except CrosswalkError as error:
                    governed.unknown.append((given, str(error)))
                    continue
                (governed.controls if key in self.facts else governed.requirements).add(key)
            self.governed[policy.id] = governed
        self._effective: dict[str, Frequency | None] = {}

    def effective(self, control_id: str) -> Frequency | None:
        if control_id not in self._effective:
            facts = self.facts[control_id]
            expected = expectations_for(self.library, [t.requirement for t in facts.tags])
            self._effective[control_id] = effective_frequency(facts.frequency, expected).frequency
        return self._effective[control_id]

    def controls_of(self, policy_id: str) -> set[str]:
        """Controls a policy governs: named, or tagged to a requirement it names."""
        governed = self.governed[policy_id]
        through = {cid for cid, tags in self.tags.items() if tags & governed.requirements}
        return governed.controls | through

    # --- duplicates ---

    def duplicates(self) -> list[Finding]:
        found: list[Finding] = []
        for a, b in combinations(self.in_force, 2):
            ga, gb = self.governed[a.id], self.governed[b.id]
            overlap = sorted(ga.controls & gb.controls) + sorted(ga.requirements & gb.requirements)
            for one, other in ((ga, gb), (gb, ga)):
                for requirement in sorted(one.requirements - other.requirements):
                    via = sorted(
                        c
                        for c in other.controls - one.controls  # else already listed
                        if requirement in self.tags[c]
                    )
                    if via:
                        overlap.append(f"{requirement} (through {', '.join(via)})")
            if not overlap:
                continue
            message = (
                f"{a.id} ({a.title}) and {b.id} ({b.title}) are both in force and both govern "
                f"{', '.join(overlap)}: retire one, or narrow what each governs"
            )
            found.append(
                Finding(
                    "duplicate", (a.id, b.id), "; ".join(overlap), message, None, tuple(overlap)
                )
            )
        return found

    # --- frequency conflicts ---

    def frequency_conflicts(self) -> list[Finding]:
        groups: dict[frozenset[str], list[_Statement]] = {}
        names: dict[frozenset[str], str] = {}
        for policy in self.in_force:
            for activity in policy.activities:
                words = activity_words(activity.activity)
                if not words:
                    continue
                key = frozenset(words)
                names.setdefault(key, " ".join(words))
                groups.setdefault(key, []).append(
                    _Statement(policy.id, policy.id, activity.frequency)
                )
        found: list[Finding] = []
        for key, statements in groups.items():
            policy_ids = list(dict.fromkeys(s.source for s in statements))
            seen: set[str] = set()
            for policy_id in policy_ids:
                for control_id in sorted(self.controls_of(policy_id) - seen):
                    title = set(activity_words(self.facts[control_id].title))
                    if not (key <= title and (len(key) >= 2 or key == title)):
                        continue
                    seen.add(control_id)
                    frequency = self.effective(control_id)
                    if frequency is not None:
                        statements.append(_Statement(f"control {control_id}", None, frequency))
            if len({s.frequency for s in statements}) > 1:
                found.append(self._frequency_finding(names[key], statements))
        return sorted(found, key=lambda f: f.subject)

    @staticmethod
    def _frequency_finding(activity: str, statements: list[_Statement]) -> Finding:
        said = "; ".join(
            f"{s.source} {'runs' if s.policy is None else 'says'} {s.frequency.value}"
            for s in statements
        )
        policies = tuple(dict.fromkeys(s.policy for s in statements if s.policy))
        periodic = [s for s in statements if s.frequency.periodic]
        if not periodic:
            message = (
                f"{activity}: {said}. These name different events, so neither is stricter: "
                "decide which one applies and say it once"
            )
            return Finding("frequency-conflict", policies, activity, message)
        best = periodic[0].frequency
        for statement in periodic[1:]:
            best = stricter(statement.frequency, best)
        deciding = next(s for s in statements if s.frequency is best)
        behind = list(dict.fromkeys(s.source for s in statements if s.frequency is not best))
        message = (
            f"{activity}: {said}. The stricter frequency wins: {best.value}, as "
            f"{deciding.source} {'runs' if deciding.policy is None else 'says'}; "
            f"bring {', '.join(behind)} to {best.value}"
        )
        return Finding("frequency-conflict", policies, activity, message, best.value)

    # --- terms ---

    def term_conflicts(self) -> list[Finding]:
        groups: dict[str, list[tuple[str, str, str]]] = {}  # term -> (policy, term, definition)
        for policy in self.in_force:
            for term, definition in policy.terms.items():
                key = " ".join(_stem(w) for w in re.findall(r"[a-z0-9]+", term.lower()))
                if key:
                    groups.setdefault(key, []).append((policy.id, term, definition))
        found: list[Finding] = []
        for entries in groups.values():
            if len({_normal_text(definition) for _, _, definition in entries}) < 2:
                continue
            term = entries[0][1]
            said = "; ".join(f'{pid}: "{definition}"' for pid, _, definition in entries)
            message = (
                f'"{term}" is defined differently by policies in force — {said}. Define it '
                "once and refer to that definition"
            )
            policies = tuple(dict.fromkeys(pid for pid, _, _ in entries))
            found.append(Finding("term-conflict", policies, term, message))
        return sorted(found, key=lambda f: f.subject.lower())

    # --- scope ---

    def scope_mismatches(self) -> list[Finding]:
        assets = list(self.session.scalars(select(AssetRow).order_by(AssetRow.asset_id)))
        if not assets:
            return []
        patterns = [(asset, _asset_patterns(asset)) for asset in assets]
        found: list[Finding] = []
        for policy in self.in_force:
            if policy.scope:
                found.extend(_scope_findings(policy, patterns))
        return found

    # --- reviews, approvals, references ---

    def reviews_and_approvals(self) -> list[Finding]:
        found: list[Finding] = []
        for policy in self.in_force:
            due = next_review_due(policy)
            if due is not None and due < self.today and policy.review_frequency is not None:
                since = policy.last_reviewed or policy.approved_on
                verb = "last reviewed" if policy.last_reviewed else "approved and never reviewed"
                message = (
                    f"{policy.id} ({policy.title}): {verb} on {since}; its "
                    f"{policy.review_frequency.value} review was due by {due} "
                    f"({(self.today - due).days} days overdue)"
                )
                found.append(Finding("review-overdue", (policy.id,), policy.id, message))
        for policy in self.in_force:
            missing = [
                name
                for name, value in (
                    ("approver", policy.approver),
                    ("approval date", policy.approved_on),
                )
                if value is None
            ]
            if missing:
                message = (
                    f"{policy.id} ({policy.title}) is in force with no {' and no '.join(missing)}: "
                    f"record it with `crosswalk policies approve {policy.id} --by NAME --on DATE`"
                )
                found.append(Finding("no-approval", (policy.id,), policy.id, message))
        return found

    def unknown_references(self) -> list[Finding]:
        found: list[Finding] = []
        for policy_id in sorted(self.policies):
            if self.policies[policy_id].status is PolicyStatus.RETIRED:
                continue
            for given, why in self.governed[policy_id].unknown:
                message = f"{policy_id} governs {given!r}: {why}"
                found.append(Finding("unknown-reference", (policy_id,), given, message))
        return found


# "all systems except X": what follows the word is excluded, what precedes it is claimed.
_EXCEPT = re.compile(r"\b(?:except|excepting|excluding|other than|apart from)\b", re.IGNORECASE)
# "X is excluded": the whole sentence excludes what it names.
_EXCLUDED = re.compile(
    r"\b(?:exclude[sd]?|not covered|out of scope|outside (?:the |its )?scope|"
    r"does not (?:apply|cover))\b",
    re.IGNORECASE,
)
_UNIVERSAL = re.compile(
    r"\b(?:all|every|any)\s+(?:[\w-]+\s+){0,2}?"
    r"(?:systems?|assets?|environments?|applications?|services?)\b",
    re.IGNORECASE,
)
_QUALIFIED = re.compile(r"\b(?:isms|in[- ]scope|within (?:the )?scope)\b", re.IGNORECASE)


def _asset_patterns(asset: AssetRow) -> list[re.Pattern[str]]:
    """The asset's id (exact case, whole word) and name (any case, with or without the part
    in brackets)."""
    found = [re.compile(rf"(?<![\w-]){re.escape(asset.asset_id)}(?![\w-])")]
    for name in dict.fromkeys([asset.name, re.sub(r"\s*\([^)]*\)", "", asset.name)]):
        if len(name.strip()) >= 4:
            found.append(re.compile(rf"(?<!\w){re.escape(name.strip())}(?!\w)", re.IGNORECASE))
    return found


def _split_at(pattern: re.Pattern[str], text: str) -> tuple[str, str, str]:
    match = pattern.search(text)
    if match is None:
        return text, "", ""
    return text[: match.start()], match.group(0), text[match.end() :]


def _named(
    patterns: list[tuple[AssetRow, list[re.Pattern[str]]]], text: str
) -> dict[str, AssetRow]:
    return {a.asset_id: a for a, found in patterns if any(p.search(text) for p in found)}


def _scope_findings(
    policy: Policy, patterns: list[tuple[AssetRow, list[re.Pattern[str]]]]
) -> list[Finding]:
    claimed: dict[str, AssetRow] = {}
    excluded: dict[str, AssetRow] = {}
    universal: str | None = None
    unqualified = False
    for sentence in re.split(r"(?<=[.;:])\s+", policy.scope):
        if _EXCLUDED.search(sentence):
            claims, exclusions = "", sentence
        else:
            claims, _, exclusions = _split_at(_EXCEPT, sentence)
        excluded.update(_named(patterns, exclusions))
        claimed.update(_named(patterns, claims))
        match = _UNIVERSAL.search(claims)
        if match is not None:
            universal = universal or match.group(0)
            unqualified = unqualified or _QUALIFIED.search(claims) is None
    label = f"{policy.id} ({policy.title})"
    found: list[Finding] = []
    for asset_id, asset in sorted(claimed.items()):
        if not asset.in_isms_scope:
            message = (
                f"{label}: its scope covers {asset_id} ({asset.name}), which is outside the "
                "ISMS scope: bring the asset into the ISMS or take it out of the policy's scope"
            )
            found.append(Finding("scope-mismatch", (policy.id,), asset_id, message))
    if universal is None:
        return found
    for asset_id, asset in sorted(excluded.items()):
        if asset.in_isms_scope:
            message = (
                f"{label}: its scope claims {universal!r} but excludes {asset_id} "
                f"({asset.name}), which is in the ISMS scope"
            )
            found.append(Finding("scope-mismatch", (policy.id,), asset_id, message))
    left_out = [
        a.asset_id
        for a, _ in patterns
        if not a.in_isms_scope and a.asset_id not in excluded and a.asset_id not in claimed
    ]
    if unqualified and left_out:
        message = (
            f"{label}: its scope claims {universal!r}, but the ISMS scope leaves out "
            f"{', '.join(left_out)}: say 'in the ISMS scope' or exclude them by name"
        )
        found.append(Finding("scope-mismatch", (policy.id,), ", ".join(left_out), message))
    return found


def check(session: Session, library: Library, root: Path, today: date) -> list[Finding]:
    """Everything wrong with the policy library, in the order of ``CODES``."""
    checker = _Checker(session, library, read_policies(root), today)
    return [
        *checker.duplicates(),
        *checker.frequency_conflicts(),
        *checker.term_conflicts(),
        *checker.scope_mismatches(),
        *checker.reviews_and_approvals(),
        *checker.unknown_references(),
    ]


def policy_findings(
    session: Session, library: Library, root: Path, policy_id: str, today: date
) -> list[Finding]:
    """The findings of ``check`` that concern one policy."""
    wanted = get_policy(root, policy_id).policy.id
    return [f for f in check(session, library, root, today) if wanted in f.policies]
