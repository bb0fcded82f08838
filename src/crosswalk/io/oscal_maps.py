"""The maps of an OSCAL mapping, read into edges, with the document access they need.

``oscal_mapping`` reads a collection and its mappings (frameworks, provenance, set ids)
on top of this: each ``map`` becomes one edge per (source, target) pair, its element ids
resolved to our refs, its rationale, strength, note and our own props read leniently.

A statement-level item (``type: statement``, or an id of NIST's statement form such as
``ac-2_smt.a``) is kept under its control: the edge reaches ``ac-2``, records the
statement in its attributes (``target_statement`` / ``source_statement``) and its note
names it; ``oscal_mapping_writer`` writes it back as the statement it was.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crosswalk.domain.relationships import RationaleKind, Relationship
from crosswalk.domain.requirements import Framework
from crosswalk.io.converted import ConversionError
from crosswalk.io.edge_reading import RefMatcher, note_text, parse_rationale, strength_from_text
from crosswalk.io.input_limits import parse_json
from crosswalk.io.oscal_document import one_line
from crosswalk.io.oscal_mapping_writer import NS

_OSCAL_RELATIONSHIPS: dict[str, Relationship] = {
    "equal-to": Relationship.EQUAL,
    "equivalent-to": Relationship.EQUAL,
    "equal": Relationship.EQUAL,
    "subset-of": Relationship.SUBSET_OF,
    "superset-of": Relationship.SUPERSET_OF,
    "intersects-with": Relationship.INTERSECTS_WITH,
    "no-relationship": Relationship.NO_RELATIONSHIP,
}
_CONFIDENCE_WORDS = {"very high": 10, "high": 9, "medium": 6, "moderate": 6, "low": 3}
_STRENGTH_PROPS = ("strength", "strength-of-relationship", "relationship-strength")
_STATEMENT = re.compile(r"^(?P<owner>.+?)_smt(?:[._-].*)?$")
STATEMENT_ATTRIBUTES = {"source": "source_statement", "target": "target_statement"}


def statement_suffix(side: str, statement: str) -> str:
    """What an edge's note says of a statement-level item: `` (target statement ac-2_smt.a)``."""
    return f" ({side} statement {statement})"


def _strength_from_fraction(value: float) -> int:
    return min(10, max(1, round(value * 10)))


@dataclass
class PendingEdge:
    """An edge read from the document, before duplicates are dropped."""

    source: str
    target: str | None
    relationship: Relationship
    rationale: RationaleKind
    note: str
    strength: int | None
    beyond_refined: str | None
    attributes: Mapping[str, str]
    weak: bool | None = None  # our ``weak`` prop: the set marks the edge tangential (or not)


@dataclass
class MapTally:
    """What one mapping's import left out or changed, for the notes."""

    skipped: int = 0
    weakened: int = 0
    assumed: int = 0
    missing: set[str] = field(default_factory=set)
    withdrawn: set[str] = field(default_factory=set)


