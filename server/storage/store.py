"""The server's store: the system of record, and the one face of server storage.

``ServerStore`` owns the engine, users and tokens, the command path (the
case rules and the command ledger) and terminals, and composes one object
per concern, each in its own module, each given only what it needs (the
engine, the change feed, the command step), never the store itself:

- ``store.feed``: the change feed (feed.py)
- ``store.positions``: fixes and the live cursor (positions.py)
- ``store.alarms``, ``store.geofences``: alarms.py, geofences.py
- ``store.hotline``, ``store.attachments``: hotline.py, attachments.py
- ``store.reference``: reference data in the feed (reference.py)
- ``store.audit``: withdrawals and the workstation audit (audit.py)

All SQL of the server lives in server/storage/; refusals are
``errors.StorageError`` with a kind, never an HTTP status.

Threading: a ``ServerStore`` is shared by the API's worker threads and the
gateway's writer; every method opens its own connection from the pool and
runs one transaction, so methods may be called from any thread.
"""

from __future__ import annotations

import hmac
import json
import secrets
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
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
from server.storage import schema as s
from server.storage.alarms import Alarms
from server.storage.attachments import Attachments
from server.storage.audit import WorkstationAudit
from server.storage.feed import Change, ChangeFeed
from server.storage.geofences import Geofences
from server.storage.hotline import Hotline
from server.storage.positions import Positions
from server.storage.reference import Reference

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
        # (ensure_indexes: copies of fixes go before the unique key).
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
        self.feed = ChangeFeed(self.engine, self.is_postgres)
        self.positions = Positions(self.engine, self.is_postgres)
        self.alarms = Alarms(self.engine, self.feed)
        self.geofences = Geofences(self.engine, self.feed)
        self.hotline = Hotline(self.engine, self.feed, self.apply_in)
        self.attachments = Attachments(self.engine, self.feed, self.apply_in)
        self.reference = Reference(self.engine, self.feed)
        self.audit = WorkstationAudit(self.engine, self.feed)

    def close(self) -> None:
        self.engine.dispose()

    # ---- the change feed (feed.py), here because every writer uses it --

    def writing(self) -> AbstractContextManager[Connection]:
        """A transaction that may record changes (``ChangeFeed.writing``)."""
        return self.feed.writing()

    def record_changes(self, conn: Connection, items: Sequence[tuple[str, str, dict[str, Any]]]) -> int:
        return self.feed.record_changes(conn, items)

    def insert_entities(self, conn: Connection, entity: str, rows: Sequence[dict[str, Any]], *,
                        chunk: int = 5000) -> int:
        return self.feed.insert_entities(conn, entity, rows, chunk=chunk)

    def write_entities(self, entity: str, rows: Sequence[dict[str, Any]]) -> int:
        return self.feed.write_entities(entity, rows)

    def last_seq(self) -> int:
        return self.feed.last_seq()

    def changes_after(self, after: int, limit: int = 1000) -> tuple[list[Change], int]:
        return self.feed.changes_after(after, limit)

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

    def store_fixes(self, fixes: Sequence[tuple[str, PositionFix]]) -> list[int]:
        """The gateway's PositionSink: ``Positions.store_fixes``."""
        return self.positions.store_fixes(fixes)

    def vehicle_kinds(self) -> dict[str, str]:
        """vehicle id -> kind, for the alarm judge."""
        with self.engine.connect() as conn:
            return dict(conn.execute(select(s.vehicles.c.vehicle_id, s.vehicles.c.kind)).all())

    def fleet(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Every vehicle with its terminal's phone, by vehicle id: what the
        simulator drives."""
        v = s.vehicles.c
        query = select(v.vehicle_id, v.kind, v.terminal_phone, v.plate).order_by(v.vehicle_id)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def cell_centres(self) -> list[tuple[str, float, float]]:
        """(code, centre lon, centre lat) of every cell (GCJ-02), by code."""
        c = s.cells.c
        with self.engine.connect() as conn:
            return [(r.code, float(r.center_lon), float(r.center_lat)) for r in conn.execute(
                select(c.code, c.center_lon, c.center_lat).order_by(c.code))]

    def ensure_indexes(self) -> None:
        """Positions' and alarms' indexes a database made before them lacks
        (a migration: the API runs it once at start)."""
        self.positions.ensure_indexes()
        self.alarms.ensure_indexes()

    def usernames(self, conn: Connection) -> set[str]:
        """The user names taken, inside the caller's transaction."""
        return set(conn.execute(select(s.users.c.username)).scalars())

    def count(self, table_name: str) -> int:
        table = s.metadata.tables[table_name]
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(table)).scalar_one())
