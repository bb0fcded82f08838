"""The policy library: list, read, add, approve, review and import policies.

Policies are Markdown files in ``<workspace>/policies/`` (see ``crosswalk.io.policy_files``),
kept in git beside the program files; the services here read and write them. What a policy
governs is resolved to controls or requirements of a loaded framework. The check that finds
duplicate and conflicting policies lives in ``crosswalk.services.policies.check``.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.controls import RecordIdError, check_record_id
from crosswalk.domain.errors import CrosswalkError, UnknownReferenceError
from crosswalk.domain.frequency import Frequency, parse_frequency
from crosswalk.io.policy_files import (
    Policy,
    PolicyFile,
    PolicyStatus,
    import_folder,
    parse_policy_status,
    policy_file_name,
    policy_folder,
    read_policies,
    review_due,
    write_policies,
    write_policy,
)
from crosswalk.services.mapping.library import resolve_requirement

# What clients read a policy as, and how they parse a status word: re-exported so that clients
# need nothing below the services.
__all__ = ["PolicyFile", "PolicyStatus", "parse_policy_status", "policy_folder"]
from crosswalk.store.models import ControlRow


class PolicyError(CrosswalkError):
    """A policy change that would be incomplete or contradictory; nothing was written."""


# --- the library ------------------------------------------------------------------------------


def list_policies(root: Path, status: PolicyStatus | None = None) -> list[PolicyFile]:
    items = sorted(read_policies(root), key=lambda item: item.policy.id)
    return [item for item in items if status is None or item.policy.status is status]


def get_policy(root: Path, policy_id: str) -> PolicyFile:
    """The policy with this id (exact, then ignoring case), or an error with close matches."""
    items = read_policies(root)
    wanted = policy_id.strip()
    for item in items:
        if item.policy.id == wanted:
            return item
    for item in items:
        if item.policy.id.lower() == wanted.lower():
            return item
    known = [item.policy.id for item in items]
    raise UnknownReferenceError(policy_id, "policy", difflib.get_close_matches(wanted, known, n=3))


def next_review_due(policy: Policy) -> date | None:
    """When the next review is due: last reviewed (or approved) + the review period."""
    return review_due(policy)


def policy_data(item: PolicyFile, root: Path | None = None, body: bool = True) -> dict[str, Any]:
    """A policy as plain data (the JSON of the CLI): the header, next review due, the file."""
    data = item.policy.header()
    data["next_review_due"] = next_review_due(item.policy)
    path = item.path
    if root is not None and path.is_relative_to(root):
        path = path.relative_to(root)
    data["path"] = str(path)
    if body:
        data["body"] = item.policy.body
    return data


def governed_resolver(session: Session, library: Library) -> Callable[[str], str]:
    """Reads what a policy governs: a control id (case forgiven) or a requirement (forgiving
    refs, e.g. ``5.15`` -> ``iso27001-2022:A.5.15``); unknown raises with suggestions."""
    ids = list(session.scalars(select(ControlRow.control_id)))
    exact = set(ids)
    lower = {control_id.lower(): control_id for control_id in ids}

    def resolve(given: str) -> str:
        text = given.strip()
        if text in exact:
            return text
        if text.lower() in lower:
            return lower[text.lower()]
        try:
            return resolve_requirement(library, text)
        except UnknownReferenceError as error:
            close = difflib.get_close_matches(text, ids, n=3) or error.suggestions
            raise UnknownReferenceError(text, "control or requirement", close) from None

    return resolve


def parse_review_frequency(text: str | None, label: str = "review frequency") -> Frequency | None:
    """How often a policy is reviewed: a periodic frequency, or none ('' or 'none')."""
    if text is None or text.strip().lower() in {"", "none"}:
        return None
    frequency = parse_frequency(text)
    if frequency is None or not frequency.periodic:
        periodic = ", ".join(f.value for f in Frequency if f.periodic)
        raise PolicyError(f"{label} {text.strip()!r} is not a periodic frequency: {periodic}")
    return frequency


@dataclass(frozen=True)
class PolicyInput:
    policy_id: str
    title: str
    owner: str | None = None
    governs: Sequence[str] = ()
    review_frequency: Frequency | None = Frequency.ANNUAL
    scope: str = ""
    version: str = "1.0"


def _starting_body(title: str) -> str:
    sections = ("Purpose", "Scope", "Policy statements", "Roles and responsibilities")
    return f"\n# {title}\n\n" + "".join(f"## {name}\n\n" for name in sections)


def add_policy(session: Session, library: Library, root: Path, data: PolicyInput) -> PolicyFile:
    """Write a new policy as a draft; what it governs must be known controls or requirements."""
    policy_id = data.policy_id.strip()
    title = data.title.strip()
    if not policy_id or not title:
        raise PolicyError("a policy needs an id and a title")
    try:
        check_record_id(policy_id, "policy")
    except RecordIdError as error:
        raise PolicyError(str(error)) from None
    existing = read_policies(root)
    for item in existing:
        if item.policy.id.lower() == policy_id.lower():
            raise PolicyError(f"policy {item.policy.id!r} already exists ({item.path})")
    path = policy_folder(root) / policy_file_name(policy_id)
    if path.exists():
        raise PolicyError(f"{path} already exists; choose another id")
    resolve = governed_resolver(session, library)
    governs = list(dict.fromkeys(resolve(given) for given in data.governs))
    policy = Policy(
        id=policy_id,
        title=title,
        version=data.version,
        owner=data.owner,
        review_frequency=data.review_frequency,
        scope=data.scope,
        governs=governs,
        body=_starting_body(title),
    )
    write_policy(path, policy)
    return PolicyFile(path, policy)


def approve(root: Path, policy_id: str, approver: str, on: date) -> PolicyFile:
    """Put a policy in force: approver and date recorded; an approval is also a review."""
    item = get_policy(root, policy_id)
    name = approver.strip()
    if not name:
        raise PolicyError("an approval needs the approver's name")
    policy = item.policy
    if policy.status is PolicyStatus.RETIRED:
        raise PolicyError(f"policy {policy.id} is retired; add a new policy to replace it")
    reviewed = policy.last_reviewed is not None and policy.last_reviewed > on
    updated = policy.model_copy(
        update={
            "status": PolicyStatus.IN_FORCE,
            "approver": name,
            "approved_on": on,
            "last_reviewed": policy.last_reviewed if reviewed else on,
            "reviewed_by": policy.reviewed_by if reviewed else name,
        }
    )
    write_policy(item.path, updated)
    return PolicyFile(item.path, updated)


def review(root: Path, policy_id: str, by: str, on: date) -> PolicyFile:
    """Record that the policy was reviewed (and still says what it should)."""
    item = get_policy(root, policy_id)
    name = by.strip()
    if not name:
        raise PolicyError("a review needs the reviewer's name")
    policy = item.policy
    if policy.status is PolicyStatus.RETIRED:
        raise PolicyError(f"policy {policy.id} is retired; retired policies are not reviewed")
    if policy.last_reviewed is not None and policy.last_reviewed > on:
        raise PolicyError(
            f"policy {policy.id} was already reviewed on {policy.last_reviewed}, after {on}"
        )
    updated = policy.model_copy(update={"last_reviewed": on, "reviewed_by": name})
    write_policy(item.path, updated)
    return PolicyFile(item.path, updated)


@dataclass(frozen=True)
class ImportedPolicy:
    source: Path
    policy_id: str
    title: str
    status: str
    action: str  # add, update or unchanged
    target: Path
    ignored_keys: tuple[str, ...]
    derived: tuple[str, ...]
    unresolved: tuple[str, ...]  # governed refs that are neither a control nor a requirement


@dataclass
class PolicyImport:
    folder: Path
    dry_run: bool
    policies: list[ImportedPolicy] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for item in self.policies if item.action == action)


def import_policies(
    session: Session, library: Library, root: Path, folder: Path, dry_run: bool = False
) -> PolicyImport:
    """Import every policy file of a folder, all or nothing.

    Every file is read and checked before anything is written; a policy whose id is already
    in the workspace is updated in its own file. Governed refs that resolve are written in
    their canonical form; the others are kept as written and listed (``policies check``
    reports them).
    """
    foreign = import_folder(folder)
    existing = {item.policy.id: item for item in read_policies(root)}
    names = {item.path.name: policy_id for policy_id, item in existing.items()}
    resolve = governed_resolver(session, library)
    result = PolicyImport(folder, dry_run)
    writes: list[PolicyFile] = []
    for item in foreign:
        governs: list[str] = []
        unresolved: list[str] = []
        for given in item.policy.governs:
            try:
                governs.append(resolve(given))
            except CrosswalkError:
                governs.append(given)
                unresolved.append(given)
        policy = item.policy.model_copy(update={"governs": list(dict.fromkeys(governs))})
        current = existing.get(policy.id)
        if current is not None:
            target = current.path
            action = "unchanged" if current.policy == policy else "update"
        else:
            target = policy_folder(root) / policy_file_name(policy.id)
            taken = names.get(target.name)
            if taken is not None:
                raise PolicyError(
                    f"{item.source}: id: policy {policy.id!r} would be written to {target.name}, "
                    f"the file of {taken!r}; give it another id"
                )
            names[target.name] = policy.id
            action = "add"
        result.policies.append(
            ImportedPolicy(
                item.source,
                policy.id,
                policy.title,
                policy.status.value,
                action,
                target,
                item.ignored,
                item.derived,
                tuple(unresolved),
            )
        )
        if action != "unchanged":
            writes.append(PolicyFile(target, policy))
    if not dry_run:
        write_policies(writes)
    return result
