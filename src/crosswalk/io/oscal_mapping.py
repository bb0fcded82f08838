"""OSCAL 1.2 mapping collections and set-theory (STRM) CSV, in and out.

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
``write_mapping_collection`` writes one mapping set as a collection with one ``mapping``
and one ``map`` per edge, valid against NIST's OSCAL 1.2.1 mapping JSON schema:

- relationships: ``equal`` -> ``equal-to`` when the rationale is syntactic (the same
  words) and ``equivalent-to`` otherwise (the same meaning); both are OSCAL's equality
  words and both read back as ``equal``; the others are ``subset-of``, ``superset-of``,
  ``intersects-with`` and ``no-relationship``;
- ``matching-rationale`` on every map; strength n as ``confidence-score.percentage`` n/10
  (read back as round(percentage * 10)); the note as the map's ``remarks``;
- a ``no_relationship`` edge without a target cannot be a ``map`` (OSCAL requires a
  target). It is written as a prop of the mapping, ``{"name": "no-relationship", "ns":
  NS, "value": <source ref>, "class": <rationale>, "group": "u<n>", "remarks": <note>}``
  (strength and other extras as props of the same group), and the source is also listed
  in ``source-gap-summary`` when its ref is a valid OSCAL token, so other tools see it as
  unmapped;
- ``beyond_refined`` and edge ``attributes`` ride along as props in our namespace ``NS``;
  the set's id, ``refines`` and provenance (source, reviewed date and reviewer, licence,
  url) as props of the metadata and provenance; authors and reviewer as parties;
- resources: ``href`` ``<framework id>.json`` (where ``crosswalk frameworks export`` of
  that framework can be saved) with a ``framework-id`` prop; ``id-ref`` is our ref as is
  (a string in OSCAL, so ``Art. 32`` is fine);
- uuids are uuid5 of the set id, version and edge keys, so an export is repeatable;
  ``last-modified`` is the review date when there is one.

CSV
---
``read_strm_csv`` / ``write_strm_csv`` use the column shape of NIST's set-theory
relationship mapping (STRM) spreadsheets: focal element = our source, reference element =
our target, relationships as words ("subset of"). Edge attributes and ``beyond_refined``
have no column and are not carried.
"""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from crosswalk.domain.errors import AmbiguousReferenceError, UnknownReferenceError
from crosswalk.domain.mappings import Mapping as Edge
from crosswalk.domain.mappings import MappingSet, Method, Provenance
from crosswalk.domain.refs import RefIndex, resolve_framework_id, squash
from crosswalk.domain.relationships import RationaleKind, Relationship
from crosswalk.domain.requirements import Framework, requirement_key, split_key
from crosswalk.io.converted import ConversionError, Imported

NS = "urn:crosswalk:oscal"
"""Namespace of the props Crosswalk adds to the OSCAL it writes (as ``oscal_catalog`` does)."""

OSCAL_VERSION = "1.2.1"
_UUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, NS)

_OSCAL_RELATIONSHIPS: dict[str, Relationship] = {
    "equal-to": Relationship.EQUAL,
    "equivalent-to": Relationship.EQUAL,
    "equal": Relationship.EQUAL,
    "subset-of": Relationship.SUBSET_OF,
    "superset-of": Relationship.SUPERSET_OF,
    "intersects-with": Relationship.INTERSECTS_WITH,
    "no-relationship": Relationship.NO_RELATIONSHIP,
}
_RELATIONSHIP_WORDS: dict[Relationship, str] = {
    Relationship.EQUAL: "equal",
    Relationship.SUBSET_OF: "subset of",
    Relationship.SUPERSET_OF: "superset of",
    Relationship.INTERSECTS_WITH: "intersects with",
    Relationship.NO_RELATIONSHIP: "no relationship",
}
_CSV_RELATIONSHIPS: dict[str, Relationship] = {
    **{word: relationship for relationship, word in _RELATIONSHIP_WORDS.items()},
    "equal to": Relationship.EQUAL,
    "equivalent": Relationship.EQUAL,
    "equivalent to": Relationship.EQUAL,
    "intersect with": Relationship.INTERSECTS_WITH,
    "intersects": Relationship.INTERSECTS_WITH,
    "not related": Relationship.NO_RELATIONSHIP,
}
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
_CONFIDENCE_WORDS = {"very high": 10, "high": 9, "medium": 6, "moderate": 6, "low": 3}
_STRENGTH_PROPS = ("strength", "strength-of-relationship", "relationship-strength")
_AUTHOR_ROLES = ("author", "creator", "contributor", "prepared-by", "mapper")
_REVIEWER_ROLES = ("reviewer", "content-approver", "approver")

_TOKEN = re.compile(r"^[^\W\d](?:[\w.\-])*$")
_PARENS = re.compile(r"\(([^()]*)\)")
_SEPARATORS = re.compile(r"[\s_/\\]+")
_NUMBERS = re.compile(r"\d+(?:\.\d+)?")


@dataclass(frozen=True)
class _Family:
    """A well-known catalog: how titles and hrefs name it, and what our ids contain."""

    label: str
    pattern: re.Pattern[str]
    id_parts: tuple[str, ...]
    own_numbers: frozenset[str] = frozenset()  # numbers in the name, not version hints


