"""Who may do what: users, roles, sign-in sessions and the permission checks every client asks.

Uses the store only; no other area (every area may ask it).
"""
