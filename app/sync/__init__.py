"""Keeping the replica in step with the central server: the sync engine (pull
changes, push commands, snapshot download), its Qt driver and the live
position link.  They reach the server through app/net and write through
app/store."""
