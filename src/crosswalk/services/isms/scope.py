"""The ISMS scope (ISO/IEC 27001:2022 clause 4.3): a versioned scope statement, and the check
that it and the asset inventory (``assets``, with its SOC 2 boundary and ISMS scope flags) agree.

The seed's most frequent failure is a narrow SOC 2 system boundary quietly becoming the
assumed ISMS scope; ``check_scope`` names every asset where that happens, and
``describe_asset`` shows one asset with the findings about it. Services flush; the caller
(a command or a request) owns the transaction and commits.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.errors import UnknownReferenceError
from crosswalk.io.program_files import Text
from crosswalk.services.isms.assets import (
    ASSET_RECORDS,
    ScopeError,
    asset_dependencies,
    asset_row,
    require_assets,
)
from crosswalk.services.isms.common import optional
from crosswalk.services.isms.records import RecordKind
from crosswalk.store.isms_models import AssetRow, ScopeStatementRow

VERSION = re.compile(r"v?([1-9][0-9]*)")


# --- scope statement versions ---------------------------------------------------------------


@dataclass(frozen=True)
class Exclusion:
    asset: str
    reason: str


@dataclass(frozen=True)
class ScopeStatement:
    """One version of the scope statement as clients see it, includes and excludes parsed."""

    version: int
    text: str
    includes: tuple[str, ...]
    excludes: tuple[Exclusion, ...]
    approved_by: str | None
    approved_on: date | None


def statement_includes(row: ScopeStatement | ScopeStatementRow) -> list[str]:
    if isinstance(row, ScopeStatement):
        return list(row.includes)
    return [str(asset) for asset in json.loads(row.includes)] if row.includes else []


def statement_excludes(row: ScopeStatement | ScopeStatementRow) -> list[Exclusion]:
    if isinstance(row, ScopeStatement):
        return list(row.excludes)
    data: list[dict[str, Any]] = json.loads(row.excludes) if row.excludes else []
    return [Exclusion(str(e["asset"]), str(e.get("reason") or "")) for e in data]


def _view(row: ScopeStatementRow) -> ScopeStatement:
    return ScopeStatement(
        version=row.version,
        text=row.text,
        includes=tuple(statement_includes(row)),
        excludes=tuple(statement_excludes(row)),
        approved_by=row.approved_by,
        approved_on=row.approved_on,
    )


def _dump_includes(assets: Sequence[str]) -> str:
    return json.dumps(list(assets), ensure_ascii=False)


def _dump_excludes(exclusions: Sequence[Exclusion]) -> str:
    return json.dumps(
        [{"asset": e.asset, "reason": e.reason} for e in exclusions], ensure_ascii=False
    )


def parse_version(text: str) -> int:
    """``3`` or ``v3`` -> 3."""
    match = VERSION.fullmatch(text.strip())
    if match is None:
        raise ScopeError(f"{text!r} is not a scope statement version (e.g. 3 or v3)")
    return int(match.group(1))


def statement_data(row: ScopeStatement | ScopeStatementRow) -> dict[str, Any]:
    """A version as plain data: the program file's content, also the JSON of the CLI."""
    return {
        "version": f"v{row.version}",
        "text": row.text,
        "includes": statement_includes(row),
        "excludes": [{"asset": e.asset, "reason": e.reason} for e in statement_excludes(row)],
        "approved_by": row.approved_by,
        "approved_on": row.approved_on.isoformat() if row.approved_on else None,
    }


def set_scope_statement(
    session: Session,
    text: str,
    includes: Sequence[str],
    excludes: Sequence[tuple[str, str]],
) -> ScopeStatement:
    """Record a new version (the highest + 1) as a draft; earlier versions are never touched.

    Every asset named must be in the inventory, and every exclusion needs its reason.
    """
    body = text.strip()
    if not body:
        raise ScopeError("a scope statement needs its text")
    included = list(dict.fromkeys(asset.strip() for asset in includes))
    excluded: dict[str, str] = {}
    for given, reason in excludes:
        asset = given.strip()
        if not reason.strip():
            raise ScopeError(f"the exclusion of {asset!r} needs a reason (ID=reason)")
        if asset in excluded:
            raise ScopeError(f"{asset!r} is excluded twice")
        excluded[asset] = reason.strip()
    both = [asset for asset in included if asset in excluded]
    if both:
        raise ScopeError(f"{', '.join(both)}: both included and excluded")
    require_assets(session, [*included, *excluded])
    latest = session.scalar(select(func.max(ScopeStatementRow.version))) or 0
    row = ScopeStatementRow(
        version=latest + 1,
        text=body,
        includes=_dump_includes(included),
        excludes=_dump_excludes([Exclusion(a, r) for a, r in excluded.items()]),
    )
    session.add(row)
    session.flush()
    return _view(row)


