"""The urns kept when another tool's library of a framework was matched to ours.

Matching CISO Assistant's AI Act to ours imports nothing, but its article nodes have urns
no rule can derive (``node273``). So the urn of the node that is each of our requirements
is kept beside the workspace's imported catalogs, and exports to that tool name it.
"""

from __future__ import annotations

from pathlib import Path

from crosswalk.domain.errors import CrosswalkError
from crosswalk.io.converted import Imported

URNS_FOLDER = "urns"
"""Beside a workspace's imported catalogs: for each framework another tool's library was
matched to, our ref -> that library's urn for it (see ``Imported.urns``)."""


def _urn_file(framework_id: str, source: str, urns: dict[str, str]) -> bytes:
    import yaml

    document = {
        "format": "crosswalk/urns@1",
        "framework": framework_id,
        "matched_from": Path(source).name,
        "urns": dict(sorted(urns.items())),
    }
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True).encode("utf-8")


def urn_files(folder: Path, imported: Imported) -> list[tuple[Path, bytes]]:
    """The urn files of the frameworks ``imported`` matched: derived from the file read, so
    a newer edition of it replaces the old one (no version conflict, unlike a catalog)."""
    return [
        (
            folder / URNS_FOLDER / f"{framework_id}.yaml",
            _urn_file(framework_id, imported.source, urns),
        )
        for framework_id, urns in sorted(imported.urns.items())
        if urns
    ]


def matched_urns(folder: Path | None) -> dict[str, dict[str, str]]:
    """The urns kept when other tools' libraries were matched to ours (framework id -> our
    ref -> urn); a file that does not read as one is skipped, never half-used."""
    found: dict[str, dict[str, str]] = {}
    if folder is None or not (folder / URNS_FOLDER).is_dir():
        return found
    from crosswalk.io.yaml_text import load_yaml

    for path in sorted((folder / URNS_FOLDER).glob("*.yaml")):
        try:
            document = load_yaml(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, CrosswalkError):
            continue
        if not isinstance(document, dict) or document.get("format") != "crosswalk/urns@1":
            continue
        urns = document.get("urns")
        if isinstance(urns, dict) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in urns.items()
        ):
            found[str(document.get("framework") or path.stem)] = dict(urns)
    return found
