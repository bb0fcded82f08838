"""How much work one profile resolution may do, counted as it goes.

A profile is small, but what it asks for is not bounded by its size: a thousand imports of
one catalog, or a thousand alters of a control kept a thousand times (``combine: keep``),
ask for a billion copies, and resolution would take all memory before anything could
refuse it. So each phase pays, before or as it works, in JSON values: every value an
import may copy out of its catalog, every value an add or a set-parameter copies in, every
member a remove looks through. Past ``domain.limits.max_resolution_work()`` the profile is
refused, naming the place in the profile where the limit was passed.
"""

from __future__ import annotations

from typing import Any

from crosswalk.domain.limits import MAX_RESOLUTION_ENV, max_resolution_work


class ResolutionTooLarge(Exception):
    """The budget ran out at ``where`` (a path in the profile)."""

    def __init__(self, where: str, limit: int) -> None:
        self.where = where
        self.limit = limit
        super().__init__(
            f"resolving this profile would copy, add or look through more than {limit:,} "
            f"values (at {where}): imports, alters or set-parameters repeated far beyond any "
            f"real baseline; refused before it takes all memory (set {MAX_RESOLUTION_ENV} "
            "to allow more)"
        )


class ResolutionBudget:
    def __init__(self, limit: int | None = None) -> None:
        self.limit = max_resolution_work() if limit is None else limit
        self.spent = 0
        self._sizes: dict[int, int] = {}  # id() of a catalog read -> its size, measured once

    def spend(self, values: int, where: str) -> None:
        self.spent += values
        if self.spent > self.limit:
            raise ResolutionTooLarge(where, self.limit)

    def spend_on_catalog(self, catalog: dict[str, Any], where: str) -> None:
        """What an import may copy: at most the whole catalog."""
        size = self._sizes.get(id(catalog))
        if size is None:
            size = self._sizes[id(catalog)] = json_size(catalog)
        self.spend(size, where)


def json_size(value: Any) -> int:
    """How many values ``value`` holds, itself included (no recursion: any depth)."""
    count = 0
    stack = [value]
    while stack:
        node = stack.pop()
        count += 1
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return count
