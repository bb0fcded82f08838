"""OSCAL 1.2 mapping collections in; the writer is re-exported from its own module.

Reading
-------
``read_mapping_collection`` turns each ``mapping`` of a ``mapping-collection`` into one of
our mapping sets. The ``source-resource`` / ``target-resource`` are resolved to frameworks
we have loaded: by the caller's ``framework_ids`` (keyed by the resource's href, its file
name, a title-like text, or simply ``source`` / ``target``), else by our own
``framework-id`` prop, else by recognising the catalog from its href and titles (SP 800-53,
CSF, ISO/IEC 27001, SOC 2, GDPR, the AI Act, with the revision or version number where the
text gives one). Every ``id-ref`` must name a requirement of that framework: exactly,
ignoring case, or after the usual transforms (``ac-2.1`` = ``AC-2(1)``, ``gv.oc-01`` =
``GV.OC-01``, zero padding, an OSCAL ``label`` kept as an attribute); anything else stops
the import and names the map and the id. With ``skip_unknown_refs`` such edges are left out
and listed in the notes instead (a collection made against a later catalog release: NIST's
CSF 2.0 -> SP 800-53 collection names four controls added in release 5.1).

Lenient where the meaning is clear: ``method: manual`` (as NIST's and trestle's
collections write it, though the 1.2.1 schema only allows human/automation/hybrid) reads
as human; rationale is taken from the map, else the mapping, else the provenance, else
``semantic`` with a note; strength from a ``strength`` prop, else ``confidence-score``
(percentage x 10, or high/medium/low), else ``coverage.target-coverage``.

A ``map`` with several sources or targets becomes one edge per pair. OSCAL states the
relationship between the two *sets*, so an edge keeps it only where set theory carries it
over to each pair (``superset-of`` from one source, ``subset-of`` to one target, and
``no-relationship``); otherwise the pair is only known to overlap and is imported as
``intersects_with`` with a note saying so. A ``source-gap-summary`` from another tool is
reported in the notes, not turned into edges: "not mapped" is not the claim "has no
counterpart".

Writing
-------
``write_mapping_collection`` (in ``oscal_mapping_writer``, importable from here too)
writes one mapping set as a collection that reads back as the same set. Set-theory
(STRM) CSV lives in ``strm_csv``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any

from crosswalk.domain.mappings import Mapping as Edge
from crosswalk.domain.mappings import MappingSet, Method, Provenance
from crosswalk.domain.requirements import Framework, requirement_key
from crosswalk.io.catalog_families import recognise_framework
from crosswalk.io.converted import Imported
from crosswalk.io.edge_reading import note_text
from crosswalk.io.oscal_document import load_json, one_line
from crosswalk.io.oscal_mapping_writer import NS, write_mapping_collection
from crosswalk.io.oscal_maps import MapReader, MapTally, PendingEdge

__all__ = ["NS", "read_mapping_collection", "write_mapping_collection"]

_METHODS: dict[str, Method] = {
    "human": Method.HUMAN,
    "manual": Method.HUMAN,
    "expert": Method.HUMAN,
    "automation": Method.AUTOMATION,
    "automated": Method.AUTOMATION,
    "automatic": Method.AUTOMATION,
    "machine": Method.AUTOMATION,
    "hybrid": Method.HYBRID,
    "semi-automated": Method.HYBRID,
    "semi-automatic": Method.HYBRID,
    "mixed": Method.HYBRID,
}
_AUTHOR_ROLES = ("author", "creator", "contributor", "prepared-by", "mapper")
_REVIEWER_ROLES = ("reviewer", "content-approver", "approver")


def _parse_method(word: str) -> Method | None:
    return _METHODS.get(word.strip().lower().replace("_", "-"))


class _CollectionReader(MapReader):
    """A mapping collection: each ``mapping`` becomes one of our mapping sets."""

    def __init__(
        self,
        path: Path,
        frameworks: Mapping[str, Framework],
        framework_ids: Mapping[str, str],
        set_id: str | None,
        skip_unknown_refs: bool,
    ) -> None:
        super().__init__(path, skip_unknown_refs)
        self.frameworks = frameworks
        self.framework_ids = {k.strip(): v.strip() for k, v in framework_ids.items()}
        self.set_id = set_id

    # -- the document ------------------------------------------------------------------

    def read(self, document: Any) -> Imported:
        root = self.obj(document, "")
        if "mapping-collection" not in root:
            raise self.fail("", "not an OSCAL mapping collection: no 'mapping-collection' object")
        collection = self.obj(root["mapping-collection"], "mapping-collection")
        metadata = self.obj(collection.get("metadata"), "mapping-collection.metadata")
        provenance = self.obj(
            collection.get("provenance"), "mapping-collection.provenance", required=False
        )
        mappings = self.items(collection.get("mappings"), "mapping-collection.mappings")
        if not mappings:
            raise self.fail("mapping-collection.mappings", "the collection holds no mapping")
        sets = [
            self.read_mapping(
                self.obj(mapping, f"mapping-collection.mappings[{i}]"),
                f"mapping-collection.mappings[{i}]",
                metadata,
                provenance,
                len(mappings),
                i,
            )
            for i, mapping in enumerate(mappings)
        ]
        ids = Counter(s.id for s in sets)
        for set_id, count in ids.items():
            if count > 1:
                raise self.fail(
                    "mapping-collection.mappings",
                    f"{count} mappings would become mapping set {set_id!r}; give --id",
                )
        return Imported(source=str(self.path), mapping_sets=sets, notes=self.notes)

    def read_mapping(
        self,
        mapping: dict[str, Any],
        where: str,
        metadata: dict[str, Any],
        provenance: dict[str, Any],
        total: int,
        position: int,
    ) -> MappingSet:
        title = one_line(self.text(metadata.get("title"), "mapping-collection.metadata.title"))
        # "A to B" names both sides; any other title says nothing about either alone
        source_part, _, target_part = title.partition(" to ") if " to " in title else ("", "", "")
        source_fw = self.framework(
            "source", mapping.get("source-resource"), f"{where}.source-resource", source_part
        )
        target_fw = self.framework(
            "target", mapping.get("target-resource"), f"{where}.target-resource", target_part
        )
        method = self.method(mapping, provenance, where)
        default_rationale = self.rationale_of(mapping, where) or self.rationale_of(
            provenance, "mapping-collection.provenance"
        )
        pending: list[PendingEdge] = []
        tally = MapTally()
        maps = self.items(mapping.get("maps"), f"{where}.maps", required=False)
        for j, entry in enumerate(maps):
            map_where = f"{where}.maps[{j}]"
            pending += self.read_map(
                self.obj(entry, map_where),
                map_where,
                source_fw,
                target_fw,
                default_rationale,
                tally,
            )
        pending += self.unmapped(mapping, where, source_fw, tally)
        edges = self.unique(pending)
        if not edges:
            raise self.fail(where, "no edge to import: the mapping has no usable map")
        set_id = self.choose_set_id(mapping, metadata, source_fw, target_fw, total, position)
        own = self.own_props(metadata) | self.own_props(provenance) | self.own_props(mapping)
        if tally.skipped:
            self.notes.append(
                f"{set_id}: left out {tally.skipped} edge(s) to refs not in the loaded "
                f"frameworks: {', '.join(sorted(tally.missing))}"
            )
        if tally.weakened:
            self.notes.append(
                f"{set_id}: {tally.weakened} edge(s) imported as intersects_with: their map "
                "relates several sources or targets as sets, which does not carry over to each pair"
            )
        if tally.withdrawn:
            self.notes.append(
                f"{set_id}: edges name withdrawn requirements: {', '.join(sorted(tally.withdrawn))}"
            )
        if tally.assumed:
            self.notes.append(
                f"{set_id}: {tally.assumed} map(s) give no matching rationale; semantic assumed"
            )
        self.gap_notes(mapping, where, set_id, source_fw, target_fw)
        description = self.text(
            mapping.get("mapping-description") or provenance.get("mapping-description"),
            f"{where}.mapping-description",
        )
        set_title = title if total == 1 else f"{title} ({source_fw.id} to {target_fw.id})"
        return MappingSet(
            id=set_id,
            version=one_line(str(metadata.get("version") or "1.0")),
            title=set_title,
            description=note_text(description) if description else "",
            source_framework=source_fw.id,
            target_framework=target_fw.id,
            refines=own.get("refines") or None,
            provenance=self.provenance(metadata, own, method, title),
            mappings=tuple(
                Edge(
                    set_id=set_id,
                    source=requirement_key(source_fw.id, e.source),
                    target=requirement_key(target_fw.id, e.target) if e.target else None,
                    relationship=e.relationship,
                    rationale=e.rationale,
                    note=e.note,
                    strength=e.strength,
                    beyond_refined=e.beyond_refined,
                    attributes=MappingProxyType(dict(e.attributes)),
                    marked_weak=e.weak,
                )
                for e in edges
            ),
        )

    # -- frameworks --------------------------------------------------------------------

    def framework(self, side: str, resource: Any, where: str, title_part: str) -> Framework:
        reference = self.obj(resource, where)
        href = self.text(reference.get("href"), f"{where}.href")
        texts = [href, Path(href).name, Path(href).stem, title_part.strip()]
        texts += [
            self.text(p.get("value"), f"{where}.props")
            for p in self.props(reference)
            if p.get("name") in ("title", "name", "framework", "framework-id")
        ]
        texts += [str(link.get("text") or "") for link in self.list_of_objects(reference, "links")]
        texts += [str(reference.get("remarks") or "")]
        texts = [t for t in texts if t]
        wanted = self.override(side, texts)
        if wanted is None:
            wanted = self.own_framework_id(reference)
        if wanted is None:
            wanted = recognise_framework(self.path, self.frameworks, side, texts, href, where)
        if wanted not in self.frameworks:
            known = ", ".join(sorted(self.frameworks))
            raise self.fail(where, f"framework {wanted!r} is not loaded (loaded: {known})")
        return self.frameworks[wanted]

    def override(self, side: str, texts: list[str]) -> str | None:
        lowered = {t.strip().lower() for t in texts} | {side}
        for key, framework_id in self.framework_ids.items():
            if key.lower() in lowered:
                return framework_id
        return None

    def own_framework_id(self, reference: dict[str, Any]) -> str | None:
        for prop in self.props(reference):
            if prop.get("name") == "framework-id" and prop.get("ns") == NS:
                value = str(prop.get("value") or "")
                return value if value in self.frameworks else None
        return None

    def method(self, mapping: dict[str, Any], provenance: dict[str, Any], where: str) -> Method:
        for holder, holder_where in (
            (mapping, where),
            (provenance, "mapping-collection.provenance"),
        ):
            word = holder.get("method")
            if word is None:
                continue
            method = _parse_method(str(word))
            if method is None:
                raise self.fail(
                    f"{holder_where}.method",
                    f"unknown method {word!r}; expected human, automation or hybrid",
                )
            return method
        self.notes.append("the collection gives no mapping method; recorded as human")
        return Method.HUMAN

    def choose_set_id(
        self,
        mapping: dict[str, Any],
        metadata: dict[str, Any],
        source_fw: Framework,
        target_fw: Framework,
        total: int,
        position: int,
    ) -> str:
        if self.set_id:
            return self.set_id if total == 1 else f"{self.set_id}-{position + 1}"
        own = self.own_props(metadata) | self.own_props(mapping)
        if own.get("mapping-set-id"):
            return own["mapping-set-id"]
        return f"{source_fw.id}-to-{target_fw.id}"

    def provenance(
        self, metadata: dict[str, Any], own: dict[str, str], method: Method, title: str
    ) -> Provenance:
        parties = {
            str(p.get("uuid")): one_line(str(p.get("name") or ""))
            for p in self.list_of_objects(metadata, "parties")
        }
        roles: dict[str, list[str]] = {}
        for responsible in self.list_of_objects(metadata, "responsible-parties"):
            names = [parties.get(str(u), "") for u in responsible.get("party-uuids") or []]
            roles.setdefault(str(responsible.get("role-id")), []).extend(n for n in names if n)
        authors = tuple(dict.fromkeys(n for r in _AUTHOR_ROLES for n in roles.get(r, [])))
        reviewers = [n for r in _REVIEWER_ROLES for n in roles.get(r, [])]
        reviewed_on: date | None = None
        if "mapping-set-id" in own:  # our own export: only what we wrote
            reviewed_on = self.day(own.get("reviewed-on"), "mapping-collection.metadata.props")
        else:
            reviewed_on = self.day(
                metadata.get("last-modified") or metadata.get("published"),
                "mapping-collection.metadata.last-modified",
            )
        return Provenance(
            source=own.get("source") or f"{title} ({self.path.name})",
            method=method,
            authors=authors,
            reviewed_on=reviewed_on,
            reviewed_by=", ".join(dict.fromkeys(reviewers)) or None,
            license=own.get("license", ""),
            url=own.get("url", ""),
        )

    def day(self, value: Any, where: str) -> date | None:
        if not value:
            return None
        text = str(value).strip()
        try:
            return date.fromisoformat(text[:10])
        except ValueError as error:
            raise self.fail(where, f"{text!r} is not a date") from error


def read_mapping_collection(
    path: Path | str,
    frameworks: Mapping[str, Framework],
    framework_ids: dict[str, str] | None = None,
    set_id: str | None = None,
    *,
    skip_unknown_refs: bool = False,
    document: Any = None,
) -> Imported:
    """Read an OSCAL 1.2 mapping collection (JSON) into one mapping set per ``mapping``.

    ``document`` is the collection already parsed (from YAML, say), when the caller has it.

    ``framework_ids`` names the framework of a source or target resource, keyed by its href,
    its file name, a title, or ``source`` / ``target``. ``set_id`` overrides the id (with
    several mappings, ``-1``, ``-2``... are appended). Element ids that name no requirement
    stop the import, unless ``skip_unknown_refs``: then those edges are left out and listed
    in the notes (for a collection made against a later release of a catalog).
    """
    location = Path(path)
    reader = _CollectionReader(location, frameworks, framework_ids or {}, set_id, skip_unknown_refs)
    return reader.read(load_json(location) if document is None else document)
