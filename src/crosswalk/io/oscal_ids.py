"""The OSCAL id of each requirement of a framework: one rule for every OSCAL we write.

OSCAL ids are tokens (a letter or ``_``, then letters, digits, ``.``, ``-``, ``_``), and our
refs often are not (``4.1``, ``Art. 12``). The catalog writer names each control by
``oscal_control_ids`` and the mapping writer names the same control by the same call, so
every ``id-ref`` of a mapping export is a control id of the catalog export of that
framework (``4.1`` -> ``clause-4.1``, ``Art. 12`` -> ``Art.-12``). Readers accept these ids
back as the refs they stand for (``edge_reading.RefMatcher``).
"""

from __future__ import annotations

import re

from crosswalk.domain.requirements import Framework

_TOKEN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
_NOT_TOKEN = re.compile(r"[^A-Za-z0-9_.\-]+")


def oscal_token(text: str, fallback_prefix: str) -> str:
    """``text`` as an OSCAL token: itself when it is one, else its runs of other characters
    made ``-`` and, when it does not start with a letter, ``fallback_prefix-`` in front."""
    if _TOKEN.match(text):
        return text
    value = _NOT_TOKEN.sub("-", text).strip("-")
    if not value or not (value[0].isalpha() or value[0] == "_"):
        value = f"{fallback_prefix}-{value}" if value else fallback_prefix
    return value if _TOKEN.match(value) else "_" + value


def is_token(text: str) -> bool:
    return bool(_TOKEN.match(text))


def oscal_control_ids(framework: Framework) -> dict[str, str]:
    """Our ref -> the OSCAL id of that requirement in the catalog export of ``framework``.

    A ref that is a token is its own id; else the token of the ref, prefixed by the kind
    when it starts with a digit (``clause-4.1``). Two refs that come out the same are told
    apart by ``-2``, ``-3`` in the order of the framework, so the ids are unique.
    """
    ids: dict[str, str] = {}
    used: set[str] = set()
    for requirement in framework.requirements:
        candidate = base = oscal_token(requirement.ref, oscal_token(requirement.kind, "r"))
        number = 2
        while candidate in used:
            candidate = f"{base}-{number}"
            number += 1
        used.add(candidate)
        ids[requirement.ref] = candidate
    return ids
