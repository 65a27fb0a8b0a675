"""Schema shared by the workstation's store and the server's database.

``entities``: the one declaration of each replicated entity (its feed name,
table, columns and shared indexes), from which both sides build their
tables, each adding only what is its own.  ``migrate``: how an existing
database is brought up to a schema.  SQLAlchemy and the standard library
only: no code of the client or the server, no domain rules (those are in
core/).
"""
