"""The workspace as a whole, for operators: one archive holding a consistent snapshot of the
database, the evidence files it references, the audit trail's checkpoint and the workspace's
files; and the restore that checks all of it before a workspace appears.

May use every area below it (it reads the audit trail through evidence); uses the store.
"""
