"""Commands of the backup area (see ``crosswalk.services.backup``).

Thin clients: they parse, call ``crosswalk.services``, and format.
"""
