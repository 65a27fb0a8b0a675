"""Endpoints a workstation uses to watch and check its replica.

- ``GET /api/sync/wait``: long-poll until the change feed or the positions
  move past what the workstation has (woken across server processes by
  PostgreSQL NOTIFY, see server/storage/notify.py).
- ``GET /api/sync/integrity``: per replicated table, the row count and an
  order-free checksum (core/integrity.py) of the columns that travel in the
  feed, with the feed position they describe.
- ``POST /api/sync/audit``: decisions taken on a workstation's outbox
  (discarding a command, retrying a rejected one), kept on the system of
  record so a discarded command never disappears without a name and a reason.

Threading: endpoints are plain ``def``s run in the API's worker threads; a
long-poll blocks one of them for at most ``WAIT_MAX_S``.
"""

# No "from __future__ import annotations": FastAPI reads the annotations.

import time
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from core.timeutil import from_iso, now_iso
from server.storage import ServerStore
from server.storage.audit import AUDIT_ACTIONS
from server.storage.notify import ChangeNotifier
from server.storage.snapshot import SnapshotCache

WAIT_MAX_S = 25.0


class FeedPosition(BaseModel):
    last_seq: int
    last_position_id: int
    server_time: str


class TableCheck(BaseModel):
    rows: int
    checksum: str
    columns: list[str]


class Integrity(BaseModel):
    last_seq: int
    server_time: str
    tables: dict[str, TableCheck]


class AuditRecord(BaseModel):
    audit_id: str = Field(min_length=1, max_length=36)
    command_id: str = Field(min_length=1, max_length=36)
    action: str
    reason: str = Field(max_length=2000)
    operator: str = Field(min_length=1, max_length=64)
    workstation: str = Field(min_length=1, max_length=64)
    at: str
    new_command_id: str | None = Field(default=None, max_length=36)
    command: dict[str, Any] | None = None


class AuditBatch(BaseModel):
    records: list[AuditRecord] = Field(max_length=1000)


class AuditStored(BaseModel):
    stored: int
    already_had: int


class Withdrawal(BaseModel):
    command_id: str = Field(min_length=1, max_length=36)
    case_id: str = Field(min_length=1, max_length=36)
    kind: str = Field(min_length=1, max_length=32)
    operator: str = Field(min_length=1, max_length=64)
    workstation: str = Field(min_length=1, max_length=64)
    issued_at: str


class WithdrawalBatch(BaseModel):
    commands: list[Withdrawal] = Field(max_length=1000)


class Clock(BaseModel):
    epoch_ms: int
    server_time: str


def sync_router(store: ServerStore, notifier: ChangeNotifier, current_user: Any,
                snapshots: SnapshotCache) -> APIRouter:
    if store.is_postgres:
        # Listen from the start: the triggers and the LISTEN connection are
        # what let another server process wake this one's long-polls.
        notifier.start()
    router = APIRouter()
    User = Annotated[dict[str, Any], Depends(current_user)]

    @router.get("/api/sync/snapshot", response_class=FileResponse)
    def snapshot(user: User) -> FileResponse:
        """Every replicated entity's rows at one feed position, as a SQLite
        file (server/storage/snapshot.py): a new workstation's first
        download.  ``X-Snapshot-Seq`` is the position; follow the feed after it."""
        current = snapshots.current()
        return FileResponse(current.path, media_type="application/vnd.sqlite3",
                            headers={"X-Snapshot-Seq": str(current.seq)})

    @router.get("/api/sync/wait", response_model=FeedPosition)
    def wait(user: User, after: Annotated[int | None, Query(ge=0)] = None,
             positions_after: Annotated[int | None, Query(ge=0)] = None,
             timeout: Annotated[float, Query(ge=0, le=WAIT_MAX_S)] = 10.0) -> FeedPosition:
        """Answer as soon as the feed passes ``after`` or the positions pass
        ``positions_after`` (at the latest after ``timeout`` seconds)."""
        seq, position = notifier.wait_for_feed(after, positions_after, timeout)
        return FeedPosition(last_seq=seq, last_position_id=position, server_time=now_iso())

    @router.get("/api/sync/clock", response_model=Clock)
    def clock(user: User) -> Clock:
        """The server's clock to the millisecond: workstations measure their skew."""
        return Clock(epoch_ms=int(time.time() * 1000), server_time=now_iso())

    @router.post("/api/sync/withdraw")
    def withdraw(body: WithdrawalBatch, user: User) -> dict[str, Any]:
        """Withdraw commands a workstation discarded before hearing back.  A
        command never seen is recorded as withdrawn in the command ledger, so
        a copy still in flight is answered "withdrawn" and never applied; a
        command already seen keeps the answer it got."""
        for item in body.commands:
            try:
                uuid.UUID(item.command_id)
                from_iso(item.issued_at)
            except ValueError as exc:
                raise HTTPException(422, f"bad withdrawal of {item.command_id!r}: {exc}") from None
        results = store.audit.withdraw([item.model_dump() for item in body.commands], user["username"])
        return {"results": results, "server_time": now_iso()}

    @router.get("/api/sync/integrity", response_model=Integrity)
    def integrity(user: User) -> dict[str, Any]:
        return store.feed.integrity()

    @router.post("/api/sync/audit", response_model=AuditStored)
    def store_audit(body: AuditBatch, user: User) -> AuditStored:
        for record in body.records:
            if record.action not in AUDIT_ACTIONS:
                raise HTTPException(422, f"unknown audit action {record.action!r}")
            if record.action == "discard" and not record.reason.strip():
                raise HTTPException(422, "discarding a command needs a reason")
            try:
                from_iso(record.at)
            except ValueError as exc:
                raise HTTPException(422, f"bad time {record.at!r}: {exc}") from None
        stored, already = store.audit.store([r.model_dump() for r in body.records], user["username"])
        return AuditStored(stored=stored, already_had=already)

    @router.get("/api/sync/audit")
    def read_audit(user: User, workstation: Annotated[str | None, Query(max_length=64)] = None,
                   limit: Annotated[int, Query(ge=1, le=5000)] = 500) -> dict[str, Any]:
        rows = store.audit.read(workstation, limit)
        return {"records": rows, "server_time": now_iso()}

    return router
