"""Commands of the revisions area (see ``crosswalk.services.revisions``).

Thin clients: they parse, call ``crosswalk.services``, and format.
"""
