"""Whose is a record? Records name their owner in free text ("Dana Ortiz (IT Manager)",
"dana@example.com", "Dana Ortiz <dana@example.com>"); a user is matched by what their
account says about them.

A record's owner belongs to a user when, compared without case and with runs of spaces
made one:
- it equals the user's owner name (what a control owner's controls carry), their display
  name, or their e-mail address;
- or, with a trailing "(role)" dropped from both sides, the names are equal ("Dana Ortiz"
  and "Dana Ortiz (IT Manager)" are one person);
- or an e-mail address written inside it is the user's.
Never by part of a name: "Dan" is not "Dana Ortiz", so nobody receives another's items.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ROLE = re.compile(r"\s*\([^()]*\)\s*$")
_EMAIL = re.compile(r"[^@\s<>(),;]+@[^@\s<>(),;]+\.[^@\s<>(),;]+")


def display_name(name: str, owner_name: str | None, email: str) -> str:
    """How a message greets them: their name, else their owner name without its role."""
    if name.strip():
        return " ".join(name.split())
    if owner_name and owner_name.strip():
        return _ROLE.sub("", " ".join(owner_name.split())).strip() or owner_name.strip()
    return email.partition("@")[0]


def _plain(text: str) -> str:
    return " ".join(text.split()).casefold()


def _without_role(text: str) -> str:
    return _ROLE.sub("", _plain(text)).strip()


@dataclass(frozen=True)
class Person:
    """What an account says about the person: the spellings their records may use."""

    email: str
    names: frozenset[str]  # plain and without a trailing role

    @classmethod
    def of(cls, email: str, name: str = "", owner_name: str | None = None) -> Person:
        names: set[str] = set()
        for given in (name, owner_name or ""):
            if given.strip():
                names.update({_plain(given), _without_role(given)})
        names.discard("")
        return cls(email.strip().casefold(), frozenset(names))

    def owns(self, owner: str | None) -> bool:
        if not owner or not owner.strip():
            return False
        plain = _plain(owner)
        if plain == self.email or plain in self.names or _without_role(owner) in self.names:
            return True
        return any(found.casefold() == self.email for found in _EMAIL.findall(owner))
