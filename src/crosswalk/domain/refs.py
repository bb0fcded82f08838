"""Forgiving reading of requirement references as people type them.

``cc6.1``, ``CC 6.1``, ``5.15`` (for ``A.5.15`` where unambiguous), ``Art 32`` and
``GV.OC-1`` all resolve; an unknown ref gets close suggestions.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping

from crosswalk.domain.errors import AmbiguousReferenceError, UnknownReferenceError
from crosswalk.domain.requirements import Framework

_SPACES = re.compile(r"\s+")
_LETTER_DOT_DIGIT = re.compile(r"(?<=[a-z])\.(?=\d)")
_LEADING_ZEROS = re.compile(r"(?<!\d)0+(?=\d)")
_ALPHA_PREFIX = re.compile(r"^[a-z]+")


def squash(ref: str) -> str:
    """The comparison form of a ref: case, spaces, ``Art.``/``A.`` dots and zero padding ignored."""
    text = _SPACES.sub("", ref.strip().lower())
    text = text.replace("\u2013", "-").replace("\u2014", "-")
    text = _LETTER_DOT_DIGIT.sub("", text)
    return _LEADING_ZEROS.sub("", text)


class RefIndex:
    """Resolves typed refs within one framework."""

    def __init__(self, framework: Framework) -> None:
        self.framework = framework
        self._exact: dict[str, str] = {}
        self._unprefixed: dict[str, list[str]] = {}
        for requirement in framework.requirements:
            squashed = squash(requirement.ref)
            self._exact.setdefault(squashed, requirement.ref)
            prefix = _ALPHA_PREFIX.match(squashed)
            if prefix and len(squashed) > prefix.end():
                self._unprefixed.setdefault(squashed[prefix.end() :], []).append(requirement.ref)

    def exact(self, given: str) -> str | None:
        """The ref typed in full (case, spacing and padding aside), else ``None``."""
        return self._exact.get(squash(given))

    def resolve(self, given: str) -> str:
        squashed = squash(given)
        exact = self._exact.get(squashed)
        if exact is not None:
            return exact
        candidates = self._unprefixed.get(squashed, [])
        if len(candidates) == 1:
            return candidates[0]
        if len(candidates) > 1:
            raise AmbiguousReferenceError(given, [f"{self.framework.id}:{c}" for c in candidates])
        raise UnknownReferenceError(
            given, f"requirement of {self.framework.id}", self.suggest(given)
        )

    def suggest(self, given: str, limit: int = 3) -> list[str]:
        close = difflib.get_close_matches(squash(given), list(self._exact), n=limit, cutoff=0.6)
        return [f"{self.framework.id}:{self._exact[c]}" for c in close]


def resolve_framework_id(given: str, known: Iterable[str]) -> str:
    """Exact id, else a unique id starting with what was typed (``soc2`` -> ``soc2-tsc-2017``)."""
    ids = list(known)
    wanted = given.strip().lower()
    if wanted in ids:
        return wanted
    starting = [i for i in ids if i.startswith(wanted)]
    if len(starting) == 1:
        return starting[0]
    if len(starting) > 1:
        raise AmbiguousReferenceError(given, sorted(starting))
    close = difflib.get_close_matches(wanted, ids, n=3, cutoff=0.5)
    raise UnknownReferenceError(given, "framework", close)


def resolve_key(
    given: str, indexes: Mapping[str, RefIndex], default_framework: str | None = None
) -> str:
    """Resolve ``framework:ref`` (or a bare ref, searched in every framework) to a key."""
    framework_part, sep, ref_part = given.partition(":")
    if sep:
        framework_id = resolve_framework_id(framework_part, indexes)
        return f"{framework_id}:{indexes[framework_id].resolve(ref_part)}"
    if default_framework is not None:
        return f"{default_framework}:{indexes[default_framework].resolve(given)}"
    exact = [
        f"{framework_id}:{ref}"
        for framework_id, index in indexes.items()
        if (ref := index.exact(given)) is not None
    ]
    if len(exact) == 1:
        return exact[0]
    if exact:
        raise AmbiguousReferenceError(given, exact)
    found: list[str] = []
    suggestions: list[str] = []
    for framework_id, index in indexes.items():
        try:
            found.append(f"{framework_id}:{index.resolve(given)}")
        except UnknownReferenceError as error:
            suggestions.extend(error.suggestions)
        except AmbiguousReferenceError as error:
            found.extend(error.candidates)
    if len(found) == 1:
        return found[0]
    if found:
        raise AmbiguousReferenceError(given, found)
    raise UnknownReferenceError(given, "requirement", rank_suggestions(given, suggestions)[:5])


_SHAPE = re.compile(r"^[^\d]*")


def _shape(ref: str) -> str:
    """What comes before the first digit, as written: ``A.`` of ``A.5.99``, ``Art. `` of
    ``Art. 99``, ``CC`` of ``CC6.1``: the part that says which framework a ref belongs to."""
    found = _SHAPE.match(ref.strip().lower())
    return found.group(0).replace(" ", "") if found else ""


def rank_suggestions(given: str, keys: Iterable[str]) -> list[str]:
    """Suggestions from every framework, those shaped like what was typed first (``A.5.99``
    suggests ISO's ``A.5.9`` before the AI Act's ``Art. 99``), then by closeness."""
    shape = _shape(given)
    typed = squash(given)

    def rank(key: str) -> tuple[bool, float]:
        ref = key.partition(":")[2]
        return (
            _shape(ref) != shape,
            -difflib.SequenceMatcher(None, typed, squash(ref)).ratio(),
        )

    return sorted(dict.fromkeys(keys), key=rank)
