"""Collectors from installed distributions, found through the ``crosswalk.collectors`` group."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from crosswalk.collectors import (
    CollectorError,
    DeclarationError,
    available_collectors,
    get_collector,
    load_declarations,
    plugin_problems,
    run_declaration,
)
from crosswalk.collectors.command import CommandCollector

PLUGIN = """
from typing import ClassVar

from pydantic import BaseModel

from crosswalk.collectors import Collector, CollectorParams, CollectorResult


class GreetingParams(CollectorParams):
    who: str


class GreetingCollector(Collector[GreetingParams]):
    name: ClassVar[str] = "NAME"
    Params: ClassVar[type[BaseModel]] = GreetingParams

    def collect(self, params: GreetingParams) -> CollectorResult:
        return CollectorResult(
            passed=True,
            summary=f"greeted {params.who}",
            content=f"hello {params.who}".encode(),
            media_type="text/plain",
            filename="greeting.txt",
        )
"""

Install = Callable[..., str]


@pytest.fixture
def install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Install]:
    """Put a distribution with one module and entry points on sys.path, as pip would."""
    modules: list[str] = []

    def make(dist: str, entry_points: dict[str, str], source: str = PLUGIN) -> str:
        module = f"crosswalk_test_{dist.replace('-', '_')}"
        site = tmp_path / f"site-{dist}"
        site.mkdir()
        (site / f"{module}.py").write_text(source, encoding="utf-8")
        info = site / f"{dist.replace('-', '_')}-1.0.dist-info"  # as wheels name it
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n", encoding="utf-8"
        )
        lines = [
            f"{name} = {target.replace('MODULE', module)}" for name, target in entry_points.items()
        ]
        (info / "entry_points.txt").write_text(
            "[crosswalk.collectors]\n" + "\n".join(lines) + "\n", encoding="utf-8"
        )
        monkeypatch.syspath_prepend(str(site))
        modules.append(module)
        return module

    yield make
    for module in modules:
        sys.modules.pop(module, None)


def test_an_installed_plugin_is_found_and_runs(install: Install, tmp_path: Path) -> None:
    install(
        "crosswalk-greeting",
        {"greeting": "MODULE:GreetingCollector"},
        PLUGIN.replace("NAME", "greeting"),
    )
    found = available_collectors()
    assert "greeting" in found
    assert found["command"] is CommandCollector  # built-ins stay
    declarations = tmp_path / "collectors.yaml"
    declarations.write_text(
        "format: crosswalk/collectors@1\ncollectors:\n"
        "  - {name: hi, collector: greeting, params: {who: auditor}, controls: [C-1],"
        " schedule: weekly}\n",
        encoding="utf-8",
    )
    (declaration,) = load_declarations(declarations)
    result = run_declaration(declaration)
    assert result.content == b"hello auditor"
    assert get_collector("greeting") is found["greeting"]


def test_plugin_parameters_are_checked_like_built_ins(install: Install, tmp_path: Path) -> None:
    install(
        "crosswalk-greeting",
        {"greeting": "MODULE:GreetingCollector"},
        PLUGIN.replace("NAME", "greeting"),
    )
    declarations = tmp_path / "collectors.yaml"
    declarations.write_text(
        "format: crosswalk/collectors@1\ncollectors:\n"
        "  - {name: hi, collector: greeting, params: {whom: x}, controls: [C-1],"
        " schedule: daily}\n",
        encoding="utf-8",
    )
    with pytest.raises(DeclarationError, match=r"collectors\[0\] \(hi\): params.who"):
        load_declarations(declarations)


def test_a_broken_plugin_is_reported_and_does_not_hide_the_others(install: Install) -> None:
    install("crosswalk-broken", {"broken": "MODULE:Missing"}, "x = 1\n")
    assert "broken" not in available_collectors()
    assert "command" in available_collectors()
    assert "crosswalk-broken" in plugin_problems()["broken"]
    with pytest.raises(CollectorError, match="installed but unusable"):
        get_collector("broken")


def test_a_plugin_must_be_what_it_says(install: Install) -> None:
    install(
        "crosswalk-liar", {"honest": "MODULE:GreetingCollector"}, PLUGIN.replace("NAME", "other")
    )
    assert "honest" not in available_collectors()
    assert "the class says 'other'" in plugin_problems()["honest"]


def test_a_plugin_cannot_replace_a_built_in(install: Install) -> None:
    install(
        "crosswalk-evil", {"command": "MODULE:GreetingCollector"}, PLUGIN.replace("NAME", "command")
    )
    assert get_collector("command") is CommandCollector
    assert any("replace a built-in" in reason for reason in plugin_problems().values())


def test_two_plugins_with_one_name_are_both_refused(install: Install) -> None:
    source = PLUGIN.replace("NAME", "greeting")
    install("crosswalk-one", {"greeting": "MODULE:GreetingCollector"}, source)
    install("crosswalk-two", {"greeting": "MODULE:GreetingCollector"}, source)
    assert "greeting" not in available_collectors()
    assert "provided by both" in plugin_problems()["greeting"]


def test_params_that_accept_anything_are_refused(install: Install) -> None:
    loose = PLUGIN.replace("NAME", "loose").replace(
        "class GreetingParams(CollectorParams):", "class GreetingParams(BaseModel):"
    )
    install("crosswalk-loose", {"loose": "MODULE:GreetingCollector"}, loose)
    assert 'extra="forbid"' in plugin_problems()["loose"]
