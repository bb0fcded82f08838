"""Shared ground for the importer fuzz tests: how many cases to try, and what "nothing was
written" means.

Every importer must answer any input with success or a clean refusal (a ``CrosswalkError``
naming the file and where) and, on refusal, leave the workspace exactly as it was. CI runs a
short pass (``CROSSWALK_FUZZ_EXAMPLES``, default 40 per property); ``bench/bench_fuzz.py``
runs the same properties much longer.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import inspect, select, text

from crosswalk.store.workspace import Workspace

FUZZ_EXAMPLES = int(os.environ.get("CROSSWALK_FUZZ_EXAMPLES", "40"))

fuzz_settings = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=os.environ.get("CROSSWALK_FUZZ_RANDOM") != "1",
)
"""Derandomized in CI (the same cases every run, so a failure reproduces); the bench sets
``CROSSWALK_FUZZ_RANDOM=1`` to explore new cases."""

fuzz = pytest.mark.fuzz


def workspace_fingerprint(workspace: Workspace) -> dict[str, Any]:
    """Every table's rows, in a stable order: equal before and after a refused import."""
    with workspace.engine.connect() as connection:
        names = sorted(inspect(connection).get_table_names())
        snapshot: dict[str, Any] = {}
        for name in names:
            rows = connection.execute(select(text("*")).select_from(text(f'"{name}"'))).all()
            snapshot[name] = sorted(tuple(map(repr, row)) for row in rows)
        return snapshot
