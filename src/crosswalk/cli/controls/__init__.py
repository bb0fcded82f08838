"""Commands of the controls area (see ``crosswalk.services.controls``).

Thin clients: they parse, call ``crosswalk.services``, and format.
"""
