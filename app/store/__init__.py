"""The workstation's persistence: the local SQLite replica, its outbox and
ledger, search, bulk load, integrity sums, vehicle tracks and tile files.

No Qt, no HTTP: everything here runs on whichever thread owns the connection.
"""
