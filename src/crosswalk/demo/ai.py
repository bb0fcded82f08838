"""The demo's three AI systems for Northwind, entered through the same services as the CLI:
a vendor chatbot (deployer, transparency), a CV-screening model it built (provider, Annex III
employment, high-risk) and an internal code assistant on a general-purpose model (deployer,
minimal), with the follow-up of some obligations."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session

from crosswalk.services.ai.obligations import update_obligation
from crosswalk.services.ai.systems import (
    AiSystemInput,
    add_system,
    classify_system,
    has_ai_systems,
)
from crosswalk.services.mapping.library import Library

DATA = Path(__file__).parent / "northwind_ai.yaml"


def ai_data() -> list[dict[str, Any]]:
    loaded = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    return list(loaded["ai_systems"])


def add_demo_ai(session: Session, library: Library, today: date) -> bool:
    """Add the AI systems once; a workspace that already has AI systems is left alone."""
    if has_ai_systems(session):
        return False
    for entry in ai_data():
        fields = {k: v for k, v in entry.items() if k not in ("answers", "obligations")}
        add_system(session, AiSystemInput(**fields))
        classify_system(session, entry["system_id"], entry.get("answers", {}), today=today)
        for follow_up in entry.get("obligations", []):
            update_obligation(
                session,
                library,
                entry["system_id"],
                follow_up["ref"],
                role=follow_up["role"],
                status=follow_up["status"],
                owner=follow_up.get("owner"),
                due=follow_up.get("due"),
                note=follow_up.get("note"),
            )
    session.flush()
    return True
