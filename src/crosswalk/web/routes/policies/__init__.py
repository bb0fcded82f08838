"""Pages and JSON routes of the policies area (see ``crosswalk.services.policies``).

Thin clients: they parse, call ``crosswalk.services``, and format.
"""