_FAMILIES = (
    _Family(
        "NIST SP 800-53", re.compile(r"800[\s.-]*53"), ("800-53", "80053"), frozenset({"800", "53"})
    ),
    _Family("NIST CSF", re.compile(r"\bcsf\b|cyber\s*security\s*framework"), ("csf",)),
    _Family("ISO/IEC 27001", re.compile(r"27001"), ("27001",), frozenset({"27001"})),
    _Family("ISO/IEC 27002", re.compile(r"27002"), ("27002",), frozenset({"27002"})),
    _Family(
        "SOC 2",
        re.compile(r"\bsoc\s*-?\s*2\b|trust\s*services"),
        ("soc2", "soc-2"),
        frozenset({"2"}),
    ),
    _Family("GDPR", re.compile(r"\bgdpr\b|2016/679"), ("gdpr",), frozenset({"2016", "679"})),
    _Family(
        "EU AI Act",
        re.compile(r"\bai\s*-?\s*act\b|2024/1689"),
        ("ai-act",),
        frozenset({"2024", "1689"}),
    ),
)

CSV_COLUMNS = (
    "Focal Document Element",
    "Focal Document Element Description",
    "STRM Rationale",
    "STRM Relationship",
    "Reference Document Element",
    "Reference Document Element Description",
    "Strength of Relationship",
    "Notes",
)
_FOCAL, _FOCAL_TEXT, _RATIONALE, _RELATIONSHIP, _REFERENCE, _REFERENCE_TEXT, _STRENGTH, _NOTES = (
    CSV_COLUMNS
)
_CSV_REQUIRED = (_FOCAL, _RELATIONSHIP, _REFERENCE)


# --------------------------------------------------------------------------- shared helpers


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _note_text(text: str) -> str:
    """A note keeps its exact text unless it spans lines (Markdown remarks): then one line."""
    text = text.strip()
    return _one_line(text) if "\n" in text else text


def _is_token(text: str) -> bool:
    return bool(_TOKEN.match(text))


def canonical_ref(ref: str) -> str:
    """Comparison form of an element id: ``AC-2(1)``, ``ac-2.1`` and ``ac-02.01`` agree."""
    return _PARENS.sub(r".\1", squash(ref))


class _RefMatcher:
    """Finds our ref for an element id from someone else's file, or says it cannot."""

    def __init__(self, framework: Framework) -> None:
        self.framework = framework
        self._lower: dict[str, str | None] = {}
        self._canonical: dict[str, str | None] = {}
        self._suggester: RefIndex | None = None
        for requirement in framework.requirements:
            names = [requirement.ref]
            if requirement.attributes.get("label"):  # OSCAL's printed id, e.g. AC-2(1)
                names.append(requirement.attributes["label"])
            for name in names:
                self._add(self._lower, name.strip().lower(), requirement.ref)
                self._add(self._canonical, canonical_ref(name), requirement.ref)

    @staticmethod
    def _add(index: dict[str, str | None], key: str, ref: str) -> None:
        if key in index and index[key] != ref:
            index[key] = None  # two refs read the same: never guess between them
        else:
            index[key] = ref

    def resolve(self, given: str) -> str | None:
        if given in self.framework:
            return given
        lowered = self._lower.get(given.strip().lower())
        if lowered is not None:
            return lowered
        return self._canonical.get(canonical_ref(given))

    def suggest(self, given: str) -> list[str]:
        self._suggester = self._suggester or RefIndex(self.framework)
        return [split_key(key)[1] for key in self._suggester.suggest(given)]


def _parse_method(word: str) -> Method | None:
    return _METHODS.get(word.strip().lower().replace("_", "-"))


def _parse_rationale(word: str) -> RationaleKind | None:
    try:
        return RationaleKind(word.strip().lower())
    except ValueError:
        return None


def _strength_from_fraction(value: float) -> int:
    return min(10, max(1, round(value * 10)))


def _strength_from_text(text: str) -> int | None:
    try:
        number = float(text.strip())
    except ValueError:
        return None
    if not number.is_integer() or not 1 <= number <= 10:
        return None
    return int(number)


# --------------------------------------------------------------------------- OSCAL: reading


@dataclass
class _Pending:
    """An edge read from the document, before duplicates are dropped."""

    source: str
    target: str | None
    relationship: Relationship
    rationale: RationaleKind
    note: str
    strength: int | None
    beyond_refined: str | None
    attributes: Mapping[str, str]


@dataclass
class _Tally:
    """What one mapping's import left out or changed, for the notes."""

    skipped: int = 0
    weakened: int = 0
    assumed: int = 0
    missing: set[str] = field(default_factory=set)
    withdrawn: set[str] = field(default_factory=set)


