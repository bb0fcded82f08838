"""The Statement of Applicability: its versions, rows, edits and approval, seeded from the gap
analysis and tied to the risks each row treats.

May use coverage, isms, evidence, controls, mapping and access; not policies.
"""
