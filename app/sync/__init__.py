"""Sync with the central server: the one home of the client's network code."""