class _CollectionReader:
    def __init__(
        self,
        path: Path,
        frameworks: Mapping[str, Framework],
        framework_ids: Mapping[str, str],
        set_id: str | None,
        skip_unknown_refs: bool,
    ) -> None:
        self.path = path
        self.frameworks = frameworks
        self.framework_ids = {k.strip(): v.strip() for k, v in framework_ids.items()}
        self.set_id = set_id
        self.skip_unknown_refs = skip_unknown_refs
        self.matchers: dict[str, _RefMatcher] = {}
        self.notes: list[str] = []
        self.generic_note = f"Imported from {path.name}"

    # -- structure ---------------------------------------------------------------------

    def fail(self, where: str, message: str) -> ConversionError:
        return ConversionError(str(self.path), where, message)

    def obj(self, value: Any, where: str, required: bool = True) -> dict[str, Any]:
        if value is None and not required:
            return {}
        if not isinstance(value, dict):
            expected = "an object" if value is not None else "an object (it is missing)"
            raise self.fail(where, f"expected {expected}")
        return value

    def items(self, value: Any, where: str, required: bool = True) -> list[Any]:
        if value is None and not required:
            return []
        if isinstance(value, dict):  # the schema lets a lone item stand for a list
            return [value]
        if not isinstance(value, list):
            raise self.fail(
                where, "expected a list" + (" (it is missing)" if value is None else "")
            )
        return value

    def text(self, value: Any, where: str, required: bool = False) -> str:
        if value is None and not required:
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            raise self.fail(where, "expected a non-empty string")
        return value.strip()

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
        title = _one_line(self.text(metadata.get("title"), "mapping-collection.metadata.title"))
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
        pending: list[_Pending] = []
        tally = _Tally()
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
            version=_one_line(str(metadata.get("version") or "1.0")),
            title=set_title,
            description=_note_text(description) if description else "",
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
            wanted = self.recognise(side, texts, href, where)
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

    def recognise(self, side: str, texts: list[str], href: str, where: str) -> str:
        hint = (
            f"; name it with --framework-id '{href}=FRAMEWORK' "
            f"(loaded: {', '.join(sorted(self.frameworks))})"
        )
        for text in texts:  # a text that is one of our ids, or a file named after one
            candidate = text.strip().lower()
            for name in (candidate, Path(candidate).stem, candidate.rsplit(":", 1)[-1]):
                if name in self.frameworks:
                    return name
        joined = " ".join(texts)
        normal = _SEPARATORS.sub(" ", joined.lower())
        for family in _FAMILIES:
            if not family.pattern.search(normal):
                continue
            members = [
                f
                for f in self.frameworks.values()
                if any(part in f.id or part in f.name.lower() for part in family.id_parts)
            ]
            if not members:
                raise self.fail(
                    where,
                    f"the {side} {href!r} looks like {family.label}, which is not loaded{hint}",
                )
            numbers = set(_NUMBERS.findall(normal)) - family.own_numbers
            numbers |= {n.split(".")[0] for n in numbers if n.endswith(".0")}
            scored = [(self.version_score(f, numbers), f.id) for f in members]
            best = max(score for score, _ in scored)
            chosen = sorted(fid for score, fid in scored if score == best)
            # A catalog and the profiles derived from it ("x" and "x-moderate") tie: the
            # collection points at the catalog, whose id the others extend.
            roots = [fid for fid in chosen if all(o.startswith(fid) for o in chosen)]
            if len(chosen) > 1 and len(roots) == 1:
                chosen = roots
            if best == 0 and (numbers and len(members) == 1):
                raise self.fail(
                    where,
                    f"the {side} {href!r} looks like {members[0].id} but its version "
                    f"({', '.join(sorted(numbers))}) does not match{hint}",
                )
            if len(chosen) > 1:
                raise self.fail(
                    where,
                    f"the {side} {href!r} could be any of {', '.join(chosen)}{hint}",
                )
            return chosen[0]
        raise self.fail(where, f"cannot tell which framework the {side} {href!r} is{hint}")

    @staticmethod
    def version_score(framework: Framework, numbers: set[str]) -> int:
        label = f"{framework.id} {framework.version}".lower()
        return sum(1 for n in numbers if re.search(rf"(?<![\d.]){re.escape(n)}(?![\d])", label))

    # -- maps --------------------------------------------------------------------------

    def read_map(
        self,
        entry: dict[str, Any],
        where: str,
        source_fw: Framework,
        target_fw: Framework,
        default_rationale: RationaleKind | None,
        tally: _Tally,
    ) -> list[_Pending]:
        word = self.text(entry.get("relationship"), f"{where}.relationship", required=True)
        relationship = _OSCAL_RELATIONSHIPS.get(word.lower().replace("_", "-"))
        if relationship is None:
            raise self.fail(
                f"{where}.relationship",
                f"unknown relationship {word!r}; expected one of {', '.join(_OSCAL_RELATIONSHIPS)}",
            )
        rationale = self.rationale_of(entry, where) or default_rationale
        note = self.map_note(entry, where)
        if rationale is None:
            rationale = RationaleKind.SEMANTIC
            note = f"{note} (matching rationale not given; semantic assumed)"
            tally.assumed += 1
        own = self.own_props(entry)
        strength = self.strength(entry, where, own)
        sources = self.items(entry.get("sources"), f"{where}.sources")
        targets = self.items(
            entry.get("targets"),
            f"{where}.targets",
            required=relationship is not Relationship.NO_RELATIONSHIP,
        )
        if not sources:
            raise self.fail(f"{where}.sources", "expected at least one source")
        effective = self.per_pair(relationship, len(sources), len(targets))
        if effective is not relationship:
            note = (
                f"{note} (weakened from {word}: the map relates {len(sources)} source(s) to "
                f"{len(targets)} target(s) as sets)"
            )
        source_refs = [
            self.element(item, f"{where}.sources[{k}]", source_fw, tally)
            for k, item in enumerate(sources)
        ]
        target_refs = [
            self.element(item, f"{where}.targets[{k}]", target_fw, tally)
            for k, item in enumerate(targets)
        ]
        known_sources = [s for s in source_refs if s is not None]
        known_targets = [t for t in target_refs if t is not None]
        produced = len(known_sources) * (len(known_targets) if targets else 1)
        tally.skipped += len(sources) * max(1, len(targets)) - produced
        attributes = self.attributes(own, where)
        edges = [
            _Pending(
                source,
                target,
                effective,
                rationale,
                note,
                strength,
                own.get("beyond-refined") or None,
                attributes,
            )
            for source in known_sources
            for target in (known_targets if targets else [None])
        ]
        if effective is not relationship:
            tally.weakened += len(edges)
        return edges

    @staticmethod
    def per_pair(relationship: Relationship, sources: int, targets: int) -> Relationship:
        """What set theory lets each (source, target) pair keep of a set-to-set relationship."""
        if sources <= 1 and targets <= 1:
            return relationship
        keeps = {
            Relationship.SUPERSET_OF: sources == 1,
            Relationship.SUBSET_OF: targets <= 1,
            Relationship.NO_RELATIONSHIP: True,
            Relationship.INTERSECTS_WITH: True,
            Relationship.EQUAL: False,
        }
        return relationship if keeps[relationship] else Relationship.INTERSECTS_WITH

    def element(self, item: Any, where: str, framework: Framework, tally: _Tally) -> str | None:
        entry = self.obj(item, where)
        given = self.text(entry.get("id-ref"), f"{where}.id-ref", required=True)
        matcher = self.matchers.get(framework.id)
        if matcher is None:
            matcher = self.matchers[framework.id] = _RefMatcher(framework)
        ref = matcher.resolve(given)
        if ref is not None:
            requirement = framework.get(ref)
            if requirement is not None and requirement.attributes.get("withdrawn") == "true":
                tally.withdrawn.add(f"{framework.id}:{ref}")
            return ref
        if self.skip_unknown_refs:
            tally.missing.add(f"{framework.id}:{given}")
            return None
        close = matcher.suggest(given)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise self.fail(where, f"unknown ref {given!r}: not a requirement of {framework.id}{hint}")

    def map_note(self, entry: dict[str, Any], where: str) -> str:
        remarks = self.text(entry.get("remarks"), f"{where}.remarks")
        if remarks:
            return _note_text(remarks)
        descriptions = [
            _one_line(str(q.get("description") or ""))
            for q in self.list_of_objects(entry, "qualifiers")
        ]
        descriptions = [d for d in descriptions if d]
        return "; ".join(descriptions) if descriptions else self.generic_note

    def strength(self, entry: dict[str, Any], where: str, own: dict[str, str]) -> int | None:
        for prop in self.props(entry):
            if str(prop.get("name", "")).lower() in _STRENGTH_PROPS:
                value = _strength_from_text(str(prop.get("value", "")))
                if value is None:
                    raise self.fail(
                        f"{where}.props",
                        f"strength {prop.get('value')!r} is not a whole number 1-10",
                    )
                return value
        for key, field_name in (
            ("confidence-score", "percentage"),
            ("coverage", "target-coverage"),
        ):
            score = entry.get(key)
            if not isinstance(score, dict):
                continue
            if isinstance(score.get(field_name), int | float) and not isinstance(
                score.get(field_name), bool
            ):
                fraction = float(score[field_name])
                if not 0 <= fraction <= 1:
                    raise self.fail(f"{where}.{key}", f"{fraction} is not between 0 and 1")
                return _strength_from_fraction(fraction)
            category = str(score.get("category") or "").strip().lower()
            if category in _CONFIDENCE_WORDS:
                return _CONFIDENCE_WORDS[category]
        return None

    def attributes(self, own: dict[str, str], where: str) -> Mapping[str, str]:
        raw = own.get("attributes")
        if not raw:
            return {}
        try:
            parsed = json.loads(raw)
        except json.JSONDecodeError as error:
            raise self.fail(
                f"{where}.props", f"attributes prop is not JSON: {error.msg}"
            ) from error
        if not isinstance(parsed, dict):
            raise self.fail(f"{where}.props", "attributes prop is not a JSON object")
        return {str(k): str(v) for k, v in parsed.items()}

    def unmapped(
        self, mapping: dict[str, Any], where: str, source_fw: Framework, tally: _Tally
    ) -> list[_Pending]:
        """Our own no_relationship edges without a target (props of the mapping)."""
        props = self.props(mapping)
        groups: dict[str, dict[str, dict[str, Any]]] = {}
        for prop in props:
            if prop.get("ns") == NS and prop.get("group"):
                groups.setdefault(str(prop["group"]), {})[str(prop.get("name"))] = prop
        found: list[_Pending] = []
        for group, members in groups.items():
            head = members.get("no-relationship")
            if head is None:
                continue
            prop_where = f"{where}.props (group {group!r})"
            ref = self.element({"id-ref": head.get("value")}, prop_where, source_fw, tally)
            if ref is None:
                tally.skipped += 1
                continue
            rationale = _parse_rationale(str(head.get("class") or "semantic"))
            if rationale is None:
                raise self.fail(prop_where, f"unknown matching rationale {head.get('class')!r}")
            strength_prop = members.get("strength")
            strength = (
                _strength_from_text(str(strength_prop.get("value", ""))) if strength_prop else None
            )
            own = {name: str(p.get("value", "")) for name, p in members.items()}
            found.append(
                _Pending(
                    ref,
                    None,
                    Relationship.NO_RELATIONSHIP,
                    rationale,
                    _note_text(str(head.get("remarks") or "")) or self.generic_note,
                    strength,
                    own.get("beyond-refined") or None,
                    self.attributes(own, prop_where),
                )
            )
        return found

    def unique(self, pending: list[_Pending]) -> list[_Pending]:
        seen: set[tuple[str, str | None, Relationship]] = set()
        kept: list[_Pending] = []
        dropped = 0
        for edge in pending:
            key = (edge.source, edge.target, edge.relationship)
            if key in seen:
                dropped += 1
                continue
            seen.add(key)
            kept.append(edge)
        if dropped:
            self.notes.append(
                f"dropped {dropped} repeated edge(s) (same source, target, relationship)"
            )
        return kept

    def gap_notes(
        self,
        mapping: dict[str, Any],
        where: str,
        set_id: str,
        source_fw: Framework,
        target_fw: Framework,
    ) -> None:
        if any(p.get("ns") == NS for p in self.props(mapping)):
            return  # our own export: the gap summary repeats the no-relationship props
        for side, framework in (("source", source_fw), ("target", target_fw)):
            summary = mapping.get(f"{side}-gap-summary")
            if not isinstance(summary, dict):
                continue
            ids = [
                str(i)
                for selection in self.list_of_objects(summary, "unmapped-controls")
                for i in selection.get("with-ids") or []
            ]
            if not ids:
                continue
            matcher = self.matchers.get(framework.id) or _RefMatcher(framework)
            unknown = [i for i in ids if matcher.resolve(i) is None]
            examples = ", ".join(unknown[:3])
            detail = (
                f"; {len(unknown)} of them are not in {framework.id} (e.g. {examples})"
                if unknown
                else ""
            )
            self.notes.append(
                f"{set_id}: the {side}-gap-summary lists {len(ids)} {side} controls as unmapped"
                f"{detail}; kept as this note, not as edges"
            )

    # -- set-level facts ---------------------------------------------------------------

    def props(self, holder: dict[str, Any]) -> list[dict[str, Any]]:
        return self.list_of_objects(holder, "props")

    @staticmethod
    def list_of_objects(holder: dict[str, Any], key: str) -> list[dict[str, Any]]:
        value = holder.get(key)
        if isinstance(value, dict):
            value = [value]
        if not isinstance(value, list):
            return []
        return [v for v in value if isinstance(v, dict)]

    def own_props(self, holder: dict[str, Any]) -> dict[str, str]:
        """Our namespace's props without a group: set-level facts and edge extras."""
        return {
            str(p.get("name")): str(p.get("value", ""))
            for p in self.list_of_objects(holder, "props")
            if p.get("ns") == NS and not p.get("group")
        }

    def rationale_of(self, holder: dict[str, Any], where: str) -> RationaleKind | None:
        word = holder.get("matching-rationale")
        if word is None:
            return None
        rationale = _parse_rationale(str(word))
        if rationale is None:
            raise self.fail(
                f"{where}.matching-rationale",
                f"unknown matching rationale {word!r}; expected syntactic, semantic or functional",
            )
        return rationale

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
            str(p.get("uuid")): _one_line(str(p.get("name") or ""))
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


