"""The crosswalk between two frameworks as a grid: a row per source requirement, a column
per target requirement, each mapped cell saying what a control on the row gets on the
column. Built from ``build_matrix`` (the rows of ``crosswalk matrix``), so both agree.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from crosswalk.catalogs.loader import Library
from crosswalk.domain.errors import CrosswalkError
from crosswalk.domain.relationships import Relationship
from crosswalk.domain.requirements import Framework, Requirement
from crosswalk.services.mapping.queries import MatrixRow, build_matrix, coverage_effect

POSSIBLE = "possible overlap"
EFFECTS = ("full", "partial", "possible", "none")
EFFECT_LABELS = {
    "full": "full: coverage passes unchanged (equal, superset of)",
    "partial": "partial at most: the target asks for more (subset of, intersects with)",
    "possible": "possible overlap only (inferred): never coverage on its own",
    "none": "no relationship",
}
ALL = "all"
CONTROLS = "controls"  # ISO/IEC 27001 Annex A: the requirements of kind "control"
CONTROL_KIND = "control"


class MatrixError(CrosswalkError):
    pass


@dataclass(frozen=True)
class MatrixCell:
    relationship: str  # read from the row's side, e.g. "intersects_with" or "possible overlap"
    effect: str  # one of EFFECTS
    strength: int | None
    note: str
    mapping_set: str
    inferred_via: str
    weak: bool = False

    @property
    def tooltip(self) -> str:
        strength = f", strength {self.strength}" if self.strength is not None else ""
        strength += ", weak" if self.weak else ""
        via = f" via {self.inferred_via}" if self.inferred_via else ""
        return (
            f"{self.relationship.replace('_', ' ')}{strength}{via} [{self.mapping_set}]: "
            f"{self.note}"
        )


@dataclass(frozen=True)
class MatrixHeader:
    key: str
    ref: str
    title: str
    group: str  # the parent (theme, clause) the column sits under
    first_of_group: bool


@dataclass(frozen=True)
class MatrixLine:
    key: str
    ref: str
    title: str
    group: str
    cells: dict[str, MatrixCell]  # by target ref, only the columns shown
    elsewhere: int  # mappings to target requirements not among the columns shown


@dataclass(frozen=True)
class MatrixGrid:
    source: str
    source_name: str
    target: str
    target_name: str
    columns_choice: str
    column_choices: list[tuple[str, str]]
    via: list[str]
    all_sets: bool
    columns: list[MatrixHeader]
    rows: list[MatrixLine]
    counts: dict[str, int]  # cells shown by effect
    legend: dict[str, str]


def cell_effect(relationship: str) -> str:
    """The coverage effect a relationship label gives (``mapping.coverage_effect``)."""
    if relationship == POSSIBLE:
        return "possible"
    try:
        parsed = Relationship(relationship)
    except ValueError:
        return "none"
    return coverage_effect(parsed, certain=True).split(":")[0].split()[0]


def column_choices(framework: Framework) -> list[tuple[str, str]]:
    """``controls`` (ISO Annex A) where the framework has them, each top group, ``all``."""
    choices = []
    if any(r.kind == CONTROL_KIND for r in framework):
        choices.append((CONTROLS, "Annex A controls (all themes)"))
    choices += [(root.ref, f"{root.ref} {root.title}") for root in framework.roots()]
    choices.append((ALL, "Every requirement"))
    return choices


def _columns(framework: Framework, choice: str) -> list[Requirement]:
    if choice == CONTROLS:
        return [r for r in framework if r.kind == CONTROL_KIND]
    if choice == ALL:
        return list(framework)
    if framework.get(choice) is None:
        known = ", ".join(value for value, _ in column_choices(framework))
        raise MatrixError(f"columns {choice!r}: use one of {known}")
    return framework.descendants(choice)


def _group(requirement: Requirement) -> str:
    return requirement.parent or requirement.ref


def _cell(row: MatrixRow) -> MatrixCell:
    return MatrixCell(
        relationship=row.relationship,
        effect=cell_effect(row.relationship),
        strength=row.strength,
        note=row.note,
        mapping_set=row.mapping_set,
        inferred_via=row.inferred_via,
        weak=row.weak,
    )


def _better(new: MatrixCell, old: MatrixCell | None) -> bool:
    """Direct beats inferred; then the stronger mapping wins the cell."""
    if old is None:
        return True
    if bool(new.inferred_via) != bool(old.inferred_via):
        return not new.inferred_via
    return (new.strength or 0) > (old.strength or 0)


def build_grid(
    library: Library,
    source: str,
    target: str,
    columns: str | None = None,
    via: Sequence[str] = (),
    all_sets: bool = False,
) -> MatrixGrid:
    """The grid of ``source`` x ``target``. By default only mapping sets that count for
    coverage (a set refined by a finer one is hidden); ``all_sets`` shows them too."""
    if source not in library.frameworks or target not in library.frameworks:
        raise MatrixError(f"both frameworks must be loaded: {source!r}, {target!r}")
    source_fw, target_fw = library.frameworks[source], library.frameworks[target]
    choices = column_choices(target_fw)
    choice = columns or choices[0][0]
    shown = _columns(target_fw, choice)
    shown_refs = {r.ref for r in shown}
    cells: dict[str, dict[str, MatrixCell]] = {}
    elsewhere: Counter[str] = Counter()
    for row in build_matrix(library, source, target, via):
        sets = [s for s in row.mapping_set.split(",") if s]
        if not all_sets and any(s not in library.coverage_sets for s in sets):
            continue
        line = cells.setdefault(row.source_ref, {})
        if not row.target_ref:
            continue
        if row.target_ref not in shown_refs:
            elsewhere[row.source_ref] += 1
            continue
        cell = _cell(row)
        if _better(cell, line.get(row.target_ref)):
            line[row.target_ref] = cell
    rows = []
    for requirement in source_fw:
        if requirement.ref not in cells:
            continue
        rows.append(
            MatrixLine(
                key=requirement.key,
                ref=requirement.ref,
                title=requirement.title,
                group=_group(requirement),
                cells=cells[requirement.ref],
                elsewhere=elsewhere[requirement.ref],
            )
        )
    headers = []
    previous = None
    for requirement in shown:
        group = _group(requirement)
        headers.append(
            MatrixHeader(
                requirement.key, requirement.ref, requirement.title, group, group != previous
            )
        )
        previous = group
    counts = Counter(c.effect for line in rows for c in line.cells.values())
    return MatrixGrid(
        source=source,
        source_name=source_fw.name,
        target=target,
        target_name=target_fw.name,
        columns_choice=choice,
        column_choices=choices,
        via=list(via),
        all_sets=all_sets,
        columns=headers,
        rows=rows,
        counts={effect: counts.get(effect, 0) for effect in EFFECTS},
        legend=dict(EFFECT_LABELS),
    )
