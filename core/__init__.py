"""Pure domain of GridDesk: no Qt, no database, no network.

Everything here is shared by the desktop client and the central server, so
that both apply exactly the same case rules, deadlines and codes.
"""
