"""Commands of the access area (see ``crosswalk.services.access``).

Thin clients: they parse, call ``crosswalk.services``, and format.
"""