def _load_json(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            text = handle.read()
    except OSError as error:
        raise ConversionError(str(path), "", f"cannot read file: {error.strerror}") from error
    except UnicodeDecodeError as error:
        raise ConversionError(str(path), "", f"not UTF-8 text: {error.reason}") from error
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        truncated = error.pos >= len(text.rstrip())
        detail = " (the file ends too early: is it truncated?)" if truncated else ""
        raise ConversionError(
            str(path),
            f"line {error.lineno}, column {error.colno}",
            f"not valid JSON: {error.msg}{detail}",
        ) from error


def read_mapping_collection(
    path: Path | str,
    frameworks: Mapping[str, Framework],
    framework_ids: dict[str, str] | None = None,
    set_id: str | None = None,
    *,
    skip_unknown_refs: bool = False,
) -> Imported:
    """Read an OSCAL 1.2 mapping collection (JSON) into one mapping set per ``mapping``.

    ``framework_ids`` names the framework of a source or target resource, keyed by its href,
    its file name, a title, or ``source`` / ``target``. ``set_id`` overrides the id (with
    several mappings, ``-1``, ``-2``... are appended). Element ids that name no requirement
    stop the import, unless ``skip_unknown_refs``: then those edges are left out and listed
    in the notes (for a collection made against a later release of a catalog).
    """
    location = Path(path)
    reader = _CollectionReader(location, frameworks, framework_ids or {}, set_id, skip_unknown_refs)
    return reader.read(_load_json(location))


# --------------------------------------------------------------------------- OSCAL: writing


def _uuid(*parts: str) -> str:
    return str(uuid.uuid5(_UUID_NAMESPACE, "\x1f".join(parts)))


def _prop(name: str, value: str, **extra: str) -> dict[str, str] | None:
    """One prop in our namespace; ``None`` when the value is empty."""
    value = _one_line(value)
    if not value:
        return None
    prop = {"name": name, "ns": NS, "value": value}
    prop.update({k: v for k, v in extra.items() if v})
    return prop


def _props(*candidates: dict[str, str] | None) -> list[dict[str, str]]:
    return [c for c in candidates if c is not None]


def _oscal_relationship(edge: Edge) -> str:
    if edge.relationship is Relationship.EQUAL:
        return "equal-to" if edge.rationale is RationaleKind.SYNTACTIC else "equivalent-to"
    return edge.relationship.value.replace("_", "-")


def _edge_extras(edge: Edge, group: str = "") -> list[dict[str, str] | None]:
    attributes = (
        json.dumps(dict(edge.attributes), ensure_ascii=False, sort_keys=True)
        if edge.attributes
        else ""
    )
    return [
        _prop("beyond-refined", edge.beyond_refined or "", group=group),
        _prop("attributes", attributes, group=group),
    ]


def _resource(framework_id: str, framework: Framework | None) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "type": "catalog",
        "href": f"{framework_id}.json",
        "props": _props(_prop("framework-id", framework_id)),
    }
    if framework is not None:
        resource["remarks"] = f"{framework.name} {framework.version} ({framework.publisher})"
    return resource