class MapReader:
    """Typed access to the document, and the maps of one mapping read into edges."""

    def __init__(self, path: Path, skip_unknown_refs: bool) -> None:
        self.path = path
        self.skip_unknown_refs = skip_unknown_refs
        self.matchers: dict[str, RefMatcher] = {}
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

    # -- maps --------------------------------------------------------------------------

    def read_map(
        self,
        entry: dict[str, Any],
        where: str,
        source_fw: Framework,
        target_fw: Framework,
        default_rationale: RationaleKind | None,
        tally: MapTally,
    ) -> list[PendingEdge]:
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
            self.item(item, f"{where}.sources[{k}]", source_fw, tally)
            for k, item in enumerate(sources)
        ]
        target_refs = [
            self.item(item, f"{where}.targets[{k}]", target_fw, tally)
            for k, item in enumerate(targets)
        ]
        known_sources = [s for s in source_refs if s is not None]
        known_targets: list[tuple[str | None, str | None]] = [
            t for t in target_refs if t is not None
        ]
        produced = len(known_sources) * (len(known_targets) if targets else 1)
        tally.skipped += len(sources) * max(1, len(targets)) - produced
        attributes = self.attributes(own, where)
        edges = [
            self.pending(
                (source, source_statement),
                (target, target_statement),
                (effective, rationale, strength),
                note,
                own.get("beyond-refined") or None,
                attributes,
            )
            for source, source_statement in known_sources
            for target, target_statement in (known_targets if targets else [(None, None)])
        ]
        weak = self.weak(own)
        for edge in edges:
            edge.weak = weak
        if effective is not relationship:
            tally.weakened += len(edges)
        return edges

    @staticmethod
    def weak(own: dict[str, str]) -> bool | None:
        """Our ``weak`` prop (``true``/``false``): how the set marked the edge, if it did."""
        return {"true": True, "false": False}.get(own.get("weak", "").strip().lower())

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

    @staticmethod
    def pending(
        source: tuple[str, str | None],
        target: tuple[str | None, str | None],
        kind: tuple[Relationship, RationaleKind, int | None],
        note: str,
        beyond_refined: str | None,
        attributes: Mapping[str, str],
    ) -> PendingEdge:
        """One edge; a statement-level end is named in the note and kept in the attributes."""
        extra = dict(attributes)
        for side, (_, statement) in (("source", source), ("target", target)):
            if statement is not None:
                extra[STATEMENT_ATTRIBUTES[side]] = statement
                suffix = statement_suffix(side, statement)
                note = note if note.endswith(suffix) else note + suffix
        relationship, rationale, strength = kind
        return PendingEdge(
            source[0], target[0], relationship, rationale, note, strength, beyond_refined, extra
        )

    def item(
        self, item: Any, where: str, framework: Framework, tally: MapTally
    ) -> tuple[str, str | None] | None:
        """(our ref, the statement id when the item is statement-level), or None (skipped)."""
        entry = self.obj(item, where)
        given = self.text(entry.get("id-ref"), f"{where}.id-ref", required=True)
        matcher = self.matcher(framework)
        statement = _STATEMENT.match(given)
        if statement is not None and matcher.resolve(given) is None:
            owner = matcher.resolve(statement.group("owner"))
            if owner is None:
                self.unknown(given, where, framework, tally, matcher, statement=True)
                return None
            self.withdrawn(framework, owner, tally)
            return owner, given
        ref = self.element(item, where, framework, tally)
        return None if ref is None else (ref, None)

    def matcher(self, framework: Framework) -> RefMatcher:
        found = self.matchers.get(framework.id)
        if found is None:
            found = self.matchers[framework.id] = RefMatcher(framework)
        return found

    def element(self, item: Any, where: str, framework: Framework, tally: MapTally) -> str | None:
        entry = self.obj(item, where)
        given = self.text(entry.get("id-ref"), f"{where}.id-ref", required=True)
        matcher = self.matcher(framework)
        ref = matcher.resolve(given)
        if ref is not None:
            self.withdrawn(framework, ref, tally)
            return ref
        self.unknown(given, where, framework, tally, matcher)
        return None

    @staticmethod
    def withdrawn(framework: Framework, ref: str, tally: MapTally) -> None:
        requirement = framework.get(ref)
        if requirement is not None and requirement.attributes.get("withdrawn") == "true":
            tally.withdrawn.add(f"{framework.id}:{ref}")

    def unknown(
        self,
        given: str,
        where: str,
        framework: Framework,
        tally: MapTally,
        matcher: RefMatcher,
        statement: bool = False,
    ) -> None:
        """An id that names nothing: left out (``skip_unknown_refs``) or refused."""
        if self.skip_unknown_refs:
            tally.missing.add(f"{framework.id}:{given}")
            return
        if statement:
            owner = given.split("_smt", 1)[0]
            raise self.fail(
                where,
                f"statement {given!r}: its control {owner!r} is not a requirement of "
                f"{framework.id}",
            )
        close = matcher.suggest(given)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise self.fail(where, f"unknown ref {given!r}: not a requirement of {framework.id}{hint}")

    def map_note(self, entry: dict[str, Any], where: str) -> str:
        remarks = self.text(entry.get("remarks"), f"{where}.remarks")
        if remarks:
            return note_text(remarks)
        descriptions = [
            one_line(str(q.get("description") or ""))
            for q in self.list_of_objects(entry, "qualifiers")
        ]
        descriptions = [d for d in descriptions if d]
        return "; ".join(descriptions) if descriptions else self.generic_note

    def strength(self, entry: dict[str, Any], where: str, own: dict[str, str]) -> int | None:
        for prop in self.props(entry):
            if str(prop.get("name", "")).lower() in _STRENGTH_PROPS:
                value = strength_from_text(str(prop.get("value", "")))
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
            parsed = parse_json(raw.encode("utf-8", "surrogatepass"), str(self.path))
        except ConversionError as error:
            raise self.fail(
                f"{where}.props", f"attributes prop is not JSON: {error.message}"
            ) from error
        if not isinstance(parsed, dict):
            raise self.fail(f"{where}.props", "attributes prop is not a JSON object")
        return {str(k): str(v) for k, v in parsed.items()}

    def unmapped(
        self, mapping: dict[str, Any], where: str, source_fw: Framework, tally: MapTally
    ) -> list[PendingEdge]:
        """Our own no_relationship edges without a target (props of the mapping)."""
        props = self.props(mapping)
        groups: dict[str, dict[str, dict[str, Any]]] = {}
        for prop in props:
            if prop.get("ns") == NS and prop.get("group"):
                groups.setdefault(str(prop["group"]), {})[str(prop.get("name"))] = prop
        found: list[PendingEdge] = []
        for group, members in groups.items():
            head = members.get("no-relationship")
            if head is None:
                continue
            prop_where = f"{where}.props (group {group!r})"
            ref = self.element({"id-ref": head.get("value")}, prop_where, source_fw, tally)
            if ref is None:
                tally.skipped += 1
                continue
            rationale = parse_rationale(str(head.get("class") or "semantic"))
            if rationale is None:
                raise self.fail(prop_where, f"unknown matching rationale {head.get('class')!r}")
            strength_prop = members.get("strength")
            strength = (
                strength_from_text(str(strength_prop.get("value", ""))) if strength_prop else None
            )
            own = {name: str(p.get("value", "")) for name, p in members.items()}
            found.append(
                PendingEdge(
                    ref,
                    None,
                    Relationship.NO_RELATIONSHIP,
                    rationale,
                    note_text(str(head.get("remarks") or "")) or self.generic_note,
                    strength,
                    own.get("beyond-refined") or None,
                    self.attributes(own, prop_where),
                    self.weak(own),
                )
            )
        return found

    def unique(self, pending: list[PendingEdge]) -> list[PendingEdge]:
        seen: set[tuple[str, str | None, Relationship, str, str]] = set()
        kept: list[PendingEdge] = []
        dropped = 0
        for edge in pending:
            key = (
                edge.source,
                edge.target,
                edge.relationship,
                edge.attributes.get("source_statement", ""),
                edge.attributes.get("target_statement", ""),
            )
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
            matcher = self.matchers.get(framework.id) or RefMatcher(framework)
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
        rationale = parse_rationale(str(word))
        if rationale is None:
            raise self.fail(
                f"{where}.matching-rationale",
                f"unknown matching rationale {word!r}; expected syntactic, semantic or functional",
            )
        return rationale
