"""The crosswalk itself: the catalog library, framework and requirement queries, typed mapping
edges, lint, the matrix, open-format installs, and the review dates and flags that keep it honest.

Uses catalogs, io and the store; no other area.
"""
