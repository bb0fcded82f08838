"""A very small JSON path: ``$``, ``.key``, ``["key"]`` and ``[index]`` — nothing more.

Enough to point at one value in an API answer ("$.items[0].enabled") without a new
dependency; no wildcards, filters or slices, so a path names exactly one value or none.
"""

from __future__ import annotations

import re
from typing import Final

Step = str | int


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()

_STEP = re.compile(
    r"""\.(?P<key>[^.\[\]'"\s]+)"""
    r"""|\[(?P<index>-?\d+)\]"""
    r"""|\[(?P<quote>["'])(?P<quoted>.*?)(?P=quote)\]"""
)


def parse_path(path: str) -> tuple[Step, ...]:
    """The steps of ``path``; ``ValueError`` says where it stops making sense."""
    if not path.startswith("$"):
        raise ValueError("a path starts with $ (e.g. $.items[0].name)")
    steps: list[Step] = []
    position = 1
    while position < len(path):
        match = _STEP.match(path, position)
        if match is None:
            raise ValueError(
                f"cannot read {path[position:]!r} at position {position}: "
                'use .key, ["key"] or [index]'
            )
        if match["key"] is not None:
            steps.append(match["key"])
        elif match["index"] is not None:
            steps.append(int(match["index"]))
        else:
            steps.append(match["quoted"])
        position = match.end()
    return tuple(steps)


def resolve(document: object, steps: tuple[Step, ...]) -> object:
    """The value the steps lead to, or ``MISSING`` (a key on a list is missing, not an error)."""
    current = document
    for step in steps:
        if isinstance(step, int):
            if not isinstance(current, list) or not -len(current) <= step < len(current):
                return MISSING
            current = current[step]
        else:
            if not isinstance(current, dict) or step not in current:
                return MISSING
            current = current[step]
    return current
