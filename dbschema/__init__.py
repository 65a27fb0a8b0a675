"""Schema tooling shared by the workstation's store and the server's database.

Generic SQLAlchemy helpers only: no tables, no domain.  The client and the
server keep their own tables (they share core/ and the wire format, never
each other's tables); what they share here is how a schema is brought up to
date.
"""
