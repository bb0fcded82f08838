"""The ISO management system records: scope and assets, risks and the method, internal audits,
management reviews, nonconformities, objectives, and how long each has run (readiness).

May use evidence, controls, mapping and access (the gap analysis reads these records, so not
coverage; the SoA, which needs the gap analysis, is its own area above).
"""
