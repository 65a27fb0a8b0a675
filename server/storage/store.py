"""The server's store: the system of record.

Threading: a ``ServerStore`` is shared by the API's worker threads and the
gateway's writer; every method opens its own connection from the pool and
runs one transaction, so methods may be called from any thread.
"""

from __future__ import annotations

import hmac
import json
import secrets
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    bindparam,
    create_engine,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError

from core.cases import (
    ENDPOINT_ONLY,
    CaseState,
    Command,
    CommandKind,
    CommandRejected,
    MalformedCommand,
    Role,
    RuleContext,
    apply_command,
)
from core.categories import CategoryTree
from core.passwords import hash_password, verify_password
from core.positions import PositionFix
from core.resources import load_calendar, load_categories
from core.timeutil import from_iso, now_iso
from core.worktime import WorkCalendar
from dbschema.migrate import add_missing_columns, add_missing_indexes
from server.storage import positions
from server.storage import schema as s

CHANGE_PAGE_MAX = 20000  # pages this big keep an initial download of a million rows fast
COMMANDS_PER_TRANSACTION = 100

# The command path's statements, built once: building a statement with
# ``.values(**row)`` per command cost more than the rules and SQLite together
# (SQLAlchemy coerces every value and computes a cache key each time).
_COMMAND_RESULT = select(s.commands.c.result).where(s.commands.c.command_id == bindparam("command_id"))
_INSERT_COMMAND = insert(s.commands)
_CASE_BY_ID = select(s.cases).where(s.cases.c.case_id == bindparam("case_id"))
_CASE_OF_TICKET = select(s.cases.c.case_id).where(s.cases.c.ticket_id == bindparam("ticket_id"))
_DEPARTMENT_EXISTS = select(s.departments.c.department_id).where(
    s.departments.c.department_id == bindparam("department_id"))
_CELL_EXISTS = select(s.cells.c.code).where(s.cells.c.code == bindparam("code"))
_INSERT_CASE = insert(s.cases)
_UPDATE_CASE = update(s.cases).where(s.cases.c.case_id == bindparam("key_case_id"))
_INSERT_EVENT = insert(s.case_events)
_LAST_SEQ = select(s.change_counter.c.last_seq).where(s.change_counter.c.id == 1)
_SET_LAST_SEQ = update(s.change_counter).where(s.change_counter.c.id == 1)
_INSERT_CHANGES = insert(s.changes)


@dataclass(frozen=True)
class Change:
    seq: int
    entity: str
    entity_id: str
    data: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "entity": self.entity, "id": self.entity_id, "data": self.data}


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


