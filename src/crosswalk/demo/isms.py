"""Northwind's first months of an ISMS: scope, assets, risks, SoA, audit, review, NCs."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session

from crosswalk.domain.risk import default_method, parse_category, parse_treatment
from crosswalk.services.isms.assets import AssetInput, add_asset
from crosswalk.services.isms.audits import AuditInput, add_audit
from crosswalk.services.isms.nonconformities import NonconformityInput, add_nonconformity
from crosswalk.services.isms.objectives import ObjectiveInput, add_objective
from crosswalk.services.isms.reviews import REVIEW_INPUTS, ReviewData, add_review
from crosswalk.services.isms.risk_method import set_method
from crosswalk.services.isms.risks import RiskInput, accept_risk, add_risk, has_risks
from crosswalk.services.isms.scope import approve_scope, set_scope_statement
from crosswalk.services.mapping.library import Library
from crosswalk.services.soa.soa import init_soa, set_entry

DATA = Path(__file__).parent / "northwind_isms.yaml"


def isms_data() -> dict[str, Any]:
    with DATA.open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle)
    return data


def _add_assets(session: Session, assets: list[dict[str, Any]]) -> None:
    """Dependencies first, whatever order the file lists them in."""
    pending = list(assets)
    added: set[str] = set()
    while pending:
        ready = [a for a in pending if set(a.get("depends_on", [])) <= added]
        if not ready:
            raise ValueError(f"asset dependencies form a cycle: {[a['id'] for a in pending]}")
        for asset in ready:
            add_asset(
                session,
                AssetInput(
                    asset["id"],
                    asset["name"],
                    asset["kind"],
                    asset["owner"] or None,
                    asset["classification"],
                    in_soc2_boundary=asset["soc2"],
                    in_isms_scope=asset["isms"],
                    depends_on=asset.get("depends_on", []),
                    controls=asset["controls"],
                ),
            )
            added.add(asset["id"])
            pending.remove(asset)


def _add_risks(session: Session, library: Library, risks: list[dict[str, Any]]) -> None:
    for risk in risks:
        residual = risk.get("residual") or [None, None]
        add_risk(
            session,
            library,
            RiskInput(
                risk["id"],
                risk["title"],
                risk["likelihood"],
                risk["impact"],
                category=parse_category(risk["category"]) or parse_category("asset"),  # type: ignore[arg-type]
                assets=tuple(risk["assets"]),
                owner=risk["owner"] or None,
                treatment=parse_treatment(risk["treatment"]),  # type: ignore[arg-type]
                controls=tuple(risk["controls"]),
                annex_a=tuple(risk["annex_a"]),
                plan=risk.get("plan", ""),
                due=risk.get("due"),
                residual_likelihood=residual[0],
                residual_impact=residual[1],
            ),
        )
        if risk.get("accepted_by"):
            accept_risk(session, risk["id"], risk["accepted_by"], risk["accepted_on"])


def add_demo_isms(session: Session, library: Library, today: date) -> bool:
    """Create the demo ISMS once; a workspace that already has risks is left alone."""
    if has_risks(session):
        return False
    data = isms_data()
    set_method(session, default_method())
    _add_assets(session, data["assets"])
    scope = data["scope"]
    statement = set_scope_statement(
        session, scope["text"], scope["includes"], [tuple(x) for x in scope["excludes"]]
    )
    approve_scope(session, statement.version, scope["approved_by"], scope["approved_on"])
    _add_risks(session, library, data["risks"])
    init_soa(session, library, today)
    for ref, reason in data["soa_exclusions"]:
        set_entry(
            session, library, ref, applicable=False, exclusion_reason=reason, reviewed_on=today
        )
    for audit in data["audits"]:
        add_audit(
            session,
            library,
            AuditInput(
                audit["id"],
                audit["title"],
                audit["scope"],
                audit["auditor"],
                audit.get("planned_on"),
                audit.get("performed_on"),
                audit.get("findings", ""),
            ),
        )
    for review in data["reviews"]:
        missing = set(review["missing"])
        inputs = {
            i.key: f"Discussed: {i.label.lower()}" for i in REVIEW_INPUTS if i.key not in missing
        }
        add_review(
            session,
            ReviewData(
                review["id"],
                review["held_on"],
                review["chair"],
                review["attendees"],
                inputs,
                review["decisions"],
                review["outputs"],
            ),
        )
    for nc in data["nonconformities"]:
        fields = {k: v for k, v in nc.items() if k != "id"}
        add_nonconformity(session, NonconformityInput(nc_id=nc["id"], **fields), today)
    for objective in data["objectives"]:
        fields = {k: v for k, v in objective.items() if k != "id"}
        add_objective(session, ObjectiveInput(objective_id=objective["id"], **fields))
    session.flush()
    return True
