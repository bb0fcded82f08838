"""Crosswalk: one compliance program for several frameworks, linked by typed, explained mappings."""

__version__ = "0.1.0"
