"""Pages of the notify area (see ``crosswalk.services.notify``): the unsubscribe link.

Thin clients: they parse, call ``crosswalk.services``, and format.
"""
