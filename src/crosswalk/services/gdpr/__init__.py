"""GDPR beside the ISMS: the incident register with the Art. 33 breach clock and the
Art. 33(5) breach log.

May use isms (the asset inventory and the risk register it shares), evidence, controls,
mapping and access; the program area above it exports and applies its records.
"""
