"""The whole program at once: the dashboard and the program files (export, apply) that carry
every area.

May use every area below it (isms, policies, coverage, evidence, controls, mapping, access).
"""
