"""What the program covers: the gap analysis (one verdict function for every surface; ISO
clauses judged from the ISMS records), the crosswalk explorer and the control pages.

May use isms, evidence, controls, mapping and access.
"""
