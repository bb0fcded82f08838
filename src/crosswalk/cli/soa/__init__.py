"""Commands of the soa area (see ``crosswalk.services.soa``).

Thin clients: they parse, call ``crosswalk.services``, and format.
"""
