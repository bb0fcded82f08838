"""CISO Assistant's nodes matched to the requirements of a framework we already have.

CISO Assistant ships SOC 2, GDPR and the AI Act under other ids (``soc2-2017-rev-2022``,
``ai-act``) and at a finer grain: SOC 2 down to the points of focus under each criterion,
GDPR and the AI Act down to each paragraph and point (``5.1.a``) under an ``Article 5``
node. Importing them as new frameworks would put their mappings beside the SOC 2 our users'
controls are tagged to, where they reach nothing. So a library's framework is matched to
ours when its urn says it is the same work (``EQUIVALENTS``), and each node is read as:

- the same requirement, when its ref (or a spelling of it: ``Article 5`` is ``Art. 5``,
  ``5.1.a`` is ``Art. 5(1)(a)``) is one of ours;
- otherwise *rolled up* to its nearest ancestor that is one of ours (never to a chapter,
  a theme or a series: they group requirements, a part of one says nothing of them): the
  node is a part of that requirement, and an edge on it says less about the whole
  (``rolled_relationship``);
- otherwise unmatched: reported, and its edges left out.

Without the node tree (a mapping file alone), a node urn is rolled up by its shape:
``cc6.1.3`` is a point of focus of ``cc6.1``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from crosswalk.domain.refs import RefIndex
from crosswalk.domain.relationships import Relationship
from crosswalk.domain.requirements import Framework

EQUIVALENTS: dict[str, str] = {
    # CISO Assistant's framework urn tail -> the shipped framework that is the same work
    "soc2-2017": "soc2-tsc-2017",
    "soc2-2017-rev-2022": "soc2-tsc-2017",  # 2022 revised the points of focus, not criteria
    "ai-act": "eu-ai-act",
}

EXPORTED_AS: dict[str, str] = {
    # a shipped framework -> the id CISO Assistant ships it under (its newest edition)
    "soc2-tsc-2017": "soc2-2017-rev-2022",
    "eu-ai-act": "ai-act",
}

PREFIX_ALIASES: dict[str, tuple[tuple[str, str], ...]] = {
    # (their ref prefix, ours): CISO Assistant numbers SOC 2's processing integrity "PP1.x"
    "soc2-tsc-2017": (("PP", "PI"),),
}

BROAD_KINDS = frozenset(
    {"chapter", "theme", "function", "domain", "category", "series", "section", "title"}
)
"""Kinds of requirement that only group others: nothing is read as a part of one."""

_ARTICLE = re.compile(r"^(?:article|art\.?)[\s-]*(\d+[a-z]?)\b", re.IGNORECASE)
_CHAPTER = re.compile(r"^chapter[\s-]+([ivxlc]+)$", re.IGNORECASE)
_ANNEX = re.compile(r"^annex\s+([ivxlc]+)\b", re.IGNORECASE)
_POINTS = re.compile(r"^(\d+[a-z]?)((?:\.[0-9a-z]+)+)$", re.IGNORECASE)
_LAST_PART = re.compile(r"^(.+)[.\-(]([0-9a-z]+)\)?$", re.IGNORECASE)


def equivalent_id(urn_tail: str, frameworks: Iterable[str]) -> str | None:
    """The loaded framework a library framework urn names: the same id, or an equivalent."""
    known = set(frameworks)
    if urn_tail in known:
        return urn_tail
    found = EQUIVALENTS.get(urn_tail)
    return found if found in known else None


def spellings(ref: str, name: str | None = None, framework_id: str = "") -> list[str]:
    """Ways our catalogs write the ref a CISO Assistant node gives, most exact first."""
    found = [ref] if ref else []
    for theirs, ours in PREFIX_ALIASES.get(framework_id, ()):
        rest = ref[len(theirs) :]
        if ref.upper().startswith(theirs) and (not rest or rest[0].isdigit()):
            found.append(ours + rest)
    for text in (ref, name or ""):
        article = _ARTICLE.match(text.strip())
        if article:
            found.append(f"Art. {article.group(1)}")
        annex = _ANNEX.match(text.strip())
        if annex:
            found.append(f"Annex {annex.group(1).upper()}")
        chapter = _CHAPTER.match(text.strip())
        if chapter:
            found.append(f"Chapter {chapter.group(1).upper()}")
    points = _POINTS.match(ref.strip()) if ref else None
    if points:  # 5.1.a -> Art. 5(1)(a)
        parts = points.group(2).strip(".").split(".")
        found.append(f"Art. {points.group(1)}" + "".join(f"({p})" for p in parts))
    return list(dict.fromkeys(found))


_OUR_ARTICLE = re.compile(r"^Art\.\s*(\d+[a-z]?)((?:\([0-9a-z]+\))*)$")
_OUR_CHAPTER = re.compile(r"^Chapter\s+([IVXLC]+)$", re.IGNORECASE)


def their_node_tail(ref: str, framework_id: str = "") -> str:
    """Our ref as the tail of CISO Assistant's node urn: ``Art. 32`` -> ``article-32``,
    ``Art. 5(1)(f)`` -> ``5.1.f``, ``Chapter II`` -> ``chapter-ii``, ``CC6.1`` -> ``cc6.1``."""
    text = ref.strip()
    for theirs, ours in PREFIX_ALIASES.get(framework_id, ()):
        rest = text[len(ours) :]
        if text.startswith(ours) and (not rest or rest[0].isdigit()):
            text = theirs + rest
    article = _OUR_ARTICLE.match(text)
    if article:
        points = re.findall(r"\(([0-9a-z]+)\)", article.group(2))
        if not points:
            return f"article-{article.group(1).lower()}"
        return ".".join([article.group(1).lower(), *points])
    chapter = _OUR_CHAPTER.match(text)
    if chapter:
        return f"chapter-{chapter.group(1).lower()}"
    return re.sub(r"\s+", "", text.lower())


def broader(ref: str) -> str | None:
    """The ref one level up by its shape: ``cc6.1.3`` -> ``cc6.1``; None at the top."""
    found = _LAST_PART.match(ref)
    return found.group(1) if found else None


@dataclass
class NodeMatch:
    """How one library framework's nodes read in one of ours."""

    framework: Framework
    refs: dict[str, str] = field(default_factory=dict)  # node urn -> our ref
    rolled: set[str] = field(default_factory=set)  # urns read as a part of their ref
    unmatched: list[str] = field(default_factory=list)  # assessable nodes, as written
    assessable: int = 0
    matched_assessable: int = 0


