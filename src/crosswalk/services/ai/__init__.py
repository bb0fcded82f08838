"""The EU AI Act for a company that builds and buys AI: the AI system inventory, each system's
role and risk tier with reasons, the obligations that apply with their dates, and how far the
ISMS already carries them.

May use coverage (the gap analysis's verdicts), isms (the assets a system runs on), evidence,
controls and mapping; sits beside the SoA and policies.
"""
