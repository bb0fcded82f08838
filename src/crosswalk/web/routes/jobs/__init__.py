"""Pages and JSON routes of the jobs area (see ``crosswalk.services.jobs``).

Thin clients: they parse, call ``crosswalk.services``, and format.
"""
