"""Well-known catalog families, recognised from the titles and hrefs other tools write.

An OSCAL mapping collection names its source and target by href and title, not by our
framework ids; this tells which loaded framework (and which version of it) they mean.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from crosswalk.domain.requirements import Framework
from crosswalk.io.converted import ConversionError

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


def recognise_framework(
    path: Path,
    frameworks: Mapping[str, Framework],
    side: str,
    texts: list[str],
    href: str,
    where: str,
) -> str:
    """The id of the loaded framework that ``texts`` (href, titles) name, or an error."""
    hint = (
        f"; name it with --framework-id '{href}=FRAMEWORK' "
        f"(loaded: {', '.join(sorted(frameworks))})"
    )
    for text in texts:  # a text that is one of our ids, or a file named after one
        candidate = text.strip().lower()
        for name in (candidate, Path(candidate).stem, candidate.rsplit(":", 1)[-1]):
            if name in frameworks:
                return name
    joined = " ".join(texts)
    normal = _SEPARATORS.sub(" ", joined.lower())
    for family in _FAMILIES:
        if not family.pattern.search(normal):
            continue
        members = [
            f
            for f in frameworks.values()
            if any(part in f.id or part in f.name.lower() for part in family.id_parts)
        ]
        if not members:
            raise ConversionError(
                str(path),
                where,
                f"the {side} {href!r} looks like {family.label}, which is not loaded{hint}",
            )
        numbers = set(_NUMBERS.findall(normal)) - family.own_numbers
        numbers |= {n.split(".")[0] for n in numbers if n.endswith(".0")}
        scored = [(_version_score(f, numbers), f.id) for f in members]
        best = max(score for score, _ in scored)
        chosen = sorted(fid for score, fid in scored if score == best)
        # A catalog and the profiles derived from it ("x" and "x-moderate") tie: the
        # collection points at the catalog, whose id the others extend.
        roots = [fid for fid in chosen if all(o.startswith(fid) for o in chosen)]
        if len(chosen) > 1 and len(roots) == 1:
            chosen = roots
        if best == 0 and (numbers and len(members) == 1):
            raise ConversionError(
                str(path),
                where,
                f"the {side} {href!r} looks like {members[0].id} but its version "
                f"({', '.join(sorted(numbers))}) does not match{hint}",
            )
        if len(chosen) > 1:
            raise ConversionError(
                str(path),
                where,
                f"the {side} {href!r} could be any of {', '.join(chosen)}{hint}",
            )
        return chosen[0]
    raise ConversionError(
        str(path), where, f"cannot tell which framework the {side} {href!r} is{hint}"
    )


def _version_score(framework: Framework, numbers: set[str]) -> int:
    label = f"{framework.id} {framework.version}".lower()
    return sum(1 for n in numbers if re.search(rf"(?<![\d.]){re.escape(n)}(?![\d])", label))


_REVISION = re.compile(r"\brev(?:ision)?[\s._-]*(\d+)\b")


def catalog_family(texts: list[str]) -> tuple[str, str | None] | None:
    """The well-known family ``texts`` (titles, hrefs) name and the revision they give, if any.

    ``("NIST SP 800-53", "5")`` for "NIST Special Publication 800-53 Revision 5" or
    ``NIST_SP-800-53_rev5_catalog.json``; ``None`` when no family is recognised.
    """
    normal = _SEPARATORS.sub(" ", " ".join(texts).lower())
    for family in _FAMILIES:
        if family.pattern.search(normal):
            revision = _REVISION.search(normal.replace("_", " "))
            return family.label, revision.group(1) if revision else None
    return None