def _version_rows(session: Session) -> list[ScopeStatementRow]:
    return list(session.scalars(select(ScopeStatementRow).order_by(ScopeStatementRow.version)))


def scope_versions(session: Session) -> list[ScopeStatement]:
    return [_view(row) for row in _version_rows(session)]


def _maybe_view(row: ScopeStatementRow | None) -> ScopeStatement | None:
    return None if row is None else _view(row)


def current_scope(session: Session) -> ScopeStatement | None:
    """The statement in force: the latest approved version (a newer draft is not yet)."""
    return _maybe_view(
        session.scalar(
            select(ScopeStatementRow)
            .where(ScopeStatementRow.approved_by.is_not(None))
            .order_by(ScopeStatementRow.version.desc())
            .limit(1)
        )
    )


def latest_scope(session: Session) -> ScopeStatement | None:
    """The newest version, approved or draft."""
    return _maybe_view(
        session.scalar(
            select(ScopeStatementRow).order_by(ScopeStatementRow.version.desc()).limit(1)
        )
    )


def scope_version_row(session: Session, version: int) -> ScopeStatementRow:
    """The row itself, for services that change it (approval)."""
    row = session.scalar(select(ScopeStatementRow).where(ScopeStatementRow.version == version))
    if row is None:
        known = [f"v{n}" for n in session.scalars(select(ScopeStatementRow.version))]
        raise UnknownReferenceError(f"v{version}", "scope statement version", known[-3:])
    return row


def get_scope_version(session: Session, version: int) -> ScopeStatement:
    return _view(scope_version_row(session, version))


def approve_scope(session: Session, version: int, approver: str, on: date) -> ScopeStatement:
    """Approve a draft version; it comes into force and is frozen from then on."""
    row = scope_version_row(session, version)
    if not approver.strip():
        raise ScopeError("an approval needs the approver's name")
    if row.approved_by is not None:
        raise ScopeError(
            f"scope statement v{version} was already approved by {row.approved_by} on "
            f"{row.approved_on}; versions are never changed (set a new version)"
        )
    in_force = current_scope(session)
    if in_force is not None and in_force.version > version:
        raise ScopeError(
            f"v{in_force.version} is approved and in force; v{version} is older "
            "(set a new version instead)"
        )
    row.approved_by = approver.strip()
    row.approved_on = on
    session.flush()
    return _view(row)


# --- the scope check --------------------------------------------------------------------------


@dataclass(frozen=True)
class ScopeFinding:
    code: str
    item: str  # the asset id, or "statement" / "statement vN"
    message: str