def _timestamp(mapping_set: MappingSet, last_modified: datetime | None) -> str:
    if last_modified is None:
        reviewed = mapping_set.provenance.reviewed_on
        last_modified = (
            datetime(reviewed.year, reviewed.month, reviewed.day, tzinfo=UTC)
            if reviewed is not None
            else datetime.now(UTC)
        )
    if last_modified.tzinfo is None:
        last_modified = last_modified.replace(tzinfo=UTC)
    return last_modified.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _parties(mapping_set: MappingSet) -> dict[str, Any]:
    provenance = mapping_set.provenance
    people: dict[str, str] = {}
    responsible: list[dict[str, Any]] = []
    roles: list[dict[str, str]] = []
    for role, title, given in (
        ("author", "Author", list(provenance.authors)),
        ("reviewer", "Reviewer", [provenance.reviewed_by] if provenance.reviewed_by else []),
    ):
        names = [n for n in (_one_line(g) for g in given) if n]
        if not names:
            continue
        for name in names:
            people.setdefault(name, _uuid(mapping_set.id, "party", name))
        roles.append({"id": role, "title": title})
        responsible.append({"role-id": role, "party-uuids": [people[n] for n in names]})
    if not people:
        return {}
    return {
        "roles": roles,
        "parties": [
            {"uuid": party_uuid, "type": "organization", "name": name}
            for name, party_uuid in people.items()
        ],
        "responsible-parties": responsible,
    }


