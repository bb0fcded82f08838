"""Commands for the ISMS scope records (being built; registers its commands in `register`)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
