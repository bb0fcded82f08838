"""Commands of the notify area (see ``crosswalk.services.notify``).

Thin clients: they parse, call ``crosswalk.services``, and format.
"""
