"""The case search index, the status counters and the queue's indexes,
in new stores and in stores an older client made.

Search must find Chinese substrings of any length in a case's numbers,
address and description.  An FTS5 ``trigram`` table indexes every three
characters; SQLite 3.40 finds nothing for one- or two-character queries in
it, so those go through the same index's vocabulary instead: every text is
indexed with two separator characters at its end, so each one- or
two-character substring starts at least one trigram, and the trigrams that
start with the query (a range of the vocabulary) name the documents
(app/services/queue.py does the querying).

The table is contentless with ``detail=none`` (the document list only, no
positions): the text already lives in ``cases``, and matches are confirmed
there.  Triggers on ``cases`` keep it in step inside the writing
transaction, whoever writes (the sync engine's bulk upserts, a rebase, an
optimistic local command).  Its rowids are the ``cases`` rowids: a VACUUM
may renumber those (the table has no INTEGER PRIMARY KEY), so anything that
vacuums the store must call ``rebuild_search_index`` afterwards.

Threading: ``ensure_search_schema`` runs once when a store is opened, on the
opening thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, text

from app.store import tables as t

SEARCH_TABLE = "case_search"
VOCAB_TABLE = "case_search_vocab"
# Bump when the indexed text changes: the index is then rebuilt on open.
SEARCH_VERSION = "2"
# In sync_state while an initial download has set the indexes, the search
# index and the counters aside (app/store/bulk_load.py).
BULK_LOAD_KEY = "bulk_load"
SEPARATOR = "\x1f"  # between fields and twice at the end; never part of a query


def search_text_sql(row: str) -> str:
    """The indexed text of a ``cases`` row as SQL (``row`` is new, old or a
    table name): lower-cased ASCII, fields joined by the separator.  The
    address is left out when the description already holds it (it usually
    opens with it): trigrams are most of the cost of indexing a case."""
    address = f"coalesce({row}.address, '')"
    description = f"coalesce({row}.description, '')"
    return (f"lower(coalesce({row}.number, '') || char(31) || coalesce({row}.provisional_number, '')"
            f" || char(31) || CASE WHEN instr({description}, {address}) > 0 THEN '' ELSE {address} END"
            f" || char(31) || {description} || char(31, 31))")


def _ddl() -> list[str]:
    new, old = search_text_sql("new"), search_text_sql("old")
    return [
        f"CREATE VIRTUAL TABLE {SEARCH_TABLE} USING fts5(body, tokenize='trigram', content='', "
        "detail='none', columnsize=0)",
        f"CREATE VIRTUAL TABLE {VOCAB_TABLE} USING fts5vocab({SEARCH_TABLE}, 'row')",
        f"CREATE TRIGGER case_search_insert AFTER INSERT ON cases BEGIN "
        f"INSERT INTO {SEARCH_TABLE}(rowid, body) VALUES (new.rowid, {new}); END",
        f"CREATE TRIGGER case_search_delete AFTER DELETE ON cases BEGIN "
        f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}, rowid, body) VALUES ('delete', old.rowid, {old}); END",
        # The feed's upserts SET every column; only a changed text re-indexes.
        f"CREATE TRIGGER case_search_update AFTER UPDATE OF number, provisional_number, address, "
        f"description ON cases WHEN {old} IS NOT {new} BEGIN "
        f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}, rowid, body) VALUES ('delete', old.rowid, {old}); "
        f"INSERT INTO {SEARCH_TABLE}(rowid, body) VALUES (new.rowid, {new}); END",
    ]


_OBJECTS = (("trigger", "case_search_insert"), ("trigger", "case_search_delete"),
            ("trigger", "case_search_update"), ("table", SEARCH_TABLE), ("table", VOCAB_TABLE))

_BUMP = ("INSERT INTO case_status_counts(status, n) VALUES (new.status, 1) "
         "ON CONFLICT(status) DO UPDATE SET n = n + 1;")
_DROP = "UPDATE case_status_counts SET n = n - 1 WHERE status = old.status;"
_COUNT_TRIGGERS = {
    "case_counts_insert": f"AFTER INSERT ON cases BEGIN {_BUMP} END",
    "case_counts_delete": f"AFTER DELETE ON cases BEGIN {_DROP} END",
    "case_counts_update": f"AFTER UPDATE OF status ON cases WHEN old.status IS NOT new.status "
                          f"BEGIN {_DROP} {_BUMP} END",
}


def _build_counts(conn: Connection) -> None:
    for name in _COUNT_TRIGGERS:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    for name, body in _COUNT_TRIGGERS.items():
        conn.exec_driver_sql(f"CREATE TRIGGER {name} {body}")
    conn.exec_driver_sql("DELETE FROM case_status_counts")
    conn.exec_driver_sql("INSERT INTO case_status_counts(status, n) SELECT status, count(*) FROM cases "
                         "GROUP BY status")


def _drop(conn: Connection) -> None:
    for kind, name in _OBJECTS:
        conn.exec_driver_sql(f"DROP {kind.upper()} IF EXISTS {name}")


def _build(conn: Connection) -> None:
    for statement in _ddl():
        conn.exec_driver_sql(statement)
    conn.exec_driver_sql(f"INSERT INTO {SEARCH_TABLE}(rowid, body) SELECT rowid, "
                         f"{search_text_sql('cases')} FROM cases")
    conn.execute(text("INSERT INTO sync_state(key, value) VALUES ('search_index_version', :v) "
                      "ON CONFLICT(key) DO UPDATE SET value = excluded.value"), {"v": SEARCH_VERSION})


def _missing(conn: Connection) -> tuple[bool, bool, list[str]]:
    """(search index to rebuild, counters to rebuild, indexes to create)."""
    present = {(r[0], r[1]) for r in conn.exec_driver_sql(
        "SELECT type, name FROM sqlite_master WHERE type IN ('table', 'trigger', 'index')")}
    version = conn.exec_driver_sql(
        "SELECT value FROM sync_state WHERE key = 'search_index_version'").scalar_one_or_none()
    search = bool(version != SEARCH_VERSION or any(obj not in present for obj in _OBJECTS))
    counts = any(("trigger", name) not in present for name in _COUNT_TRIGGERS)
    indexes = [str(i.name) for table in (t.cases, t.case_events) for i in table.indexes
               if i.name and ("index", str(i.name)) not in present]
    return search, counts, indexes


def ensure_search_schema(engine: Engine, *, bulk_finish: bool = False) -> None:
    """Create what a store opened by an older client lacks: the search
    index (filled from the cases already there), the status counters and
    the queue's indexes.  Cheap when everything is in place.

    While a bulk download has them set aside (``BULK_LOAD_KEY``, see
    app/store/bulk_load.py) only its finish (``bulk_finish``) builds them, on
    a thread of its own: opening the store, on the UI thread too, must not
    start twenty-odd sorts of a million cases.  One transaction per piece,
    so the workstation's writes wait for the piece under way, not the whole."""
    with engine.connect() as conn:
        if not bulk_finish and conn.exec_driver_sql(
                "SELECT 1 FROM sync_state WHERE key = ?", (BULK_LOAD_KEY,)).first() is not None:
            return
        search, counts, indexes = _missing(conn)
    if not (search or counts or indexes):
        return
    if counts:
        with _locked(engine) as conn:
            if _missing(conn)[1]:
                _build_counts(conn)
    if search:
        with _locked(engine) as conn:
            if _missing(conn)[0]:
                _drop(conn)
                _build(conn)
    for table in (t.cases, t.case_events):
        for index in table.indexes:
            if index.name not in indexes:
                continue
            with _locked(engine) as conn:
                if index.name in _missing(conn)[2]:
                    index.create(conn)


@contextmanager
def _locked(engine: Engine) -> Iterator[Connection]:
    with engine.begin() as conn:
        # Write first, so this transaction holds the write lock before it
        # looks again: another store opening the same file may have just
        # done the work (WAL would refuse a read snapshot upgraded late).
        conn.exec_driver_sql("UPDATE sync_state SET value = value WHERE key = 'search_index_version'")
        yield conn


def rebuild_search_index(engine: Engine) -> None:
    """Drop and rebuild the search index from ``cases`` (after a VACUUM)."""
    with engine.begin() as conn:
        _drop(conn)
        _build(conn)
