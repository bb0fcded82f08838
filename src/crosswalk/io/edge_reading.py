"""Reading an edge from another tool's file: our ref for its element id, and its fields.

Shared by the OSCAL mapping collection reader (``oscal_mapping``) and the STRM CSV reader
(``strm_csv``), which must agree on what an id, a rationale or a strength may look like.
"""

from __future__ import annotations

import re

from crosswalk.domain.refs import RefIndex, squash
from crosswalk.domain.relationships import RationaleKind
from crosswalk.domain.requirements import Framework, split_key
from crosswalk.io.oscal_document import one_line
from crosswalk.io.oscal_ids import oscal_control_ids

_PARENS = re.compile(r"\(([^()]*)\)")


def note_text(text: str) -> str:
    """A note keeps its exact text unless it spans lines (Markdown remarks): then one line."""
    text = text.strip()
    return one_line(text) if "\n" in text else text


def canonical_ref(ref: str) -> str:
    """Comparison form of an element id: ``AC-2(1)``, ``ac-2.1`` and ``ac-02.01`` agree."""
    return _PARENS.sub(r".\1", squash(ref))


class RefMatcher:
    """Finds our ref for an element id from someone else's file, or says it cannot."""

    def __init__(self, framework: Framework) -> None:
        self.framework = framework
        self._lower: dict[str, str | None] = {}
        self._canonical: dict[str, str | None] = {}
        self._suggester: RefIndex | None = None
        oscal_ids = oscal_control_ids(framework)
        for requirement in framework.requirements:
            names = [requirement.ref]
            if requirement.attributes.get("label"):  # OSCAL's printed id, e.g. AC-2(1)
                names.append(requirement.attributes["label"])
            if oscal_ids[requirement.ref] != requirement.ref:  # our OSCAL export's id
                names.append(oscal_ids[requirement.ref])
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


def parse_rationale(word: str) -> RationaleKind | None:
    try:
        return RationaleKind(word.strip().lower())
    except ValueError:
        return None


def strength_from_text(text: str) -> int | None:
    try:
        number = float(text.strip())
    except ValueError:
        return None
    if not number.is_integer() or not 1 <= number <= 10:
        return None
    return int(number)
