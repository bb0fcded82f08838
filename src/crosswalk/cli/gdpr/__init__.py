"""Commands of the gdpr area (see ``crosswalk.services.gdpr``).

Thin clients: they parse, call ``crosswalk.services``, and format.
"""
