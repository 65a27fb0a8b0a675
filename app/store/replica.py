"""The workstation's local store: replica + outbox, over SQLite in WAL mode.

Threading: one ``LocalStore`` per thread.  The UI thread has its own and the
sync engine's worker thread has another on the same file; WAL lets the UI
read while the sync engine writes.  Every mutation runs in one transaction
and returns a ``ChangeSummary`` saying what changed, so views refresh from
that instead of re-reading everything.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import (
    Connection,
    bindparam,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError

from app.store import bulk, reference
from app.store import tables as t
from app.store.changes import ChangeSummary, OutboxEntry, QueueCounts, StoreError
from app.store.search import BULK_LOAD_KEY, ensure_search_schema
from app.store.tracks import add_track_points
from core.cases import (
    OPEN_STATUSES,
    CaseState,
    Command,
    CommandRejected,
    Role,
    RuleContext,
    apply_command,
)
from core.categories import CategoryTree
from core.resources import load_calendar, load_categories
from core.timeutil import now_iso
from core.worktime import WorkCalendar
from dbschema.entities import CASE
from dbschema.migrate import add_missing_columns

_CASE_COLUMNS = list(CASE.column_names)  # the case as the server has it

# Settling a push of a thousand commands: statements built once, not a
# ``.values(...)`` per row (SQLAlchemy's per-call coercion cost more than SQLite).
_OUTBOX_ENTRY = select(t.outbox.c.case_id, t.outbox.c.state).where(
    t.outbox.c.command_id == bindparam("command_id"))
_SETTLE_OUTBOX = update(t.outbox).where(t.outbox.c.command_id == bindparam("key_command_id"))
_SET_OFFICIAL_NUMBER = update(t.cases).where(
    t.cases.c.case_id == bindparam("key_case_id"), t.cases.c.number.is_(None))
_ONE_LESS_PENDING = update(t.cases).where(t.cases.c.case_id == bindparam("key_case_id")).values(
    pending=func.max(t.cases.c.pending - 1, 0))


# Columns of replicated tables that the server does not send, set on every row
# that comes from it: nothing is pending on a server row, and with nothing
# pending the row IS the server's last word (server_json stays NULL).
REPLICA_FIXED: dict[str, dict[str, Any]] = {
    "case": {"server_json": None, "pending": 0},
    "case_event": {"pending": 0},
}
SNAPSHOT_FORMAT = "1"
BULK_CACHE_KIB = -262144  # page cache while a snapshot is copied in (negative: KiB)


def _read_snapshot_layout(raw: sqlite3.Connection) -> tuple[int, dict[str, set[str]], dict[str, dict[str, Any]]]:
    """The attached snapshot's feed position, its entity tables' columns and
    the rows of entities without a table; ``StoreError`` if it is not one."""
    try:
        meta = dict(raw.execute("SELECT key, value FROM snap.snapshot_meta").fetchall())
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"not a snapshot: {exc}") from exc
    if meta.get("format") != SNAPSHOT_FORMAT:
        raise StoreError(f"snapshot format {meta.get('format')!r}; this client reads {SNAPSHOT_FORMAT}")
    try:
        seq = int(meta["seq"])
    except (KeyError, ValueError) as exc:
        raise StoreError("snapshot lacks its feed position") from exc
    columns = {}
    for (name,) in raw.execute("SELECT name FROM snap.sqlite_master WHERE type = 'table' AND name LIKE 'e\\_%' "
                               "ESCAPE '\\'").fetchall():
        columns[name[2:]] = {r[1] for r in raw.execute(f'PRAGMA snap.table_info("{name}")')}
    untabled: dict[str, dict[str, Any]] = {}
    for entity, entity_id, data in raw.execute("SELECT entity, entity_id, data FROM snap.feed_rows ORDER BY seq"):
        try:
            row = json.loads(data)
        except (TypeError, ValueError) as exc:
            raise StoreError(f"snapshot row {entity}/{entity_id} is not JSON") from exc
        if not isinstance(row, dict):
            raise StoreError(f"snapshot row {entity}/{entity_id} is not an object")
        untabled.setdefault(str(entity), {})[str(entity_id)] = row
    return seq, columns, untabled


class LocalStore:
    def __init__(self, path: str | Path, *, categories: CategoryTree | None = None,
                 calendar: WorkCalendar | None = None):
        self.path = Path(path)
        # Services built on this store that keep caches between calls (the
        # queue's search statistics), made once per store: app/services.
        self.service_cache: dict[Any, Any] = {}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.engine = create_engine(f"sqlite:///{self.path}", connect_args={"timeout": 30})

        @event.listens_for(self.engine, "connect")
        def _pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        t.metadata.create_all(self.engine)
        add_missing_columns(self.engine, t.metadata)
        ensure_search_schema(self.engine)  # the case search index and queue indexes
        self.categories = categories or load_categories()
        self.calendar = calendar or load_calendar()
        self.reference_versions: dict[str, str] = {}
        if categories is None and calendar is None:
            self.reload_reference()

    def reload_reference(self) -> bool:
        """Use the server's categories and calendar from the feed, if it has
        brought any; True if they changed."""
        with self.engine.connect() as conn:
            return self._use_reference(conn)

    def _use_reference(self, conn: Connection) -> bool:
        tree, calendar, versions = reference.load_reference(conn)
        if versions == self.reference_versions:
            return False
        self.categories = tree or self.categories
        self.calendar = calendar or self.calendar
        self.reference_versions = versions
        return True

    def close(self) -> None:
        self.engine.dispose()

    # ---- sync state ------------------------------------------------------

    def get_state(self, key: str, default: str | None = None) -> str | None:
        with self.engine.connect() as conn:
            value = conn.execute(select(t.sync_state.c.value).where(t.sync_state.c.key == key)).scalar_one_or_none()
        return default if value is None else value

    def set_state(self, key: str, value: str) -> None:
        with self.engine.begin() as conn:
            self._set_state(conn, key, value)

    @staticmethod
    def _set_state(conn: Connection, key: str, value: str) -> None:
        stmt = sqlite_insert(t.sync_state).values(key=key, value=value)
        conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": value}))

    def cursor(self) -> int:
        return int(self.get_state("change_cursor", "0") or 0)

    # ---- applying the change feed -----------------------------------------

    def apply_change_page(self, changes: Sequence[dict[str, Any]], new_cursor: int) -> ChangeSummary:
        """Apply one page of the server's change feed and move the cursor, in
        one transaction: a crash at any point resumes where it stopped.

        Each change is a full row, so applying one twice is harmless.  Cases
        with commands still pending here get those commands re-applied on
        top of the server's version (rebase)."""
        summary = ChangeSummary()
        by_entity: dict[str, dict[str, dict[str, Any]]] = {}
        for change in changes:
            entity = change["entity"]
            if entity not in t.REPLICATED:
                continue  # a newer server's entity this client does not know yet
            by_entity.setdefault(entity, {})[str(change["id"])] = change["data"]
        with self.engine.begin() as conn:
            current = int(conn.execute(select(t.sync_state.c.value).where(
                t.sync_state.c.key == "change_cursor")).scalar_one_or_none() or 0)
            if new_cursor < current:
                raise StoreError(f"change cursor would go back from {current} to {new_cursor}")
            if "reference" in by_entity:
                # First: the cases of this page are checked with these rules.
                reference.apply_reference_rows(conn, by_entity.pop("reference"))
                self._use_reference(conn)
                summary.entities.add("reference")
            for entity, rows in by_entity.items():
                summary.entities.add(entity)
                if entity == "case":
                    summary.cases |= self._apply_server_cases(conn, rows)
                else:
                    self._upsert(conn, entity, list(rows.values()))
                    if entity == "case_event":
                        summary.cases |= {r["case_id"] for r in rows.values()}
            self._set_state(conn, "change_cursor", str(new_cursor))
        return summary

    def _upsert(self, conn: Connection, entity: str, rows: list[dict[str, Any]]) -> None:
        table, key = t.REPLICATED[entity]
        bulk.upsert_rows(conn, table, key, rows, REPLICA_FIXED.get(entity))

    def apply_snapshot(self, path: Path) -> tuple[int, int, ChangeSummary]:
        """Copy a server snapshot file (server/storage/snapshot.py) into this
        store and move the change cursor to its position, in one
        transaction; returns the position, the rows copied and the summary.
        For a store that holds no cases yet (a new workstation).  Rows are
        copied by ``INSERT … SELECT`` inside SQLite: a million cases in
        seconds, where binding them from Python takes a quarter of a minute.
        A file that is not a snapshot this client understands raises
        ``StoreError`` and changes nothing."""
        summary = ChangeSummary()
        copied = 0
        with self.engine.connect() as conn:
            raw = conn.connection.driver_connection
            assert raw is not None
            try:
                raw.execute("ATTACH DATABASE ? AS snap", (Path(path).resolve().as_uri() + "?mode=ro",))
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"not a snapshot: {exc}") from exc
            # The case key index takes the rows in random order: with SQLite's
            # default 2 MB cache that thrashes (10 s for a million rows, 3 s
            # with the index in memory).  Given back afterwards.
            cache_size = raw.execute("PRAGMA main.cache_size").fetchone()[0]
            raw.execute(f"PRAGMA main.cache_size = {BULK_CACHE_KIB}")
            try:
                seq, columns, untabled = _read_snapshot_layout(raw)
                with conn.begin():
                    if conn.exec_driver_sql("SELECT EXISTS (SELECT 1 FROM cases)").scalar_one():
                        raise StoreError("a snapshot goes only into a store without cases")
                    for entity, (table, key) in t.REPLICATED.items():
                        sent = columns.get(entity)
                        if sent is None:
                            continue
                        if key not in sent:
                            raise StoreError(f"snapshot table of {entity} lacks its key {key}")
                        fixed = REPLICA_FIXED.get(entity, {})
                        names = [c.name for c in table.c if c.name in sent and c.name not in fixed]
                        target = ", ".join([*names, *fixed])
                        values = ", ".join([*names, *("?" for _ in fixed)])
                        updates = ", ".join(f"{c} = excluded.{c}" for c in [*names, *fixed] if c != key)
                        # "WHERE true": SQLite's rule for an upsert fed by a SELECT.
                        copied += conn.exec_driver_sql(
                            f"INSERT INTO {table.name} ({target}) SELECT {values} FROM snap.e_{entity} "
                            f"WHERE true ON CONFLICT({key}) DO UPDATE SET {updates}", tuple(fixed.values())).rowcount
                        summary.entities.add(entity)
                    if "reference" in untabled:
                        copied += len(reference.apply_reference_rows(conn, untabled.pop("reference")))
                        self._use_reference(conn)
                        summary.entities.add("reference")
                    for entity, rows in untabled.items():
                        if entity in t.REPLICATED:
                            self._upsert(conn, entity, list(rows.values()))
                            copied += len(rows)
                            summary.entities.add(entity)
                    self._set_state(conn, "change_cursor", str(seq))
                    summary.all_cases = True
            except (sqlite3.DatabaseError, DBAPIError) as exc:
                raise StoreError(f"the snapshot cannot be read: {exc}") from exc
            finally:
                conn.rollback()  # nothing open remains, so DETACH is allowed
                raw.execute("DETACH DATABASE snap")
                raw.execute(f"PRAGMA main.cache_size = {int(cache_size)}")
        return seq, copied, summary

    def _apply_server_cases(self, conn: Connection, rows: dict[str, dict[str, Any]]) -> set[str]:
        # Few cases ever have pending commands; a page has thousands of rows.
        pending_ids = set(conn.execute(select(t.outbox.c.case_id).where(
            t.outbox.c.state == "pending").distinct()).scalars()) & rows.keys()
        plain = []
        for case_id, data in rows.items():
            if case_id in pending_ids:
                self._rebase_case(conn, case_id, data)
            else:
                plain.append(data)
        # With nothing pending the row IS the server's last word, so
        # server_json stays NULL (half the bytes of a bulk download);
        # queue_command keeps a copy once a command is pending.
        bulk.upsert_rows(conn, t.cases, "case_id", plain, REPLICA_FIXED["case"])
        return set(rows)

    def _rebase_case(self, conn: Connection, case_id: str, server_data: dict[str, Any] | None) -> None:
        """Rebuild a case as the server's version plus this workstation's
        pending commands, in the order they were issued."""
        state = CaseState.from_dict(server_data) if server_data else None
        pending = conn.execute(select(t.outbox.c.body).where(
            t.outbox.c.case_id == case_id, t.outbox.c.state == "pending").order_by(t.outbox.c.position)).all()
        ctx = self._rule_context(conn, None)
        for (body,) in pending:
            command = Command.from_dict(json.loads(body))
            try:
                state, _event = apply_command(state, command, ctx)
            except CommandRejected:
                continue  # the server will reject it too; its answer is shown then
        if state is None:
            conn.execute(delete(t.cases).where(t.cases.c.case_id == case_id))
            return
        row = state.to_dict()
        row["server_json"] = json.dumps(server_data, ensure_ascii=False) if server_data else None
        row["pending"] = len(pending)
        if server_data and server_data.get("number"):
            row["number"] = server_data["number"]
        stmt = sqlite_insert(t.cases).values(**row)
        conn.execute(stmt.on_conflict_do_update(
            index_elements=["case_id"], set_={c: stmt.excluded[c] for c in row if c != "case_id"}))

    def _rule_context(self, conn: Connection, role: Role | None,
                      department_id: str | None = None) -> RuleContext:
        if role is None:
            # Rebasing replays commands the operator was allowed to issue.
            role = Role.ADMIN
        return RuleContext(
            role=role, categories=self.categories, calendar=self.calendar,
            user_department=department_id,
            department_exists=lambda d: conn.execute(select(t.departments.c.department_id).where(
                t.departments.c.department_id == d)).first() is not None,
            cell_exists=lambda c: conn.execute(select(t.cells.c.code).where(
                t.cells.c.code == c)).first() is not None,
        )

    # ---- commands and the outbox ------------------------------------------

    def check(self, command: Command, role: Role, department_id: str | None = None) -> None:
        """Raise CommandRejected if the case rules forbid ``command`` here and now."""
        with self.engine.connect() as conn:
            state = self._case_state(conn, command.case_id)
            from core.cases import check_command

            check_command(state, command, self._rule_context(conn, role, department_id))

    def queue_command(self, command: Command, role: Role, department_id: str | None = None) -> ChangeSummary:
        """Apply ``command`` optimistically and put it in the outbox, in one
        transaction.  Raises CommandRejected (and writes nothing) if the
        rules refuse it already here.  ``department_id``: the operator's,
        for a department user (who acts on its own cases only)."""
        with self.engine.begin() as conn:
            state = self._case_state(conn, command.case_id)
            new_state, case_event = apply_command(state, command,
                                                  self._rule_context(conn, role, department_id))
            row = new_state.to_dict()
            row["pending"] = (conn.execute(select(t.cases.c.pending).where(
                t.cases.c.case_id == command.case_id)).scalar_one_or_none() or 0) + 1
            if state is None:
                row["server_json"] = None
                conn.execute(insert(t.cases).values(**row))
            else:
                if row["pending"] == 1:
                    # Nothing was pending, so the row was the server's last
                    # word: keep it, a rejection rebases onto it.
                    row["server_json"] = json.dumps(state.to_dict(), ensure_ascii=False)
                conn.execute(update(t.cases).where(t.cases.c.case_id == command.case_id).values(**row))
            event_row = case_event.to_dict()
            event_row["detail"] = json.dumps(event_row["detail"], ensure_ascii=False)
            conn.execute(insert(t.case_events).values(**event_row, pending=1))
            conn.execute(insert(t.outbox).values(
                command_id=command.command_id, case_id=command.case_id, kind=command.kind.value,
                body=json.dumps(command.to_dict(), ensure_ascii=False), state="pending",
                created_at=now_iso()))
        return ChangeSummary(cases={command.case_id}, outbox=True)

    def pending_commands(self, limit: int = 500) -> list[OutboxEntry]:
        return self._outbox_entries(t.outbox.c.state == "pending", limit)

    def rejected_commands(self, *, unacknowledged_only: bool = True, limit: int = 200) -> list[OutboxEntry]:
        cond = t.outbox.c.state == "rejected"
        if unacknowledged_only:
            cond = cond & t.outbox.c.acknowledged_by.is_(None)
        return self._outbox_entries(cond, limit)

    def _outbox_entries(self, condition, limit: int) -> list[OutboxEntry]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.outbox).where(condition).order_by(t.outbox.c.position).limit(limit)).mappings().all()
        return [OutboxEntry(r["position"], Command.from_dict(json.loads(r["body"])), r["state"],
                            r["created_at"], r["resolved_at"],
                            json.loads(r["result"]) if r["result"] else None) for r in rows]

    def record_results(self, results: Iterable[dict[str, Any]]) -> ChangeSummary:
        """Settle outbox entries with the server's answers.  A rejected
        command's optimistic effect is taken back; the rejection stays in the
        outbox, unacknowledged, until a person has seen it."""
        summary = ChangeSummary(outbox=True)
        resolved_at = now_iso()
        with self.engine.begin() as conn:
            for result in results:
                command_id = str(result.get("command_id"))
                outcome = result.get("outcome")
                if outcome not in ("accepted", "rejected"):
                    raise StoreError(f"server answered {outcome!r} for command {command_id}")
                row = conn.execute(_OUTBOX_ENTRY, {"command_id": command_id}).first()
                if row is None or row.state != "pending":
                    continue
                conn.execute(_SETTLE_OUTBOX, {"key_command_id": command_id, "state": outcome,
                                              "resolved_at": resolved_at,
                                              "result": json.dumps(result, ensure_ascii=False)})
                summary.cases.add(row.case_id)
                if outcome == "accepted":
                    summary.accepted.append(command_id)
                    if result.get("number"):
                        conn.execute(_SET_OFFICIAL_NUMBER, {"key_case_id": row.case_id, "number": result["number"]})
                    conn.execute(_ONE_LESS_PENDING, {"key_case_id": row.case_id})
                else:
                    summary.rejected.append(command_id)
                    conn.execute(delete(t.case_events).where(t.case_events.c.event_id == command_id,
                                                             t.case_events.c.pending == 1))
                    server_json = conn.execute(select(t.cases.c.server_json).where(
                        t.cases.c.case_id == row.case_id)).scalar_one_or_none()
                    self._rebase_case(conn, row.case_id, json.loads(server_json) if server_json else None)
        return summary

    def acknowledge_rejection(self, command_id: str, username: str) -> ChangeSummary:
        with self.engine.begin() as conn:
            conn.execute(update(t.outbox).where(t.outbox.c.command_id == command_id).values(
                acknowledged_by=username))
        return ChangeSummary(outbox=True)

    def next_provisional_number(self, workstation: str, day: str) -> str:
        """A number for a case registered here before the server has seen it."""
        key = f"provisional:{day}"
        with self.engine.begin() as conn:
            last = int(conn.execute(select(t.sync_state.c.value).where(
                t.sync_state.c.key == key)).scalar_one_or_none() or 0)
            self._set_state(conn, key, str(last + 1))
        return f"{workstation}-{day}-{last + 1:04d}"

    # ---- positions ---------------------------------------------------------

    def apply_positions(self, rows: Sequence[dict[str, Any]], cursor: int) -> ChangeSummary:
        """Keep each vehicle's newest fix by device time; move the position cursor."""
        newest: dict[str, dict[str, Any]] = {}
        names = [c.name for c in t.vehicle_positions.c]
        for row in rows:
            vid = row["vehicle_id"]
            if vid not in newest or row["device_time"] >= newest[vid]["device_time"]:
                newest[vid] = {k: row[k] for k in names}
        with self.engine.begin() as conn:
            if newest:
                stmt = sqlite_insert(t.vehicle_positions)
                conn.execute(stmt.on_conflict_do_update(
                    index_elements=["vehicle_id"],
                    set_={c: stmt.excluded[c] for c in names if c != "vehicle_id"},
                    where=stmt.excluded.device_time >= t.vehicle_positions.c.device_time),
                    list(newest.values()))

            add_track_points(conn, rows)  # every fix, for tracks without holes
            self._set_state(conn, "position_cursor", str(cursor))
        return ChangeSummary(positions=len(rows), entities={"position"} if rows else set())

    def position_cursor(self) -> int | None:
        value = self.get_state("position_cursor")
        return None if value is None else int(value)

    # ---- reads for the views -------------------------------------------------

    def _case_state(self, conn: Connection, case_id: str) -> CaseState | None:
        row = conn.execute(select(*[t.cases.c[c] for c in _CASE_COLUMNS]).where(
            t.cases.c.case_id == case_id)).mappings().first()
        return CaseState.from_dict(dict(row)) if row else None

    def case(self, case_id: str) -> CaseState | None:
        with self.engine.connect() as conn:
            return self._case_state(conn, case_id)

    def case_pending(self, case_id: str) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(t.cases.c.pending).where(t.cases.c.case_id == case_id)).scalar_one_or_none() or 0)

    def find_case(self, number: str) -> CaseState | None:
        """By official or provisional number: both stay searchable."""
        with self.engine.connect() as conn:
            case_id = conn.execute(select(t.cases.c.case_id).where(
                (t.cases.c.number == number) | (t.cases.c.provisional_number == number))).scalar_one_or_none()
            return self._case_state(conn, case_id) if case_id else None

    def case_events(self, case_id: str) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.case_events).where(t.case_events.c.case_id == case_id)
                                .order_by(t.case_events.c.version, t.case_events.c.at)).mappings().all()
        return [{**r, "detail": json.loads(r["detail"])} for r in rows]

    QUEUE_SORTS = {"deadline": t.cases.c.deadline, "number": t.cases.c.number,
                   "registered": t.cases.c.registered_at, "status": t.cases.c.status,
                   "category": t.cases.c.category, "cell": t.cases.c.cell_code,
                   "department": t.cases.c.department_id}

    def open_case_ids(self, sort: str = "deadline", descending: bool = False) -> list[str]:
        """Ids of open cases, sorted in SQL (never in a proxy model)."""
        column = self.QUEUE_SORTS[sort]
        order = column.desc() if descending else column.asc()
        with self.engine.connect() as conn:
            return list(conn.execute(select(t.cases.c.case_id).where(
                t.cases.c.status.in_([s.value for s in OPEN_STATUSES]))
                .order_by(column.is_(None), order, t.cases.c.case_id)).scalars())

    def case_rows(self, case_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Queue rows for a page of ids, with the department name resolved."""
        if not case_ids:
            return {}
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.cases.c.case_id, t.cases.c.number, t.cases.c.provisional_number,
                       t.cases.c.status, t.cases.c.category, t.cases.c.cell_code,
                       t.cases.c.department_id, t.departments.c.name.label("department_name"),
                       t.cases.c.deadline, t.cases.c.registered_at, t.cases.c.pending,
                       t.cases.c.lon, t.cases.c.lat, t.cases.c.description, t.cases.c.address,
                       t.cases.c.source)
                .outerjoin(t.departments, t.departments.c.department_id == t.cases.c.department_id)
                .where(t.cases.c.case_id.in_(list(case_ids)))).mappings().all()
        return {r["case_id"]: dict(r) for r in rows}

    def open_case_points(self, case_ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """Where the open, located cases are; only among ``case_ids`` when
        given (the map re-reads just the cases a change names)."""
        query = (select(t.cases.c.case_id, t.cases.c.lon, t.cases.c.lat, t.cases.c.deadline, t.cases.c.status)
                 .where(t.cases.c.status.in_([s.value for s in OPEN_STATUSES]),
                        t.cases.c.cell_code != ""))  # a reported case may not be located yet
        with self.engine.connect() as conn:
            if case_ids is None:
                return [dict(r) for r in conn.execute(query).mappings()]
            ids, rows = list(case_ids), []
            for start in range(0, len(ids), 500):  # within SQLite's bound-parameter limit
                rows += [dict(r) for r in conn.execute(
                    query.where(t.cases.c.case_id.in_(ids[start:start + 500]))).mappings()]
            return rows

    # The status bar asks every second: one prepared statement; open cases
    # from the per-status counters (app/store/search.py), overdue ones by a
    # range of the (status, deadline) index.
    _COUNTS_SQL = (
        # ... unless an initial download in bulk has set the counters aside
        # (app/store/bulk_load.py); then the cases themselves are counted.
        f"SELECT CASE WHEN EXISTS (SELECT 1 FROM sync_state WHERE key = '{BULK_LOAD_KEY}') "
        f"THEN (SELECT count(*) FROM cases WHERE {t.QUEUE_OPEN_PREDICATE}) "
        f"ELSE (SELECT coalesce(sum(n), 0) FROM case_status_counts WHERE {t.QUEUE_OPEN_PREDICATE}) END, "
        f"(SELECT count(*) FROM cases WHERE {t.QUEUE_OPEN_PREDICATE} AND deadline < ?), "
        "(SELECT count(*) FROM outbox WHERE state = 'pending'), "
        "(SELECT count(*) FROM outbox WHERE state = 'rejected' AND acknowledged_by IS NULL)")

    def counts(self, now: str | None = None) -> QueueCounts:
        now = now or now_iso()
        with self.engine.connect() as conn:
            open_count, overdue, waiting, rejected = conn.exec_driver_sql(self._COUNTS_SQL, (now,)).one()
        return QueueCounts(int(open_count), int(overdue), int(waiting), int(rejected))

    def departments(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(select(t.departments).order_by(t.departments.c.department_id)).mappings()]

    def cell(self, code: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.cells).where(t.cells.c.code == code)).mappings().first()
        return dict(row) if row else None

    def cell_rings(self) -> list[tuple[str, list[list[float]]]]:
        """Every cell's (code, ring), in code order.  One fetch, orjson:
        59k rings in a few tens of milliseconds (json.loads per ring took ten
        times that, the first thing the main window waited for)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.cells.c.code, t.cells.c.ring).order_by(t.cells.c.code)).all()
        return [(code, orjson.loads(ring)) for code, ring in rows]

    def district(self) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.regions).where(t.regions.c.level == "district")).mappings().first()
        return dict(row) if row else None

    def region_names(self) -> dict[str, str]:
        with self.engine.connect() as conn:
            return {r.code: r.name for r in conn.execute(select(t.regions.c.code, t.regions.c.name))}

    def vehicles_with_positions(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(
                select(t.vehicles.c.vehicle_id, t.vehicles.c.plate, t.vehicles.c.kind,
                       t.vehicle_positions.c.lon, t.vehicle_positions.c.lat,
                       t.vehicle_positions.c.heading, t.vehicle_positions.c.speed_kmh,
                       t.vehicle_positions.c.device_time, t.vehicle_positions.c.flags,
                       t.vehicle_positions.c.alarm)
                .join(t.vehicle_positions, t.vehicle_positions.c.vehicle_id == t.vehicles.c.vehicle_id)).mappings()]

    def user(self, username: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.users).where(t.users.c.username == username)).mappings().first()
        return dict(row) if row else None

    def row_counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            return {name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
                    for name, table in t.metadata.tables.items()}

    def suggested_department(self, category_key: str, cell_code: str) -> str | None:
        """Who should get a case: a department of the category's kind, else
        the cell's responsible department (events go to the locality)."""
        category = self.categories.get(category_key)
        with self.engine.connect() as conn:
            if category is not None:
                dept = conn.execute(select(t.departments.c.department_id).where(
                    t.departments.c.kind == category.department_kind).order_by(
                    t.departments.c.department_id)).first()
                if dept is not None and category.department_kind != "street_office":
                    return dept[0]
            cell_dept = conn.execute(select(t.cells.c.department_id).where(t.cells.c.code == cell_code)).scalar_one_or_none()
        return cell_dept
