"""Background jobs: due collectors, the daily digest and other periodic work, run by
``crosswalk worker`` (a PostgreSQL queue shared by any number of workers, or one in-process
loop on SQLite), each run recorded for ``crosswalk jobs`` and the admin's Jobs page.

The top service area. May use every other (evidence for collectors, and whichever area
sends the digests).
"""
