"""The shipped AI Act catalog's obligations, as the pure obligation rules take them."""

from __future__ import annotations

from crosswalk.catalogs.loader import Library
from crosswalk.domain.ai_obligations import ActObligation
from crosswalk.domain.errors import CrosswalkError

AI_ACT = "eu-ai-act"


def act_obligations(library: Library) -> list[ActObligation]:
    """Every obligation row of the AI Act catalog with its two dates, in catalog order."""
    if AI_ACT not in library.frameworks:
        raise CrosswalkError(f"the {AI_ACT} catalog is not loaded; it ships with Crosswalk")
    out: list[ActObligation] = []
    for requirement in library.frameworks[AI_ACT].requirements:
        if requirement.kind != "obligation":
            continue
        attrs = requirement.attributes
        out.append(
            ActObligation(
                ref=requirement.ref,
                title=requirement.title,
                applies_to=str(attrs.get("applies_to", "")),
                applies_from=str(attrs.get("applies_from", "")),
                omnibus_applies_from=str(attrs.get("omnibus_applies_from", "")),
                omnibus_status=str(attrs.get("omnibus_status", "")),
                note=str(attrs.get("note", "")),
            )
        )
    return out
