"""Commands of the isms area (see ``crosswalk.services.isms``).

Thin clients: they parse, call ``crosswalk.services``, and format.
"""
