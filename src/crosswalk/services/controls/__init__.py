"""The control library: controls and their tags, the inventory import, owner confirmations.

May use mapping.
"""