def match_nodes(
    framework: Framework,
    nodes: Iterable[tuple[str, str, str | None, str | None, bool]],
) -> NodeMatch:
    """``nodes`` (urn, ref, name, parent urn, assessable), parents before children."""
    index = RefIndex(framework)
    broad = broad_refs(framework)
    result = NodeMatch(framework)
    for urn, ref, name, parent, assessable in nodes:
        ours = next(
            (o for s in spellings(ref, name, framework.id) if (o := index.exact(s)) is not None),
            None,
        )
        if ours is not None:
            result.refs[urn] = ours
        elif parent is not None and parent in result.refs:
            above = result.refs[parent]
            if above not in broad:
                result.refs[urn] = above
                result.rolled.add(urn)
        if assessable:
            result.assessable += 1
            if urn in result.refs:
                result.matched_assessable += 1
            else:
                result.unmatched.append(ref or urn)
    return result


def resolve_by_shape(
    index: RefIndex, tail: str, broad: set[str], roll: bool = True
) -> tuple[str, bool] | None:
    """A node urn's tail read in one of our frameworks without its tree: (ref, rolled up).
    Without ``roll``, only a spelling of the ref itself."""
    framework_id = index.framework.id
    for spelling in spellings(tail, None, framework_id):
        found = index.exact(spelling)
        if found is not None:
            return found, False
    up = broader(tail) if roll else None
    while up is not None:
        for spelling in spellings(up, None, framework_id):
            found = index.exact(spelling)
            if found is not None and found not in broad:
                return found, True
        up = broader(up)
    return None


_WHEN_SOURCE_ROLLED = {
    # the source is a part of our requirement S: what the edge says of S itself
    Relationship.EQUAL: Relationship.SUPERSET_OF,
    Relationship.SUPERSET_OF: Relationship.SUPERSET_OF,
    Relationship.SUBSET_OF: Relationship.INTERSECTS_WITH,
    Relationship.INTERSECTS_WITH: Relationship.INTERSECTS_WITH,
}
_WHEN_TARGET_ROLLED = {
    Relationship.EQUAL: Relationship.SUBSET_OF,
    Relationship.SUBSET_OF: Relationship.SUBSET_OF,
    Relationship.SUPERSET_OF: Relationship.INTERSECTS_WITH,
    Relationship.INTERSECTS_WITH: Relationship.INTERSECTS_WITH,
}


def rolled_relationship(
    relationship: Relationship, source_rolled: bool, target_rolled: bool
) -> Relationship | None:
    """What an edge between parts says of the wholes; None when it says nothing (a part
    unrelated to something says nothing of the whole)."""
    if relationship is Relationship.NO_RELATIONSHIP and (source_rolled or target_rolled):
        return None
    if source_rolled:
        relationship = _WHEN_SOURCE_ROLLED.get(relationship, relationship)
    if target_rolled:
        relationship = _WHEN_TARGET_ROLLED.get(relationship, relationship)
        if source_rolled and relationship is not Relationship.INTERSECTS_WITH:
            relationship = Relationship.INTERSECTS_WITH
    return relationship


def combined(relationships: Iterable[Relationship]) -> Relationship:
    """One relationship for several edges between the same two requirements after rolling
    up: each is true, so together they may say more (superset and subset: equal)."""
    found = set(relationships)
    if (
        Relationship.EQUAL in found
        or {
            Relationship.SUBSET_OF,
            Relationship.SUPERSET_OF,
        }
        <= found
    ):
        return Relationship.EQUAL
    for single in (Relationship.SUPERSET_OF, Relationship.SUBSET_OF):
        if single in found:
            return single
    if Relationship.INTERSECTS_WITH in found:
        return Relationship.INTERSECTS_WITH
    return Relationship.NO_RELATIONSHIP


def broad_refs(framework: Framework) -> set[str]:
    """Refs nothing is rolled up into (``BROAD_KINDS``)."""
    return {r.ref for r in framework.requirements if r.kind in BROAD_KINDS}


def matched_note(match: NodeMatch, limit: int = 6) -> str:
    rolled = len(match.rolled)
    text = (
        f"matched the loaded {match.framework.id}: {match.matched_assessable} of "
        f"{match.assessable} assessable requirements"
    )
    if rolled:
        text += f" ({rolled} node(s) read as part of a broader requirement of ours)"
    if match.unmatched:
        shown = ", ".join(match.unmatched[:limit])
        more = f" and {len(match.unmatched) - limit} more" if len(match.unmatched) > limit else ""
        text += (
            f"; {len(match.unmatched)} not in {match.framework.id} ({shown}{more}): "
            "their edges are left out"
        )
    return text