class ServerStore:
    def __init__(self, url: str, *, categories: CategoryTree | None = None,
                 calendar: WorkCalendar | None = None):
        self.url = url
        self.engine = make_engine(url)
        self.is_postgres = self.engine.dialect.name == "postgresql"
        s.metadata.create_all(self.engine)
        add_missing_columns(self.engine, s.metadata)
        # The positions' and alarms' indexes come with their own migration
        # (positions.ensure_indexes: copies of fixes go before the unique key).
        add_missing_indexes(self.engine, [s.changes])
        with self.engine.begin() as conn:
            if conn.execute(select(s.change_counter.c.id)).first() is None:
                try:
                    with conn.begin_nested():
                        conn.execute(insert(s.change_counter).values(id=1, last_seq=0))
                except IntegrityError:
                    pass  # another server process created it first
        self.categories = categories or load_categories()
        self.calendar = calendar or load_calendar()

    def close(self) -> None:
        self.engine.dispose()

    # ---- the change feed -------------------------------------------------

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """A transaction that may record changes.  Takes the change lock
        first, so that concurrent writers serialise and sequence numbers are
        committed in order, without gaps."""
        with self.engine.begin() as conn:
            self._lock_changes(conn)
            yield conn

    def _lock_changes(self, conn: Connection) -> None:
        if self.is_postgres:
            conn.execute(text("SELECT last_seq FROM change_counter WHERE id = 1 FOR UPDATE"))
        else:
            # A write as the first statement takes SQLite's write lock at once,
            # so the transaction never has to upgrade a read lock (which fails
            # with "database is locked" instead of waiting).
            conn.execute(text("UPDATE change_counter SET last_seq = last_seq WHERE id = 1"))

    def record_changes(self, conn: Connection, items: Sequence[tuple[str, str, dict[str, Any]]]) -> int:
        """Append changes inside a ``writing()`` transaction; returns the last seq."""
        last = conn.execute(_LAST_SEQ).scalar_one()
        if not items:
            return int(last)
        rows = []
        for offset, (entity, entity_id, data) in enumerate(items, start=1):
            private = s.PRIVATE_COLUMNS.get(entity, set())
            public = {k: v for k, v in data.items() if k not in private}
            rows.append({"seq": last + offset, "entity": entity, "entity_id": entity_id,
                         "data": json.dumps(public, ensure_ascii=False, separators=(",", ":"))})
        conn.execute(_INSERT_CHANGES, rows)
        new_last = last + len(rows)
        conn.execute(_SET_LAST_SEQ, {"last_seq": new_last})
        return int(new_last)

    def insert_entities(self, conn: Connection, entity: str, rows: Sequence[dict[str, Any]], *,
                        chunk: int = 5000) -> int:
        """Insert rows of one entity and their changes inside a ``writing()``
        transaction (bulk loads: the demo district, imports).  Returns the last seq."""
        table, key = s.ENTITY_TABLES[entity]
        last = 0
        for start in range(0, len(rows), chunk):
            part = list(rows[start:start + chunk])
            conn.execute(insert(table), part)
            last = self.record_changes(conn, [(entity, str(r[key]), r) for r in part])
        return last

    def write_entities(self, entity: str, rows: Sequence[dict[str, Any]]) -> int:
        """``insert_entities`` in a transaction of its own: all or nothing."""
        with self.writing() as conn:
            return self.insert_entities(conn, entity, rows)

    def last_seq(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(s.change_counter.c.last_seq)).scalar_one())

    def changes_after(self, after: int, limit: int = 1000) -> tuple[list[Change], int]:
        """Changes with seq > after, at most ``limit``, and the feed's last seq."""
        limit = max(1, min(int(limit), CHANGE_PAGE_MAX))
        with self.engine.connect() as conn:
            last = int(conn.execute(select(s.change_counter.c.last_seq)).scalar_one())
            rows = conn.execute(
                select(s.changes.c.seq, s.changes.c.entity, s.changes.c.entity_id, s.changes.c.data)
                .where(s.changes.c.seq > after).order_by(s.changes.c.seq).limit(limit)
            ).all()
        return [Change(r.seq, r.entity, r.entity_id, json.loads(r.data)) for r in rows], last

    # ---- meta ------------------------------------------------------------

    def meta_get(self, key: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(s.meta.c.value).where(s.meta.c.key == key)).scalar_one_or_none()

    def meta_set(self, key: str, value: str) -> None:
        with self.engine.begin() as conn:
            if conn.execute(update(s.meta).where(s.meta.c.key == key).values(value=value)).rowcount == 0:
                conn.execute(insert(s.meta).values(key=key, value=value))

    # ---- users and tokens ------------------------------------------------

    @staticmethod
    def user_row(username: str, display_name: str, role: Role, password: str,
                 department_id: str | None = None) -> dict[str, Any]:
        return {"username": username, "display_name": display_name, "role": role.value,
                "department_id": department_id, "password_hash": hash_password(password)}

    def add_user(self, username: str, display_name: str, role: Role, password: str,
                 department_id: str | None = None) -> None:
        self.write_entities("user", [self.user_row(username, display_name, role, password, department_id)])

    def login(self, username: str, password: str, workstation: str) -> tuple[str, dict[str, Any]] | None:
        with self.engine.connect() as conn:
            user = conn.execute(select(s.users).where(s.users.c.username == username)).mappings().first()
        if user is None or not verify_password(password, user["password_hash"]):
            return None
        token = secrets.token_hex(24)
        with self.engine.begin() as conn:
            conn.execute(insert(s.tokens).values(token=token, username=username,
                                                 workstation=workstation, created_at=now_iso()))
        return token, {k: user[k] for k in ("username", "display_name", "role", "department_id")}

    def user_for_token(self, token: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(s.users.c.username, s.users.c.display_name, s.users.c.role,
                       s.users.c.department_id, s.tokens.c.workstation)
                .join(s.tokens, s.tokens.c.username == s.users.c.username)
                .where(s.tokens.c.token == token)
            ).mappings().first()
        return dict(row) if row else None

    # ---- commands --------------------------------------------------------

    def apply_commands(self, raw_commands: Iterable[Any], user: dict[str, Any]) -> list[dict[str, Any]]:
        """Apply commands in order, each at most once (its UUID is the key).

        A command already seen returns the reply it got the first time.  A
        command the rules refuse is recorded as rejected, with its reason,
        and changes nothing else.  A batch is applied in transactions of up
        to ``COMMANDS_PER_TRANSACTION`` commands: one commit per command
        cost more than the rules; the chunk bounds how long the change lock
        is held against the gateway's writes.
        """
        results: list[dict[str, Any]] = []
        chunk: list[tuple[int, Command]] = []
        for raw in raw_commands:
            command, refusal = self._parse_command(raw)
            results.append(refusal or {})
            if command is not None:
                chunk.append((len(results) - 1, command))
            if len(chunk) == COMMANDS_PER_TRANSACTION:
                self._apply_chunk(chunk, user, results)
                chunk = []
        if chunk:
            self._apply_chunk(chunk, user, results)
        return results

    def _apply_chunk(self, chunk: Sequence[tuple[int, Command]], user: dict[str, Any],
                     results: list[dict[str, Any]]) -> None:
        with self.writing() as conn:
            for index, command in chunk:
                results[index] = self.apply_in(conn, command, user)

    @staticmethod
    def _parse_command(raw: Any) -> tuple[Command | None, dict[str, Any] | None]:
        try:
            command = Command.from_dict(raw if isinstance(raw, dict) else {})
        except MalformedCommand as exc:
            command_id = raw.get("command_id") if isinstance(raw, dict) else None
            return None, {"command_id": command_id, "outcome": "rejected",
                          "reason": {"code": "malformed", "message": f"malformed command: {exc}", "params": {}}}
        if command.kind in ENDPOINT_ONLY:
            return None, {"command_id": command.command_id, "outcome": "rejected", "reason": {
                "code": "malformed", "message": f"{command.kind.value} has its own endpoint", "params": {}}}
        return command, None

    def apply_in(self, conn: Connection, command: Command, user: dict[str, Any]) -> dict[str, Any]:
        """Decide one command and write its ledger line, inside the caller's
        ``writing()`` transaction; a command seen before gets its first reply."""
        seen = conn.execute(_COMMAND_RESULT, {"command_id": command.command_id}).scalar_one_or_none()
        if seen is not None:
            return json.loads(seen)
        result = self._decide(conn, command, user)
        conn.execute(_INSERT_COMMAND, {
            "command_id": command.command_id, "case_id": command.case_id, "kind": command.kind.value,
            "operator": command.operator, "workstation": command.workstation,
            "issued_at": command.issued_at, "received_at": now_iso(), "outcome": result["outcome"],
            "result": json.dumps(result, ensure_ascii=False)})
        return result

    def _decide(self, conn: Connection, command: Command, user: dict[str, Any]) -> dict[str, Any]:
        base = {"command_id": command.command_id, "case_id": command.case_id, "kind": command.kind.value}
        if command.operator != user["username"]:
            reason = CommandRejected("operator_mismatch",
                                     f"command signed by {command.operator} sent by {user['username']}")
            return {**base, "outcome": "rejected", "reason": reason.to_dict()}
        row = conn.execute(_CASE_BY_ID, {"case_id": command.case_id}).mappings().first()
        state = CaseState.from_dict(dict(row)) if row else None
        ctx = RuleContext(
            role=Role(user["role"]),
            categories=self.categories,
            calendar=self.calendar,
            department_exists=lambda d: conn.execute(_DEPARTMENT_EXISTS, {"department_id": d}).first() is not None,
            cell_exists=lambda c: conn.execute(_CELL_EXISTS, {"code": c}).first() is not None,
            user_department=user.get("department_id"),
        )
        try:
            new_state, case_event = apply_command(state, command, ctx)
            if state is None and new_state.ticket_id and conn.execute(
                    _CASE_OF_TICKET, {"ticket_id": new_state.ticket_id}).first() is not None:
                raise CommandRejected("ticket_exists", f"ticket {new_state.ticket_id} already has a case",
                                      ticket_id=new_state.ticket_id)
        except CommandRejected as exc:
            return {**base, "outcome": "rejected", "reason": exc.to_dict()}
        if command.kind is CommandKind.REGISTER and new_state.number is None:
            new_state.number = self._next_case_number(conn, command.issued_at)
        data = new_state.to_dict()
        if state is None:
            conn.execute(_INSERT_CASE, data)
        else:
            conn.execute(_UPDATE_CASE, {**data, "key_case_id": command.case_id})
        event_row = case_event.to_dict()
        event_row["detail"] = json.dumps(event_row["detail"], ensure_ascii=False)
        conn.execute(_INSERT_EVENT, event_row)
        seq = self.record_changes(conn, [("case", new_state.case_id, data),
                                         ("case_event", case_event.event_id, event_row)])
        return {**base, "outcome": "accepted", "number": new_state.number,
                "version": new_state.version, "seq": seq}

    def _next_case_number(self, conn: Connection, issued_at: str) -> str:
        """Official case number: YYYYMMDD of registration + a 5-digit daily sequence."""
        day = from_iso(issued_at).strftime("%Y%m%d")
        return f"{day}{self.reserve_case_numbers(conn, day, 1):05d}"

    def reserve_case_numbers(self, conn: Connection, day: str, count: int) -> int:
        """Reserve ``count`` numbers for ``day`` (bulk loads); returns the first sequence."""
        last = conn.execute(select(s.number_counters.c.last).where(s.number_counters.c.day == day)).scalar_one_or_none()
        if last is None:
            conn.execute(insert(s.number_counters).values(day=day, last=count))
            return 1
        conn.execute(update(s.number_counters).where(s.number_counters.c.day == day).values(last=last + count))
        return last + 1

    # ---- vehicles, terminals and positions -------------------------------

    def vehicle_for_phone(self, phone: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(s.vehicles.c.vehicle_id).where(
                s.vehicles.c.terminal_phone == phone)).scalar_one_or_none()

    def register_terminal(self, phone: str) -> str | None:
        """0x0100: returns a new auth code, or None if no vehicle has this terminal."""
        vehicle_id = self.vehicle_for_phone(phone)
        if vehicle_id is None:
            return None
        code = secrets.token_hex(8)
        with self.engine.begin() as conn:
            if conn.execute(update(s.terminals).where(s.terminals.c.phone == phone).values(
                    auth_code=code, vehicle_id=vehicle_id, registered_at=now_iso())).rowcount == 0:
                conn.execute(insert(s.terminals).values(phone=phone, vehicle_id=vehicle_id,
                                                        auth_code=code, registered_at=now_iso()))
        return code

    def authenticate_terminal(self, phone: str, auth_code: str) -> str | None:
        """0x0102: the vehicle id if the code matches the one issued at registration."""
        with self.engine.connect() as conn:
            row = conn.execute(select(s.terminals.c.auth_code, s.terminals.c.vehicle_id).where(
                s.terminals.c.phone == phone)).first()
        if row is None or not hmac.compare_digest(row.auth_code, auth_code):
            return None
        return row.vehicle_id

    # Position and alarm storage lives in server/storage/positions.py; these
    # methods keep the gateway's PositionSink and the API working.

    def store_fixes(self, fixes: Sequence[tuple[str, PositionFix]]) -> list[int]:
        """Store (vehicle_id, fix) pairs in one transaction; update each
        vehicle's latest position when the fix is newer by device time.
        Returns the indexes of the fixes stored; the rest were copies."""
        return positions.store_fixes(self, fixes)

    def positions_after(self, after: int, limit: int = 5000) -> list[dict[str, Any]]:
        return positions.positions_after(self, after, limit)

    def latest_positions(self) -> list[dict[str, Any]]:
        return positions.latest_positions(self)

    def last_position_id(self) -> int:
        return positions.last_position_id(self)

    def count(self, table_name: str) -> int:
        table = s.metadata.tables[table_name]
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(table)).scalar_one())
