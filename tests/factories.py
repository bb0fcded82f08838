"""Small catalog and mapping-set files written by tests under tmp_path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def write_yaml(path: Path, data: Any) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def catalog(
    framework_id: str = "acme-policy-1",
    requirements: list[dict[str, Any]] | None = None,
    counts: dict[str, int] | None = None,
) -> dict[str, Any]:
    requirements = (
        requirements
        if requirements is not None
        else [
            {"ref": "G1", "kind": "group", "title": "Governance"},
            {"ref": "G1.1", "kind": "item", "title": "Policies approved", "parent": "G1"},
            {"ref": "G1.2", "kind": "item", "title": "Policies reviewed", "parent": "G1"},
        ]
    )
    if counts is None:
        counts = {}
        for requirement in requirements:
            counts[requirement["kind"]] = counts.get(requirement["kind"], 0) + 1
    return {
        "format": "crosswalk/catalog@1",
        "framework": {
            "id": framework_id,
            "name": "ACME internal policy",
            "version": "1",
            "publisher": "ACME",
            "source": "tests",
            "notice": "test data",
            "counts": counts,
        },
        "requirements": requirements,
    }


def mapping_set(
    mappings: list[dict[str, Any]],
    set_id: str = "acme-to-iso",
    source: str = "acme-policy-1",
    target: str = "iso27001-2022",
    refines: str | None = None,
) -> dict[str, Any]:
    header: dict[str, Any] = {
        "id": set_id,
        "version": "1",
        "title": "ACME to ISO",
        "source_framework": source,
        "target_framework": target,
        "provenance": {"source": "tests", "method": "human"},
    }
    if refines:
        header["refines"] = refines
    return {"format": "crosswalk/mapping-set@1", "mapping_set": header, "mappings": mappings}


def edge(
    source: str,
    target: str | None,
    relationship: str = "intersects_with",
    note: str = "test edge",
    **extra: Any,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "source": source,
        "relationship": relationship,
        "rationale": "semantic",
        "note": note,
        **extra,
    }
    if target is not None:
        data["target"] = target
    return data
