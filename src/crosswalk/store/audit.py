"""The audit trail: every change to audited rows is appended, hash-chained, in the same flush.

It hooks the session itself (a change-log mixin, NetBox style), so no service can forget to
record a change. Each entry's hash covers the previous entry's hash, so an edited,
inserted or deleted entry breaks the chain and ``verify_chain`` finds it.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, func, insert, inspect, select, text
from sqlalchemy.orm import RelationshipProperty, Session, UOWTransaction

from crosswalk.store.models import (
    AuditRow,
    ControlRow,
    EvidenceLinkRow,
    EvidenceRow,
    TagRow,
)
from crosswalk.store.trail_seal import Head, seal_of, write_head

GENESIS = "0" * 64
ACTOR_ENV = "CROSSWALK_ACTOR"


@dataclass(frozen=True)
class Audited:
    entity: str
    key: Callable[[Any], str]
    fields: tuple[str, ...]


def _control_of(row: TagRow | EvidenceLinkRow) -> str:
    """The id of the control a tag or link belongs, or belonged, to (a tag dropped from its
    control's list has already let go of it when the trail records the deletion)."""
    control = row.control
    if control is None:
        was = inspect(row).attrs.control.history.deleted
        control = was[0] if was else None
    return control.control_id if control is not None else str(row.control_pk)


def _tag_key(tag: TagRow) -> str:
    return f"{_control_of(tag)} -> {tag.framework}:{tag.ref}"


def _link_key(link: EvidenceLinkRow) -> str:
    return f"evidence {link.evidence_id} -> {_control_of(link)}"


AUDITED: dict[type, Audited] = {
    ControlRow: Audited(
        "control",
        lambda row: row.control_id,
        (
            "control_id",
            "title",
            "description",
            "owner",
            "frequency",
            "frequency_text",
            "status",
            "evidence",
            "retired_on",
            "retired_reason",
            "retired_by",
        ),
    ),
    TagRow: Audited("control_tag", _tag_key, ("framework", "ref", "coverage")),
    EvidenceRow: Audited(
        "evidence",
        lambda row: str(row.id),
        (
            "title",
            "kind",
            "sha256",
            "size",
            "filename",
            "url",
            "performed_start",
            "performed_end",
            "collected_by",
            "source",
            "reference",
            "passed",
        ),
    ),
    EvidenceLinkRow: Audited("evidence_link", _link_key, ("evidence_id", "control_pk")),
}


def _columns(
    model: type, skip: tuple[str, ...] = ("id", "created_at", "updated_at")
) -> tuple[str, ...]:
    table = model.__table__  # type: ignore[attr-defined]
    return tuple(c.name for c in table.columns if c.name not in skip)


def _register_isms() -> None:
    """ISMS records are audited like controls: every field, keyed by their own id."""
    from crosswalk.store import ai_models as ai
    from crosswalk.store import gdpr_models as g
    from crosswalk.store import isms_models as m
    from crosswalk.store import maintenance_models as mm

    keyed: list[tuple[type, str, Callable[[Any], str]]] = [
        (m.ScopeStatementRow, "scope_statement", lambda r: f"v{r.version}"),
        (m.AssetRow, "asset", lambda r: r.asset_id),
        (m.RiskRow, "risk", lambda r: r.risk_id),
        (m.SoaVersionRow, "soa_version", lambda r: f"v{r.version}"),
        (
            m.SoaEntryRow,
            "soa_entry",
            lambda r: f"v{r.soa_version.version if r.soa_version else '?'} {r.ref}",
        ),
        (m.InternalAuditRow, "internal_audit", lambda r: r.audit_id),
        (m.ManagementReviewRow, "management_review", lambda r: r.review_id),
        (m.NonconformityRow, "nonconformity", lambda r: r.nc_id),
        (m.ObjectiveRow, "objective", lambda r: r.objective_id),
        (m.SettingRow, "setting", lambda r: r.key),
        (g.IncidentRow, "incident", lambda r: r.incident_id),
        (g.ProcessingActivityRow, "processing_activity", lambda r: r.activity_id),
        (g.DataSubjectRequestRow, "data_subject_request", lambda r: r.request_id),
        (
            mm.ConfirmationRow,
            "confirmation",
            lambda r: f"{r.control_pk} {r.requirement} {r.edge}".strip(),
        ),
        (mm.MappingReviewRow, "mapping_review", lambda r: r.mapping_set),
        (mm.ReviewFlagRow, "review_flag", lambda r: f"{r.subject_kind} {r.subject}"),
        (mm.MappingAdjustmentRow, "mapping_adjustment", lambda r: f"{r.source} -> {r.target}"),
        (ai.AiSystemRow, "ai_system", lambda r: r.system_id),
        (
            ai.AiObligationRow,
            "ai_obligation",
            lambda r: f"{r.system.system_id if r.system else r.system_pk} {r.role} {r.ref}",
        ),
    ]
    linked: dict[type, tuple[str, ...]] = {
        m.AssetRow: ("controls",),
        m.RiskRow: ("controls",),
        ai.AiSystemRow: ("assets",),
        ai.AiObligationRow: ("evidence",),
    }
    for model, entity, key in keyed:
        fields = _columns(model, ("id", "created_at", "updated_at", "position"))
        AUDITED[model] = Audited(entity, key, fields + linked.get(model, ()))


_register_isms()


def _register_users() -> None:
    """Accounts are audited (who was given which role, when); never the password hash."""
    from crosswalk.store.auth_models import UserRow

    fields = _columns(UserRow, ("id", "created_at", "password_hash"))
    AUDITED[UserRow] = Audited("user", lambda r: r.email, fields)


_register_users()


def default_actor() -> str:
    configured = os.environ.get(ACTOR_ENV)
    if configured:
        return configured
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        return "unknown"


def canonical(values: dict[str, Any] | None) -> str | None:
    if values is None:
        return None
    return json.dumps(values, sort_keys=True, separators=(",", ":"), default=str)


def timestamp(at: datetime) -> str:
    """One spelling of a moment for hashing, whatever the database hands back."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def entry_hash(
    prev_hash: str,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    key: str,
    before: str | None,
    after: str | None,
    seal_key: bytes | None = None,
) -> str:
    """The entry's hash: an HMAC with the workspace's audit key (see ``trail_seal``), or a
    plain SHA-256 for a database opened without its workspace and for entries written
    before trails were sealed."""
    material = "\x1f".join(
        [prev_hash, timestamp(at), actor, action, entity, key, before or "", after or ""]
    ).encode("utf-8")
    if seal_key is not None:
        return hmac.new(seal_key, material, hashlib.sha256).hexdigest()
    return hashlib.sha256(material).hexdigest()


def _label(item: Any) -> str:
    """How a linked row is named in the trail (a control or an asset by its id, evidence
    by its number)."""
    if isinstance(item, EvidenceRow):
        return f"evidence {item.id}"
    return str(
        getattr(item, "control_id", None)
        or getattr(item, "asset_id", None)
        or inspect(item).identity
        or item
    )


def _values(instance: Any, fields: Iterable[str], before: bool) -> dict[str, Any]:
    state = inspect(instance)
    values: dict[str, Any] = {}
    for name in fields:
        history = state.attrs[name].history
        if isinstance(state.mapper.attrs[name], RelationshipProperty):  # many-to-many links
            items = [*history.unchanged, *history.deleted] if before else getattr(instance, name)
            values[name] = sorted(_label(item) for item in items)
            continue
        if before and history.deleted:
            values[name] = history.deleted[0]
        elif before and history.unchanged:
            values[name] = history.unchanged[0]
        elif before:
            values[name] = None
        else:
            values[name] = getattr(instance, name)
    return values


def _changes(session: Session) -> list[tuple[str, Audited, Any]]:
    found: list[tuple[str, Audited, Any]] = []
    for action, instances in (
        ("create", session.new),
        ("update", session.dirty),
        ("delete", session.deleted),
    ):
        for instance in instances:
            audited = AUDITED.get(type(instance))
            if audited is None:
                continue
            if action == "update" and not session.is_modified(instance):
                continue
            found.append((action, audited, instance))
    return found


def _orphans_deleted_openly(session: Session, _context: UOWTransaction, _instances: Any) -> None:
    """A child dropped from its parent's collection (a tag no longer on a control) is
    deleted by the flush itself, after ``session.deleted`` was read: delete it openly first,
    so the trail records it like any other deletion."""
    for instance in list(session.dirty):
        state = inspect(instance)
        for relation in state.mapper.relationships:
            if not relation.cascade.delete_orphan or not relation.back_populates:
                continue
            for child in state.attrs[relation.key].history.deleted:
                child_state = inspect(child)
                if (
                    type(child) in AUDITED
                    and child_state.persistent
                    and getattr(child, relation.back_populates) is None
                ):
                    session.delete(child)


def _after_flush(session: Session, _context: UOWTransaction) -> None:
    changes = _changes(session)
    if not changes:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":  # one writer extends the chain at a time
        connection.execute(text("SELECT pg_advisory_xact_lock(4242424242)"))
    previous = connection.execute(
        select(AuditRow.hash).order_by(AuditRow.id.desc()).limit(1)
    ).scalar()
    prev_hash = previous or GENESIS
    seal = seal_of(connection.engine)
    actor = str(session.info.get("actor") or default_actor())
    at = datetime.now(UTC)
    rows = []
    for action, audited, instance in changes:
        before = None if action == "create" else _values(instance, audited.fields, before=True)
        after = None if action == "delete" else _values(instance, audited.fields, before=False)
        if action == "update" and before == after:
            continue
        key = audited.key(instance)
        before_text, after_text = canonical(before), canonical(after)
        digest = entry_hash(
            prev_hash, at, actor, action, audited.entity, key, before_text, after_text, seal.key
        )
        rows.append(
            {
                "at": at,
                "actor": actor,
                "action": action,
                "entity": audited.entity,
                "entity_key": key,
                "before": before_text,
                "after": after_text,
                "prev_hash": prev_hash,
                "hash": digest,
            }
        )
        prev_hash = digest
    if rows:
        connection.execute(insert(AuditRow), rows)
        if seal.head is not None:  # the checkpoint moves once the transaction commits
            newest = connection.execute(select(func.max(AuditRow.id))).scalar()
            session.info[PENDING_HEAD] = (seal, Head(int(newest or 0), prev_hash))


PENDING_HEAD = "crosswalk.audit_head"


def _checkpoint(session: Session) -> None:
    pending = session.info.pop(PENDING_HEAD, None)
    if pending is not None:
        write_head(*pending)


def _forget_checkpoint(session: Session) -> None:
    session.info.pop(PENDING_HEAD, None)


event.listen(Session, "before_flush", _orphans_deleted_openly)
event.listen(Session, "after_flush", _after_flush)
event.listen(Session, "after_commit", _checkpoint)
event.listen(Session, "after_rollback", _forget_checkpoint)


@dataclass(frozen=True)
class ChainProblem:
    entry_id: int
    message: str


def verify_chain(
    rows: Iterable[AuditRow],
    seal_key: bytes | None = None,
    checkpoints: Iterable[tuple[str, Head]] = (),
) -> tuple[int, list[ChainProblem]]:
    """Recompute every hash in order (rows by id); report edited, inserted or removed entries,
    and every checkpoint kept outside the database (what it is, the head it saw) that the
    trail no longer reaches. With the workspace's key, an entry must carry its HMAC; plain
    hashes are accepted only before the first sealed entry (trails older than sealing)."""
    problems: list[ChainProblem] = []
    heads = {head.entry_id: (what, head) for what, head in checkpoints}
    reached: set[int] = set()
    expected_prev = GENESIS
    previous_id = 0
    checked = 0
    sealed_seen = False
    for row in rows:
        checked += 1
        if row.prev_hash != expected_prev:
            problems.append(
                ChainProblem(
                    row.id,
                    "does not follow the entry before it: an entry was inserted or removed "
                    f"between #{previous_id} and #{row.id}",
                )
            )
        fields = (
            row.prev_hash,
            row.at,
            row.actor,
            row.action,
            row.entity,
            row.entity_key,
            row.before,
            row.after,
        )
        if seal_key is not None and entry_hash(*fields, seal_key=seal_key) == row.hash:
            sealed_seen = True
        elif entry_hash(*fields) != row.hash:
            problems.append(
                ChainProblem(
                    row.id,
                    "its content was edited after it was written"
                    + ("" if seal_key is not None else " (or it is sealed with a key not given)"),
                )
            )
        elif seal_key is not None and sealed_seen:
            problems.append(
                ChainProblem(
                    row.id, "is not sealed with the workspace's key: written by someone without it"
                )
            )
        if row.id in heads:
            reached.add(row.id)
            what, head = heads[row.id]
            if row.hash != head.hash:
                problems.append(
                    ChainProblem(
                        row.id, f"is not the entry {what} recorded: the trail was rewritten"
                    )
                )
        expected_prev = row.hash
        previous_id = row.id
    for entry_id, (what, _head) in sorted(heads.items()):
        if entry_id not in reached:
            problems.append(
                ChainProblem(
                    entry_id,
                    f"is missing, but {what} recorded the trail reaching it: entries were deleted",
                )
            )
    return checked, problems


@dataclass(frozen=True)
class Change:
    """What one trail entry says changed: enough to find the rows to read again."""

    id: int
    action: str  # create, update, delete
    entity: str
    entity_key: str
    before: str | None  # canonical JSON of the audited fields
    after: str | None


def trail_changes(session: Session, after: int = 0, limit: int | None = None) -> Iterator[Change]:
    """The trail's entries after entry ``after``, oldest first, read in batches: the one
    reader of what the trail says changed (live views follow it, ``verify`` replays it)."""
    query = (
        select(
            AuditRow.id,
            AuditRow.action,
            AuditRow.entity,
            AuditRow.entity_key,
            AuditRow.before,
            AuditRow.after,
        )
        .where(AuditRow.id > after)
        .order_by(AuditRow.id)
        .execution_options(yield_per=2000)
    )
    if limit is not None:
        query = query.limit(limit)
    for row in session.execute(query):
        yield Change(*row)
