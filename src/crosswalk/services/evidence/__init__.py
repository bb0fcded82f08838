"""Evidence collected once: the store of files and links, uploads, collectors' runs, freshness,
the SOC 2 Type 2 window and the audit trail.

May use controls, mapping and access.
"""