class _MapWriter:
    """Turns the edges of one set into OSCAL maps, and targetless edges into props."""

    def __init__(self, mapping_set: MappingSet, frameworks: Mapping[str, Framework]) -> None:
        self.set_key = (mapping_set.id, mapping_set.version)
        self.source_fw = frameworks.get(mapping_set.source_framework)
        self.target_fw = frameworks.get(mapping_set.target_framework)
        self.maps: list[dict[str, Any]] = []
        self.props: list[dict[str, str] | None] = []
        self.gap_ids: list[str] = []
        self.seen: Counter[str] = Counter()
        for edge in mapping_set.mappings:
            if edge.target is None:
                self.unmapped(edge)
            else:
                self.maps.append(self.map(edge, edge.target))

    def map(self, edge: Edge, target: str) -> dict[str, Any]:
        key = "\x1f".join((edge.source, target, edge.relationship.value))
        self.seen[key] += 1
        source_id = split_key(edge.source)[1]
        target_id = split_key(target)[1]
        entry: dict[str, Any] = {
            "uuid": _uuid(*self.set_key, "map", key, str(self.seen[key])),
            "matching-rationale": edge.rationale.value,
            "relationship": _oscal_relationship(edge),
            "sources": [{"type": "control", "id-ref": source_id}],
            "targets": [{"type": "control", "id-ref": target_id}],
        }
        if edge.strength is not None:
            entry["confidence-score"] = {"percentage": edge.strength / 10}
        extras = _props(*_edge_extras(edge))
        if extras:
            entry["props"] = extras
        if edge.note:
            entry["remarks"] = edge.note
        return entry

    def unmapped(self, edge: Edge) -> None:
        source_ref = split_key(edge.source)[1]
        group = f"u{len(self.gap_ids) + 1}"
        self.gap_ids.append(source_ref)
        extra = {"class": edge.rationale.value, "group": group, "remarks": edge.note}
        self.props.append(_prop("no-relationship", source_ref, **extra))
        if edge.strength is not None:
            self.props.append(_prop("strength", str(edge.strength), group=group))
        self.props.extend(_edge_extras(edge, group))


