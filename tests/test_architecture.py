"""The house rules of docs/architecture.md, checked on the code itself so they cannot drift.

import-linter (run by scripts/test.sh) checks who imports whom; these tests check what
import-linter cannot see: the shape of the rooms, the size of modules, and that what a
client receives from a service is a plain result, never a database row.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from crosswalk.store.models import Base

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "src" / "crosswalk"
CLIENTS = ("cli", "web", "demo")
MAX_LINES = 600


def _modules(folder: Path) -> Iterator[Path]:
    yield from sorted(p for p in folder.rglob("*.py") if "migrations" not in p.parts)


def _orm_names() -> set[str]:
    return {mapper.class_.__name__ for mapper in Base.registry.mappers}


def _areas(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if (p / "__init__.py").is_file()}


def test_no_module_is_over_600_lines() -> None:
    long = {
        str(path.relative_to(REPO)): n
        for path in _modules(PACKAGE)
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}, f"split these by noun: {long}"


def test_every_service_area_says_what_it_is_and_what_it_may_use() -> None:
    areas = _areas(PACKAGE / "services")
    assert {"mapping", "controls", "evidence", "coverage", "isms", "program"} <= areas
    for area in areas:
        doc = ast.get_docstring(
            ast.parse((PACKAGE / "services" / area / "__init__.py").read_text())
        )
        assert doc, f"services/{area}/__init__.py has no docstring"
        assert re.search(r"\b(May use|Uses)\b", doc), f"services/{area}: say what it may use"


def test_commands_and_pages_live_in_the_rooms_of_the_services() -> None:
    services = _areas(PACKAGE / "services")
    for client in (PACKAGE / "cli", PACKAGE / "web" / "routes", PACKAGE / "web" / "templates"):
        rooms = {p.name for p in client.iterdir() if p.is_dir() and not p.name.startswith("_")}
        assert rooms, client
        assert rooms <= services, f"{client.relative_to(REPO)} has rooms no service area has"
        loose = sorted(
            p.name
            for p in client.glob("*.py")
            if p.name not in {"__init__.py", "app.py", "context.py", "output.py"}
        )
        assert loose == [], f"{client.relative_to(REPO)}: put these in an area: {loose}"


def _service_imports(path: Path) -> Iterator[tuple[str, str, int]]:
    """(module, name, line) for every ``from crosswalk.services... import name``, nested too."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "crosswalk.services."
        ):
            for alias in node.names:
                yield node.module or "", alias.name, node.lineno


def _names_in(annotation: Any) -> set[str]:
    return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", str(annotation)))


def _rows_reached(module: Any, annotation: Any, orm: set[str], seen: set[str]) -> set[str]:
    """ORM class names in an annotation, following the module's dataclasses it names."""
    found = _names_in(annotation) & orm
    for name in _names_in(annotation) - seen:
        seen.add(name)
        value = getattr(module, name, None)
        if isinstance(value, type) and dataclasses.is_dataclass(value):
            owner = importlib.import_module(value.__module__)
            for item in dataclasses.fields(value):
                found |= _rows_reached(owner, item.type, orm, seen)
    return found


def test_clients_receive_plain_results_never_rows() -> None:
    """Every service function a client imports returns no ORM row, not even nested in a
    dataclass (the ``*_row`` functions kept for other services are caught the same way)."""
    orm = _orm_names()
    assert {"ControlRow", "EvidenceRow", "UserRow", "SoaEntryRow"} <= orm
    problems = []
    checked = 0
    for client in CLIENTS:
        for path in _modules(PACKAGE / client):
            where = path.relative_to(REPO)
            for module_name, name, line in _service_imports(path):
                module = importlib.import_module(module_name)
                value = getattr(module, name, None)
                if not callable(value) or isinstance(value, type):
                    continue
                returns = getattr(value, "__annotations__", {}).get("return")
                if returns is None:
                    continue
                checked += 1
                rows = _rows_reached(module, returns, orm, set())
                if rows:
                    problems.append(
                        f"{where}:{line} {module_name}.{name} returns {sorted(rows)}: "
                        "return a frozen dataclass view instead"
                    )
    assert checked > 100, f"only {checked} service functions found: is the walk broken?"
    assert problems == [], "\n".join(problems)


@dataclasses.dataclass(frozen=True)
class _LeakyView:
    """A view that smuggles a row out: the fault the check above must catch."""

    title: str
    control: ControlRow  # type: ignore[name-defined]  # noqa: F821  (a string, never evaluated)


def test_the_row_check_catches_a_row() -> None:
    """The check above is not vacuous: a returned row is caught, also inside a dataclass."""
    orm = _orm_names()
    here = sys.modules[__name__]
    assert _rows_reached(here, "ControlRow | None", orm, set()) == {"ControlRow"}
    assert _rows_reached(here, "list[_LeakyView]", orm, set()) == {"ControlRow"}
    assert _rows_reached(here, "list[str] | None", orm, set()) == set()
