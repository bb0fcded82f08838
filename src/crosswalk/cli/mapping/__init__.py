"""Commands of the mapping area (see ``crosswalk.services.mapping``).

Thin clients: they parse, call ``crosswalk.services``, and format.
"""
