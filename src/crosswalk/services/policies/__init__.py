"""The policy library: policies in force, their review dates, and the check for duplicates and
conflicts.

May use the areas below it (coverage, isms, evidence, controls, mapping, access); not soa.
"""
