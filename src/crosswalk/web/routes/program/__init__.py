"""Pages and JSON routes of the program area (see ``crosswalk.services.program``).

Thin clients: they parse, call ``crosswalk.services``, and format.
"""
