"""Automated evidence collectors: checks a machine runs, each returning evidence to store.

Imports only ``crosswalk.domain`` of ours, so any layer (services, the CLI) can use it;
storing the results as evidence is the caller's job.
"""

from crosswalk.collectors.base import (
    ENTRY_POINT_GROUP,
    Collector,
    CollectorError,
    CollectorParams,
    CollectorResult,
    available_collectors,
    get_collector,
    plugin_problems,
)
from crosswalk.collectors.config import (
    COLLECTORS_FORMAT,
    Declaration,
    DeclarationError,
    due_declarations,
    is_due,
    load_declarations,
    run_declaration,
)

__all__ = [
    "COLLECTORS_FORMAT",
    "ENTRY_POINT_GROUP",
    "Collector",
    "CollectorError",
    "CollectorParams",
    "CollectorResult",
    "Declaration",
    "DeclarationError",
    "available_collectors",
    "due_declarations",
    "get_collector",
    "is_due",
    "load_declarations",
    "plugin_problems",
    "run_declaration",
]