def _metadata(mapping_set: MappingSet, last_modified: datetime | None) -> dict[str, Any]:
    provenance = mapping_set.provenance
    reviewed_on = provenance.reviewed_on.isoformat() if provenance.reviewed_on else ""
    metadata: dict[str, Any] = {
        "title": _one_line(mapping_set.title) or mapping_set.id,
        "last-modified": _timestamp(mapping_set, last_modified),
        "version": _one_line(mapping_set.version) or "1",
        "oscal-version": OSCAL_VERSION,
        "props": _props(_prop("mapping-set-id", mapping_set.id), _prop("reviewed-on", reviewed_on)),
    }
    if provenance.url:
        metadata["links"] = [{"href": provenance.url, "rel": "reference"}]
    metadata.update(_parties(mapping_set))
    return metadata


def _provenance(mapping_set: MappingSet) -> dict[str, Any]:
    provenance = mapping_set.provenance
    rationales = Counter(edge.rationale for edge in mapping_set.mappings)
    order = list(RationaleKind)
    overall = min(rationales, key=lambda r: (-rationales[r], order.index(r)))
    written: dict[str, Any] = {
        "method": provenance.method.value,
        "matching-rationale": overall.value,
        "status": "complete",
        "mapping-description": mapping_set.description or mapping_set.title,
    }
    props = _props(
        _prop("source", provenance.source),
        _prop("license", provenance.license),
        _prop("url", provenance.url),
    )
    if props:
        written["props"] = props
    return written


def write_mapping_collection(
    mapping_set: MappingSet,
    frameworks: Mapping[str, Framework],
    *,
    last_modified: datetime | None = None,
) -> dict[str, Any]:
    """An OSCAL 1.2 mapping collection (a JSON-ready dict) holding this mapping set.

    ``metadata.last-modified`` is ``last_modified``, else the set's review date, else now.
    """
    edges = _MapWriter(mapping_set, frameworks)
    if not edges.maps:
        raise ConversionError(
            mapping_set.id,
            "mappings",
            "OSCAL needs at least one edge with a target; this set only records sources "
            "without a counterpart",
        )
    set_key = edges.set_key
    mapping: dict[str, Any] = {
        "uuid": _uuid(*set_key, "mapping"),
        "source-resource": _resource(mapping_set.source_framework, edges.source_fw),
        "target-resource": _resource(mapping_set.target_framework, edges.target_fw),
        "maps": edges.maps,
    }
    mapping_props = _props(_prop("refines", mapping_set.refines or ""), *edges.props)
    if mapping_props:
        mapping["props"] = mapping_props
    tokens = [element for element in edges.gap_ids if _is_token(element)]
    if tokens:  # OSCAL lists unmapped controls by token ids only; the props keep them all
        mapping["source-gap-summary"] = {
            "uuid": _uuid(*set_key, "source-gap-summary"),
            "unmapped-controls": [{"with-ids": tokens}],
        }
    return {
        "mapping-collection": {
            "uuid": _uuid(*set_key, "collection"),
            "metadata": _metadata(mapping_set, last_modified),
            "provenance": _provenance(mapping_set),
            "mappings": [mapping],
        }
    }


# --------------------------------------------------------------------------- STRM CSV


def _csv_relationship(word: str) -> Relationship | None:
    normal = " ".join(word.strip().lower().replace("_", " ").replace("-", " ").split())
    return _CSV_RELATIONSHIPS.get(normal)


def _framework(given: str, frameworks: Mapping[str, Framework], path: Path, side: str) -> Framework:
    try:
        return frameworks[resolve_framework_id(given, frameworks)]
    except (UnknownReferenceError, AmbiguousReferenceError) as error:
        raise ConversionError(str(path), "", f"{side} framework: {error}") from error


def _header_row(rows: list[list[str]], path: Path) -> tuple[int, dict[str, int]]:
    wanted = {column.lower(): column for column in CSV_COLUMNS}
    for number, row in enumerate(rows[:25]):
        columns: dict[str, int] = {}
        for position, cell in enumerate(row):
            name = wanted.get(" ".join(cell.split()).lower())
            if name is not None and name not in columns:
                columns[name] = position
        if all(column in columns for column in _CSV_REQUIRED):
            return number, columns
    raise ConversionError(
        str(path),
        "row 1",
        f"no header row with the columns {', '.join(repr(c) for c in _CSV_REQUIRED)}",
    )


