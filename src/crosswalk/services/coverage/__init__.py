"""What the program covers: the gap analysis (one verdict function for every surface), the
crosswalk explorer and the control pages that combine tags, evidence and confirmations.

May use evidence, controls, mapping and access.
"""
