"""Pages and JSON routes of the evidence area (see ``crosswalk.services.evidence``).

Thin clients: they parse, call ``crosswalk.services``, and format.
"""
