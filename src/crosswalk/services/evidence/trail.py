"""Reading and checking the audit trail that the store writes on every change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crosswalk.domain.errors import CrosswalkError
from crosswalk.store.audit import ChainProblem, Change, trail_changes, verify_chain
from crosswalk.store.models import AuditRow
from crosswalk.store.trail_reconcile import RowDrift, reconcile
from crosswalk.store.trail_seal import AnchorError, Head, parse_anchor, read_head, seal_of


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str
    actor: str
    action: str
    entity: str
    entity_key: str
    before: str | None
    after: str | None
    hash: str
    prev_hash: str = ""


def list_entries(
    session: Session,
    since: datetime | None = None,
    entity: str | None = None,
    limit: int = 500,
    actor: str | None = None,
    key: str | None = None,
    before: int | None = None,
    until: datetime | None = None,
) -> list[AuditEntry]:
    """The newest ``limit`` entries (before entry ``before``, when given: the next page of
    older ones), oldest first; ``actor`` and ``key`` match parts."""
    query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
    if before is not None:
        query = query.where(AuditRow.id < before)
    if since is not None:
        query = query.where(AuditRow.at >= since)
    if until is not None:
        query = query.where(AuditRow.at < until)
    if entity:
        query = query.where(AuditRow.entity == entity)
    if actor:
        query = query.where(AuditRow.actor.ilike(f"%{actor}%"))
    if key:
        query = query.where(AuditRow.entity_key.ilike(f"%{key}%"))
    return [
        AuditEntry(
            r.id,
            r.at.isoformat(timespec="seconds"),
            r.actor,
            r.action,
            r.entity,
            r.entity_key,
            r.before,
            r.after,
            r.hash,
            r.prev_hash,
        )
        for r in reversed(list(session.scalars(query)))
    ]


def latest_entry_id(session: Session) -> int:
    """The newest entry's id (0 for an empty trail): every change appends one, so it
    versions the data."""
    return int(session.scalar(select(func.max(AuditRow.id))) or 0)


def trail_head(session: Session, since: int, actor: str | None) -> tuple[int, int]:
    """The newest entry's id, and ``actor``'s newest after entry ``since`` (0: none), in one
    round trip (a request asks both: is the data newer, and did I change it)."""
    latest = select(func.max(AuditRow.id)).scalar_subquery()
    mine = (
        select(func.max(AuditRow.id))
        .where(AuditRow.id > since, AuditRow.actor == (actor or ""))
        .scalar_subquery()
    )
    found = session.execute(select(latest, mine)).one()
    return int(found[0] or 0), int(found[1] or 0)


def written_by_since(session: Session, version: int, actor: str) -> bool:
    """Whether ``actor`` changed anything after entry ``version``."""
    found = session.scalar(
        select(AuditRow.id).where(AuditRow.id > version, AuditRow.actor == actor).limit(1)
    )
    return found is not None


def changes_since(session: Session, version: int, limit: int) -> list[Change] | None:
    """The entries after ``version``, oldest first; None when there are more than ``limit``
    (a bulk change: reading everything again is cheaper than following it)."""
    changes = list(trail_changes(session, after=version, limit=limit + 1))
    return None if len(changes) > limit else changes


@dataclass(frozen=True)
class ChainReport:
    checked: int
    problems: list[ChainProblem]
    drift: list[RowDrift]  # stored records the trail does not account for
    reconciled: int  # audited records compared with the trail

    @property
    def intact(self) -> bool:
        return not self.problems and not self.drift


def trail_length(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(AuditRow)) or 0)


def verify_workspace_trail(root: str, database_url: str) -> ChainReport:
    """``verify_trail`` of the workspace at ``root``, in a process of its own: the web app
    runs a long check this way, so re-hashing hundreds of thousands of records takes a core
    of its own instead of the server's (Python runs one thread at a time)."""
    from pathlib import Path

    from crosswalk.store.engine import session_scope
    from crosswalk.store.workspace import open_workspace

    workspace = open_workspace(Path(root), database_url)
    try:
        with session_scope(workspace.engine) as session:
            return verify_trail(session)
    finally:
        workspace.close()


def verify_trail(session: Session, anchor: str | None = None, records: bool = True) -> ChainReport:
    """The chain checked with the workspace's key, against the checkpoint kept outside the
    database and (given) an anchor line kept somewhere else again; then every audited record
    as stored held against the state the trail last recorded for it (``records``: only a
    database of the current schema holds records as this version reads them)."""
    seal = seal_of(session.get_bind().engine)
    checkpoints = []
    head = read_head(seal)
    if head is not None:
        checkpoints.append(("the checkpoint outside the database", head))
    if anchor is not None:
        try:
            checkpoints.append(("the anchor given", parse_anchor(anchor)))
        except AnchorError as error:
            raise CrosswalkError(str(error)) from None
    rows = session.scalars(select(AuditRow).order_by(AuditRow.id).execution_options(yield_per=1000))
    checked, problems = verify_chain(rows, seal.key, checkpoints)
    reconciled, drift = reconcile(session) if records else (0, [])
    return ChainReport(checked, problems, drift, reconciled)


def trail_anchor(session: Session) -> str | None:
    """A line naming the trail's newest entry and hash, to keep outside the workspace."""
    newest = session.execute(
        select(AuditRow.id, AuditRow.hash).order_by(AuditRow.id.desc()).limit(1)
    ).first()
    return Head(int(newest[0]), str(newest[1])).anchor() if newest is not None else None
