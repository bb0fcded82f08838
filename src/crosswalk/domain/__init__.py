"""Plain types and rules of the crosswalk.

Imports nothing else of ours, so every layer can use it.
"""
