"""Errors the user can act on. Each names where the problem is."""

from __future__ import annotations


class CrosswalkError(Exception):
    """Base of every error caused by input rather than by a bug."""


class UnknownReferenceError(CrosswalkError):
    def __init__(self, given: str, scope: str, suggestions: list[str]) -> None:
        self.given = given
        self.scope = scope
        self.suggestions = suggestions
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"unknown {scope} {given!r}{hint}")


class AmbiguousReferenceError(CrosswalkError):
    def __init__(self, given: str, candidates: list[str]) -> None:
        self.given = given
        self.candidates = candidates
        super().__init__(f"{given!r} is ambiguous: it could be {', '.join(candidates)}")