class _CsvRows:
    """The data rows of a STRM CSV, read cell by cell with errors naming row and column."""

    def __init__(self, path: Path, source_fw: Framework, target_fw: Framework) -> None:
        self.path = path
        self.matchers = {"source": _RefMatcher(source_fw), "target": _RefMatcher(target_fw)}
        self.generic_note = f"Imported from {path.name}"
        self.assumed = 0
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as error:
            raise ConversionError(str(path), "", f"cannot read file: {error.strerror}") from error
        except UnicodeDecodeError as error:
            raise ConversionError(str(path), "", f"not UTF-8 text: {error.reason}") from error
        try:
            self.rows = list(csv.reader(io.StringIO(text, newline="")))
        except csv.Error as error:
            raise ConversionError(str(path), "", f"not valid CSV: {error}") from error
        self.header, self.columns = _header_row(self.rows, path)

    def numbered(self) -> list[tuple[int, list[str]]]:
        """(spreadsheet row number, cells) of every non-blank row below the header."""
        return [
            (number, row)
            for number, row in enumerate(self.rows[self.header + 1 :], start=self.header + 2)
            if any(c.strip() for c in row)
        ]

    def fail(self, number: int, column: str, message: str) -> ConversionError:
        return ConversionError(str(self.path), f"row {number}, column {column!r}", message)

    def cell(self, row: list[str], column: str) -> str:
        position = self.columns.get(column)
        return row[position].strip() if position is not None and position < len(row) else ""

    def ref(self, number: int, row: list[str], column: str, side: str) -> str | None:
        given = self.cell(row, column)
        if not given:
            return None
        matcher = self.matchers[side]
        found = matcher.resolve(given)
        if found is None:
            close = matcher.suggest(given)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise self.fail(
                number,
                column,
                f"unknown ref {given!r}: not a requirement of {matcher.framework.id}{hint}",
            )
        return found

    def edge(self, number: int, row: list[str], set_id: str) -> Edge:
        word = self.cell(row, _RELATIONSHIP)
        relationship = _csv_relationship(word)
        if relationship is None:
            raise self.fail(
                number,
                _RELATIONSHIP,
                f"unknown relationship {word!r}; expected one of "
                f"{', '.join(_RELATIONSHIP_WORDS.values())}",
            )
        source = self.ref(number, row, _FOCAL, "source")
        if source is None:
            raise self.fail(number, _FOCAL, "empty: every row needs a focal document element")
        target = self.ref(number, row, _REFERENCE, "target")
        if target is None and relationship is not Relationship.NO_RELATIONSHIP:
            raise self.fail(number, _REFERENCE, "empty: only a 'no relationship' row may omit it")
        note = _note_text(self.cell(row, _NOTES)) or self.generic_note
        rationale_word = self.cell(row, _RATIONALE)
        rationale = _parse_rationale(rationale_word) if rationale_word else RationaleKind.SEMANTIC
        if rationale is None:
            raise self.fail(
                number,
                _RATIONALE,
                f"unknown rationale {rationale_word!r}; expected syntactic, semantic or functional",
            )
        if not rationale_word:
            self.assumed += 1
            note = f"{note} (rationale not given; semantic assumed)"
        strength_text = self.cell(row, _STRENGTH)
        strength = _strength_from_text(strength_text) if strength_text else None
        if strength_text and strength is None:
            raise self.fail(
                number, _STRENGTH, f"{strength_text!r} is not a whole number from 1 to 10"
            )
        source_fw, target_fw = self.matchers["source"].framework, self.matchers["target"].framework
        return Edge(
            set_id=set_id,
            source=requirement_key(source_fw.id, source),
            target=requirement_key(target_fw.id, target) if target else None,
            relationship=relationship,
            rationale=rationale,
            note=note,
            strength=strength,
        )


def read_strm_csv(
    path: Path | str,
    source_framework: str,
    target_framework: str,
    frameworks: Mapping[str, Framework],
    set_id: str,
) -> Imported:
    """Read a set-theory (STRM) CSV: focal elements are our sources, reference our targets.

    Rows above the header (a title block) and columns we do not know are ignored; blank
    rows are skipped. Errors name the row (the header row counts, as in a spreadsheet)
    and the column.
    """
    location = Path(path)
    source_fw = _framework(source_framework, frameworks, location, "source")
    target_fw = _framework(target_framework, frameworks, location, "target")
    rows = _CsvRows(location, source_fw, target_fw)
    edges = [rows.edge(number, row, set_id) for number, row in rows.numbered()]
    if not edges:
        raise ConversionError(
            str(location), f"row {rows.header + 2}", "no mapping rows below the header"
        )
    notes = [f"{set_id}: {len(edges)} edges from {location.name}"]
    if rows.assumed:
        notes.append(f"{set_id}: {rows.assumed} row(s) give no STRM rationale; semantic assumed")
    mapping_set = MappingSet(
        id=set_id,
        version="1.0",
        title=f"{source_fw.name} to {target_fw.name} (from {location.name})",
        source_framework=source_fw.id,
        target_framework=target_fw.id,
        provenance=Provenance(source=location.name, method=Method.HUMAN),
        mappings=tuple(edges),
        description=f"Set-theory relationship mapping imported from {location.name}.",
    )
    return Imported(source=str(location), mapping_sets=[mapping_set], notes=notes)


def write_strm_csv(
    mapping_set: MappingSet, frameworks: Mapping[str, Framework] | None = None
) -> str:
    """The set as STRM CSV; element descriptions are the requirement titles when
    ``frameworks`` is given, else left empty."""
    known = frameworks or {}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)

    def title(key: str | None) -> str:
        if key is None:
            return ""
        framework_id, ref = split_key(key)
        framework = known.get(framework_id)
        requirement = framework.get(ref) if framework is not None else None
        return requirement.title if requirement is not None else ""

    for edge in mapping_set.mappings:
        writer.writerow(
            (
                split_key(edge.source)[1],
                title(edge.source),
                edge.rationale.value.capitalize(),
                _RELATIONSHIP_WORDS[edge.relationship],
                split_key(edge.target)[1] if edge.target else "",
                title(edge.target),
                "" if edge.strength is None else str(edge.strength),
                edge.note,
            )
        )
    return buffer.getvalue()
