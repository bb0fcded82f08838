"""The ISO management system records: scope and assets, risks and the method, the SoA, internal
audits, management reviews, nonconformities, objectives and readiness.

May use coverage, evidence, controls, mapping and access.
"""
