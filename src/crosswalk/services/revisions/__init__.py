"""Framework revisions: diff two versions of a framework and migrate the control library, the
SoA and the risks across them.

May use every area below it (isms, policies, coverage, evidence, controls, mapping, access).
"""
