"""Commands of the ai area (see ``crosswalk.services.ai``).

Thin clients: they parse, call ``crosswalk.services``, and format.
"""
