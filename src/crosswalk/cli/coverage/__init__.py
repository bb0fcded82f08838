"""Commands of the coverage area (see ``crosswalk.services.coverage``).

Thin clients: they parse, call ``crosswalk.services``, and format.
"""