@dataclass
class ScopeCheck:
    statement_version: int | None  # the statement compared with the inventory
    statement_approved: bool
    assets: int
    in_scope: int
    in_boundary: int
    findings: list[ScopeFinding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


def _statement_findings(
    statement: ScopeStatement, by_id: dict[str, AssetRow], in_scope: list[AssetRow]
) -> list[ScopeFinding]:
    label = f"statement v{statement.version}"
    includes = statement_includes(statement)
    excludes = statement_excludes(statement)
    found: list[ScopeFinding] = []
    for asset_id, verb in [
        *((a, "includes") for a in includes),
        *((e.asset, "excludes") for e in excludes),
    ]:
        if asset_id not in by_id:
            message = f"{label} {verb} {asset_id}, which is not in the asset inventory"
            found.append(ScopeFinding("statement-unknown-asset", asset_id, message))
    for asset_id in includes:
        if asset_id in by_id and not by_id[asset_id].in_isms_scope:
            message = f"{label} includes {asset_id} but the inventory puts it outside the ISMS"
            found.append(ScopeFinding("included-not-in-scope", asset_id, message))
    for exclusion in excludes:
        asset = by_id.get(exclusion.asset)
        if asset is not None and not exclusion.reason.strip():
            message = f"{label} excludes {asset.asset_id} without the reason 4.3 expects"
            found.append(ScopeFinding("exclusion-without-reason", asset.asset_id, message))
        if asset is not None and asset.in_isms_scope:
            message = f"{label} excludes {asset.asset_id} but the inventory puts it in the ISMS"
            found.append(ScopeFinding("excluded-but-in-scope", asset.asset_id, message))
    named = set(includes) | {e.asset for e in excludes}
    for asset in in_scope:
        if asset.asset_id not in named:
            message = f"{asset.asset_id} is in the ISMS scope, but {label} does not name it"
            found.append(ScopeFinding("not-in-statement", asset.asset_id, message))
    return found


def _asset_findings(assets: list[AssetRow], excluded: dict[str, str]) -> list[ScopeFinding]:
    by_id = {asset.asset_id: asset for asset in assets}
    found: list[ScopeFinding] = []
    for asset in assets:
        name = asset.asset_id
        if asset.in_soc2_boundary and not asset.in_isms_scope:
            message = (
                f"{name} is in the SOC 2 system boundary but outside the ISMS scope: a narrow "
                "SOC 2 boundary must not quietly become the ISMS scope; bring it into scope "
                "or make the difference a deliberate, stated decision"
            )
            found.append(ScopeFinding("boundary-outside-scope", name, message))
        if asset.in_isms_scope and not (asset.owner or "").strip():
            message = f"{name} is in the ISMS scope but has no owner (A.5.9)"
            found.append(ScopeFinding("in-scope-no-owner", name, message))
        if asset.in_isms_scope and not asset.controls:
            message = f"{name} is in the ISMS scope but no control is linked to it"
            found.append(ScopeFinding("in-scope-no-control", name, message))
        for dependency in asset_dependencies(asset):
            target = by_id.get(dependency)
            if target is None:
                message = f"{name} depends on {dependency}, which is not in the asset inventory"
                found.append(ScopeFinding("unknown-dependency", name, message))
            elif (
                asset.in_isms_scope
                and not target.in_isms_scope
                and not excluded.get(dependency, "").strip()
            ):
                message = (
                    f"{name} is in the ISMS scope and depends on {dependency}, which is "
                    "outside it: an interface the scope statement has not considered (4.3 c); "
                    f"exclude {dependency} with a reason or bring it into scope"
                )
                found.append(ScopeFinding("out-of-scope-dependency", name, message))
    return found


def check_scope(session: Session) -> ScopeCheck:
    """Everything an ISO auditor would question about the scope, asset by asset.

    The inventory is compared with the statement in force (the latest approved version) or,
    while none is approved, with the latest draft. An out-of-scope dependency is considered
    when that statement excludes it with a reason.
    """
    assets = list(session.scalars(select(AssetRow).order_by(AssetRow.asset_id)))
    in_scope = [asset for asset in assets if asset.in_isms_scope]
    approved = current_scope(session)
    statement = approved or latest_scope(session)
    result = ScopeCheck(
        statement_version=statement.version if statement else None,
        statement_approved=approved is not None,
        assets=len(assets),
        in_scope=len(in_scope),
        in_boundary=sum(asset.in_soc2_boundary for asset in assets),
    )
    if approved is None:
        hint = (
            f"v{statement.version} is a draft: approve it with "
            f"`crosswalk scope approve {statement.version} --by NAME`"
            if statement
            else "write one with `crosswalk scope set`"
        )
        message = f"no approved ISMS scope statement (ISO 27001 4.3); {hint}"
        result.findings.append(ScopeFinding("no-approved-statement", "statement", message))
    excluded = {e.asset: e.reason for e in statement_excludes(statement)} if statement else {}
    result.findings.extend(_asset_findings(assets, excluded))
    if statement is not None:
        by_id = {asset.asset_id: asset for asset in assets}
        result.findings.extend(_statement_findings(statement, by_id, in_scope))
    return result


@dataclass(frozen=True)
class AssetDetail:
    """An asset as the scope check sees it; it lives here, not in ``assets``, because its
    findings come from ``check_scope``."""

    asset_id: str
    name: str
    kind: str
    owner: str | None
    classification: str | None
    in_soc2_boundary: bool
    in_isms_scope: bool
    depends_on: list[str]
    depended_on_by: list[str]
    controls: list[dict[str, str]]
    description: str
    findings: list[ScopeFinding]


def describe_asset(session: Session, asset_id: str) -> AssetDetail:
    """An asset with its controls, what depends on it, and the scope findings about it."""
    row = asset_row(session, asset_id)
    dependents = [
        other.asset_id
        for other in session.scalars(select(AssetRow).order_by(AssetRow.asset_id))
        if row.asset_id in asset_dependencies(other)
    ]
    return AssetDetail(
        asset_id=row.asset_id,
        name=row.name,
        kind=row.kind,
        owner=row.owner,
        classification=row.classification,
        in_soc2_boundary=row.in_soc2_boundary,
        in_isms_scope=row.in_isms_scope,
        depends_on=asset_dependencies(row),
        depended_on_by=dependents,
        controls=[
            {"control_id": c.control_id, "title": c.title, "status": c.status}
            for c in sorted(row.controls, key=lambda c: c.control_id)
        ],
        description=row.description,
        findings=[f for f in check_scope(session).findings if f.item == row.asset_id],
    )


# --- the program format -----------------------------------------------------------------------


class ExclusionFile(BaseModel):
    """A blank reason is accepted here so any stored version round-trips; `scope check`
    reports it (and `scope set` refuses it)."""

    model_config = ConfigDict(extra="forbid")
    asset: Text
    reason: str = ""

    @field_validator("reason")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()


class ScopeStatementFile(BaseModel):
    """``scope/v<N>.yaml``: one file per version."""

    model_config = ConfigDict(extra="forbid")
    version: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^v[1-9][0-9]*$")]
    text: Text
    includes: list[Text] = Field(default_factory=list)
    excludes: list[ExclusionFile] = Field(default_factory=list)
    approved_by: str | None = None
    approved_on: date | None = None

    @field_validator("version", mode="before")
    @classmethod
    def _number_is_a_version(cls, value: object) -> object:
        return f"v{value}" if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("approved_by")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return optional(value)

    @model_validator(mode="after")
    def _consistent(self) -> ScopeStatementFile:
        if (self.approved_by is None) != (self.approved_on is None):
            raise ValueError("approved_by and approved_on go together")
        excluded = [e.asset for e in self.excludes]
        if len(set(self.includes)) != len(self.includes) or len(set(excluded)) != len(excluded):
            raise ValueError("an asset is named twice")
        both = sorted(set(self.includes) & set(excluded))
        if both:
            raise ValueError(f"{', '.join(both)}: both included and excluded")
        return self


def _find_statement(session: Session, key: str) -> ScopeStatementRow | None:
    match = VERSION.fullmatch(key)
    if match is None:
        return None
    version = int(match.group(1))
    return session.scalar(select(ScopeStatementRow).where(ScopeStatementRow.version == version))


def _upsert_statement(
    session: Session, _library: Library, record: BaseModel, existing: ScopeStatementRow | None
) -> ScopeStatementRow:
    """A new version is created; an existing one may only receive its pending approval."""
    if not isinstance(record, ScopeStatementFile):
        raise TypeError(f"expected a ScopeStatementFile, got {type(record).__name__}")
    includes = _dump_includes(record.includes)
    excludes = _dump_excludes([Exclusion(e.asset, e.reason) for e in record.excludes])
    if existing is None:
        row = ScopeStatementRow(
            version=parse_version(record.version),
            text=record.text,
            includes=includes,
            excludes=excludes,
            approved_by=record.approved_by,
            approved_on=record.approved_on,
        )
        session.add(row)
        return row
    same_content = (
        existing.text == record.text
        and statement_includes(existing) == record.includes
        and statement_excludes(existing) == [Exclusion(e.asset, e.reason) for e in record.excludes]
    )
    if same_content and existing.approved_by is None and record.approved_by is not None:
        existing.approved_by = record.approved_by
        existing.approved_on = record.approved_on
        return existing
    state = "approved" if existing.approved_by else "a draft"
    raise ScopeError(
        f"scope statement {record.version} already exists ({state}) with other content; "
        "versions are never overwritten: add a new version"
    )


SCOPE_RECORDS = RecordKind(
    folder="scope",
    format="crosswalk/scope-statement@1",
    model=ScopeStatementFile,
    key="version",
    rows=_version_rows,
    to_data=statement_data,
    upsert=_upsert_statement,
    find=_find_statement,
)

# In apply order: the inventory before the statements that name its assets.
SCOPE_KINDS = (ASSET_RECORDS, SCOPE_RECORDS)
