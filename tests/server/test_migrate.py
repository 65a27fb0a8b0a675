"""A database made by an older server gets the new columns when a new server opens it."""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, inspect, text

from server.storage import ServerStore


def test_an_older_database_gets_the_new_columns(db_url):
    old = MetaData()
    Table("cases", old, Column("case_id", String(36), primary_key=True), Column("number", String(32)),
          Column("status", String(16), nullable=False), Column("category", String(8), nullable=False),
          Column("cell_code", String(15), nullable=False), Column("lon", Integer, nullable=False),
          Column("lat", Integer, nullable=False), Column("source", String(16), nullable=False),
          Column("description", String(200), nullable=False), Column("address", String(200), nullable=False),
          Column("version", Integer, nullable=False))
    engine = create_engine(db_url)
    old.create_all(engine)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO cases VALUES ('c1', '2026112100001', 'registered', 'E0102', "
                          "'110101001001001', 116, 39, 'hotline', 'x', 'y', 1)"))
    engine.dispose()
    store = ServerStore(db_url)
    columns = {c["name"] for c in inspect(store.engine).get_columns("cases")}
    assert {"extension_count", "ticket_id", "remaining_minutes", "callback_result"} <= columns
    with store.engine.connect() as conn:
        row = conn.execute(text("SELECT extension_count, rework_count, ticket_id FROM cases")).one()
    assert tuple(row) == (0, 0, None)
    store.close()
    ServerStore(db_url).close()  # a second start adds nothing and does not fail
