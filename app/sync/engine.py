"""The sync engine: push the outbox, pull the change feed, fetch positions.

Threading: blocking.  A ``SyncEngine`` is used from ONE worker thread (the
driver's single-thread executor) and opens its own ``LocalStore`` there; it
never touches Qt.  The one exception is ``watch``, which the driver runs on
a second worker: it only long-polls (its own HTTP session) and touches no
store.  Every request has a timeout.  A reply that does not have the
expected shape raises ``ProtocolError`` before anything is written, so a
malformed reply changes nothing.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import socket
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import orjson
import requests

from app.store import ChangeSummary, LocalStore, StoreError
from app.sync import bulk_load
from app.sync.health import HealthFacts
from app.sync.ledger import OutboxLedger
from core.passwords import hash_password, verify_password
from core.timeutil import now_iso

CONNECT_TIMEOUT_S = 2.0
READ_TIMEOUT_S = 15.0
PAGE_SIZE = 20000  # the server's largest page: a million-row download in 50 requests
MAX_PAGES_PER_SYNC = 100  # keep one round bounded (2,000,000 changes); the next one goes on
PUSH_BATCH = 500
SNAPSHOT_READ_TIMEOUT_S = 180.0  # the server builds the file before it answers (PostgreSQL: slow)
POSITION_PAGE = 20000
MAX_POSITION_PAGES = 50
WATCH_TIMEOUT_S = 20.0  # long-poll; below READ_TIMEOUT_S + the server's answer time
CLOCK_EVERY_S = 30.0


# A refused or timed-out connection, and also one cut in the middle of a
# reply (ChunkedEncodingError is not a ConnectionError): all mean "offline".
NETWORK_ERRORS = (requests.RequestException,)


class ProtocolError(Exception):
    """The server answered, but not with what the API promises."""


class AuthError(Exception):
    """The server refused the credentials."""


@dataclass
class SyncReport:
    online: bool
    error: str | None = None
    auth_failed: bool = False  # the server refused the stored credentials: sign in again
    pushed: int = 0
    pulled: int = 0
    positions: int = 0
    server_time: str | None = None
    summary: ChangeSummary = field(default_factory=ChangeSummary)
    at: str = field(default_factory=now_iso)
    # where the replica stands after the round (for the health panel and the watcher)
    cursor: int | None = None
    position_cursor: int | None = None
    server_last_seq: int | None = None
    pending: int | None = None
    indexing: bool = False  # the indexes set aside for a first download are being built


class SyncEngine:
    def __init__(self, store_path: str | Path, server_url: str, workstation: str):
        self.store_path = Path(store_path)
        self.server_url = server_url.rstrip("/")
        self.workstation = workstation
        self._store: LocalStore | None = None
        self._http = requests.Session()
        self._prefetch_http = requests.Session()
        self._prefetch: ThreadPoolExecutor | None = None
        self._indexer: threading.Thread | None = None
        self._watch_conn: http.client.HTTPConnection | None = None
        self._watch_cancelled = False
        self._token: str | None = None
        self._credentials: tuple[str, str] | None = None
        self.user: dict[str, Any] | None = None
        self.offline_user = False  # signed in against the local verifier only
        self.last_pull_at: str | None = None
        self.last_push_at: str | None = None
        self.server_last_seq: int | None = None
        self.clock_skew_s: float | None = None
        self.clock_rtt_ms: float | None = None
        self._clock_checked = 0.0

    @property
    def store(self) -> LocalStore:
        if self._store is None:
            self._store = LocalStore(self.store_path)
        return self._store

    @property
    def ledger(self) -> OutboxLedger:
        return OutboxLedger(self.store)

    def close(self) -> None:
        self._http.close()
        self._prefetch_http.close()
        if self._prefetch is not None:
            self._prefetch.shutdown(wait=True)
        if self._store is not None:
            self._store.close()

    # ---- HTTP ---------------------------------------------------------------

    def _send(self, method: str, path: str, *, session: requests.Session | None = None,
              read_timeout: float = READ_TIMEOUT_S, accept: tuple[int, ...] = (),
              **kwargs: Any) -> requests.Response:
        """One request with this session's token, signing in again once on a
        401; ``AuthError`` on a refusal, ``ProtocolError`` on any other
        error status except those in ``accept``."""
        http = session or self._http
        headers = kwargs.pop("headers", {})
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        response = http.request(method, self.server_url + path, headers=headers,
                                timeout=(CONNECT_TIMEOUT_S, read_timeout), **kwargs)
        if response.status_code == 401 and self._credentials and path != "/api/login":
            response.close()
            self.login(*self._credentials, session=http)
            headers["Authorization"] = f"Bearer {self._token}"
            response = http.request(method, self.server_url + path, headers=headers,
                                    timeout=(CONNECT_TIMEOUT_S, read_timeout), **kwargs)
        if response.status_code in accept:
            return response
        if response.status_code == 401:
            raise AuthError(_detail(response))
        if response.status_code >= 400:
            raise ProtocolError(f"{method} {path}: HTTP {response.status_code}: {_detail(response)}")
        return response

    def _request(self, method: str, path: str, *, session: requests.Session | None = None,
                 read_timeout: float = READ_TIMEOUT_S, **kwargs: Any) -> dict[str, Any]:
        response = self._send(method, path, session=session, read_timeout=read_timeout, **kwargs)
        try:
            body = orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise ProtocolError(f"{method} {path}: reply is not JSON") from exc
        if not isinstance(body, dict):
            raise ProtocolError(f"{method} {path}: reply is not a JSON object")
        return body

    def login(self, username: str, password: str, *, session: requests.Session | None = None) -> dict[str, Any]:
        body = self._request("POST", "/api/login", session=session, json={
            "username": username, "password": password, "workstation": self.workstation})
        token, user = body.get("token"), body.get("user")
        if not isinstance(token, str) or not isinstance(user, dict) or "role" not in user:
            raise ProtocolError("login reply lacks token or user")
        self._token = token
        self._credentials = (username, password)
        self.user = user
        self.offline_user = False
        if session is None or session is self._http:
            self.store.set_state(f"user:{username}", json.dumps(user, ensure_ascii=False))
            # Lets this operator unlock the workstation during an outage.
            self.store.set_state(f"offline_login:{username}", hash_password(password))
        return user

    def offline_login(self, username: str, password: str) -> dict[str, Any] | None:
        """Sign in without the server: only an operator who signed in here
        before, with the same password.  Commands still go to the server,
        which checks them (and the password) when it is back."""
        verifier = self.store.get_state(f"offline_login:{username}")
        known = self.store.get_state(f"user:{username}")
        if not verifier or not known or not verify_password(password, verifier):
            return None
        user = json.loads(known)
        self._credentials = (username, password)
        self.user = user
        self.offline_user = True
        return dict(user)

    def known_operators(self) -> list[dict[str, Any]]:
        """Operators who may unlock this workstation offline (signed in here before)."""
        out = []
        for key, value in self.ledger.states_with_prefix("user:").items():
            username = key.removeprefix("user:")
            if self.store.get_state(f"offline_login:{username}"):
                out.append(json.loads(value))
        return sorted(out, key=lambda u: u.get("username", ""))

    def health(self) -> dict[str, Any]:
        return self._request("GET", "/api/health")

    def bearer(self) -> str | None:
        """This session's token, for transfers on other threads (attachments)."""
        return self._token

    # ---- one round ----------------------------------------------------------

    def sync_once(self) -> SyncReport:
        """Push, pull and fetch positions once.  Never raises for network
        trouble: the report says offline and why."""
        report = SyncReport(online=False)
        try:
            self._ensure_signed_in(report)
            if report.error:
                return report
            self._push(report)
            self._push_audit()
            self._pull(report)
            self._fetch_positions(report)
            self._check_clock()
            report.online = True
        except NETWORK_ERRORS as exc:
            report.error = f"server unreachable: {type(exc).__name__}"
        except AuthError as exc:
            report.online = True
            report.auth_failed = True
            report.error = f"the server refused the sign-in of {self._operator()}: {exc}"
            self._token = None
            # The password was changed (or revoked) centrally: it must no
            # longer unlock this workstation offline either.
            self.store.set_state(f"offline_login:{self._operator()}", "")
        except ProtocolError as exc:
            report.online = True  # reachable, but something is wrong: say it
            report.error = str(exc)
        self._finish(report)
        return report

    def push_now(self) -> SyncReport:
        """Push the outbox only (the benchmark and the ledger's "send now")."""
        report = SyncReport(online=False)
        try:
            self._ensure_signed_in(report)
            if not report.error:
                self._push(report)
                report.online = True
        except NETWORK_ERRORS as exc:
            report.error = f"server unreachable: {type(exc).__name__}"
        except (ProtocolError, AuthError) as exc:
            report.online = True
            report.error = str(exc)
        self._finish(report)
        return report

    def _operator(self) -> str:
        return self._credentials[0] if self._credentials else "?"

    def _ensure_signed_in(self, report: SyncReport) -> None:
        if self._token is not None:
            return
        if self._credentials is None:
            report.error = "not signed in"
            return
        # After an offline sign-in this is where the server checks the
        # password; a refusal raises AuthError and nothing is pushed.
        self.login(*self._credentials)

    def _finish(self, report: SyncReport) -> None:
        try:
            report.cursor = self.store.cursor()
            report.position_cursor = self.store.position_cursor()
            report.pending = self.store.counts().waiting
        except Exception:  # the report must still go out; the store error shows next round
            pass
        report.server_last_seq = self.server_last_seq
        report.indexing = self._indexer is not None and self._indexer.is_alive()

    def _withdraw(self, report: SyncReport) -> None:
        """Ask the server to withdraw commands an operator discarded."""
        while True:
            asked = self.ledger.discarding(PUSH_BATCH)
            if not asked:
                return
            body = self._request("POST", "/api/sync/withdraw", json={"commands": asked})
            results = body.get("results")
            if not isinstance(results, list) or len(results) != len(asked):
                raise ProtocolError("withdrawal reply does not answer every command")
            sent = {a["command_id"] for a in asked}
            for result in results:
                if not isinstance(result, dict) or result.get("command_id") not in sent:
                    raise ProtocolError("withdrawal reply names a command that was not sent")
                if result.get("outcome") not in ("withdrawn", "accepted", "rejected"):
                    raise ProtocolError(f"withdrawal reply has outcome {result.get('outcome')!r}")
            report.summary.merge(self.ledger.record_withdrawals(results))
            if len(asked) < PUSH_BATCH:
                return

    def _push(self, report: SyncReport) -> None:
        self._withdraw(report)
        while True:
            pending = self.store.pending_commands(PUSH_BATCH)
            if not pending:
                return
            body = self._request("POST", "/api/commands",
                                 json={"commands": [e.command.to_dict() for e in pending]})
            results = body.get("results")
            if not isinstance(results, list) or len(results) != len(pending):
                raise ProtocolError("command reply does not answer every command")
            sent = {e.command.command_id for e in pending}
            for result in results:
                if not isinstance(result, dict) or result.get("command_id") not in sent:
                    raise ProtocolError("command reply names a command that was not sent")
                if result.get("outcome") not in ("accepted", "rejected", "withdrawn"):
                    raise ProtocolError(f"command reply has outcome {result.get('outcome')!r}")
            # "withdrawn": an operator here discarded it and the server knows;
            # only a copy in flight at that moment can get this answer.
            withdrawn = [r for r in results if r["outcome"] == "withdrawn"]
            if withdrawn:
                report.summary.merge(self.ledger.record_withdrawals(withdrawn))
            report.summary.merge(self.store.record_results(
                [r for r in results if r["outcome"] != "withdrawn"]))
            report.pushed += len(results)
            report.server_time = body.get("server_time")
            self.last_push_at = now_iso()
            self.store.set_state("last_push_at", self.last_push_at)
            if len(pending) < PUSH_BATCH:
                return

    def _push_audit(self) -> None:
        records = self.ledger.unsent_audit()
        if not records:
            return
        try:
            body = self._request("POST", "/api/sync/audit", json={"records": records})
        except ProtocolError:
            return  # a server without the audit endpoint: kept here, sent to a newer one
        if not isinstance(body.get("stored"), int):
            raise ProtocolError("audit reply lacks stored")
        self.ledger.mark_audit_sent([r["audit_id"] for r in records])

    def _load_snapshot(self, report: SyncReport) -> int:
        """A new workstation's first download: the server's snapshot file
        copied into the store (app/store.py ``apply_snapshot``); returns the
        feed position to follow from.  A server without snapshots leaves the
        store as it was (position 0): the feed brings everything."""
        fd, name = tempfile.mkstemp(prefix=".snapshot-", suffix=".sqlite", dir=self.store_path.parent)
        path = Path(name)
        try:
            with os.fdopen(fd, "wb") as out, self._send(
                    "GET", "/api/sync/snapshot", stream=True, accept=(404,),
                    read_timeout=SNAPSHOT_READ_TIMEOUT_S) as response:
                if response.status_code == 404:
                    return 0
                for chunk in response.iter_content(chunk_size=1 << 20):
                    out.write(chunk)
            try:
                seq, copied, summary = self.store.apply_snapshot(path)
            except StoreError as exc:
                raise ProtocolError(f"snapshot refused: {exc}") from exc
        finally:
            path.unlink(missing_ok=True)
        report.summary.merge(summary)
        report.pulled += copied
        return seq

    def _get_page(self, after: int, session: requests.Session | None = None,
                  limit: int | None = None) -> dict[str, Any]:
        body = self._request("GET", "/api/changes", session=session,
                             params={"after": after, "limit": limit or PAGE_SIZE})
        changes = body.get("changes")
        if not isinstance(changes, list) or not isinstance(body.get("last_seq"), int):
            raise ProtocolError("change page lacks changes or last_seq")
        expected = after + 1
        for change in changes:
            if (not isinstance(change, dict) or change.get("seq") != expected
                    or not isinstance(change.get("data"), dict) or "entity" not in change):
                raise ProtocolError(f"change feed is not gap-free after {after}: expected seq {expected}")
            expected += 1
        return body

    def _pull(self, report: SyncReport) -> None:
        after = self.store.cursor()
        upcoming: Future[dict[str, Any]] | None = None
        bulk = bulk_load.active(self.store)
        if bulk and bulk_load.indexing(self.store):
            self._start_indexing()  # loaded before a restart: only the indexes remain
        elif bulk:
            bulk_load.begin(self.store)  # resuming a load after a restart
        if after == 0:
            probe = self._get_page(0, limit=1)
            if bulk_load.should_begin(self.store, 0, probe["last_seq"]):
                if not bulk:
                    bulk_load.begin(self.store)
                    bulk = True
                after = self._load_snapshot(report)
        caught_up = False
        try:
            for _ in range(MAX_PAGES_PER_SYNC):
                body = upcoming.result() if upcoming is not None else self._get_page(after)
                upcoming = None
                changes = body["changes"]
                report.server_time = body.get("server_time")
                self.server_last_seq = body["last_seq"]
                if not changes:
                    caught_up = True
                    break
                if not bulk and bulk_load.should_begin(self.store, after, body["last_seq"]):
                    bulk_load.begin(self.store)
                    bulk = True
                new_cursor = changes[-1]["seq"]
                if body.get("more"):
                    # A bulk download: fetch and decode the next page while
                    # this one goes into SQLite.
                    upcoming = self._prefetcher().submit(self._get_page, new_cursor, self._prefetch_http)
                report.summary.merge(self.store.apply_change_page(changes, new_cursor))
                report.pulled += len(changes)
                after = new_cursor
                if not body.get("more"):
                    caught_up = True
                    break
        finally:
            if upcoming is not None:
                upcoming.cancel()
                with contextlib.suppress(Exception):  # an unused prefetch's failure does not matter
                    upcoming.result()
        if bulk and caught_up:
            bulk_load.mark_indexing(self.store)
            self._start_indexing()
        self.last_pull_at = now_iso()
        if report.pulled:
            self.store.set_state("last_pull_at", self.last_pull_at)

    def _start_indexing(self) -> None:
        """Build the indexes and the search index set aside for a bulk load
        (app/sync/bulk_load.py), on a thread and a store connection of their
        own: the replica is complete and in use meanwhile."""
        if self._indexer is not None and self._indexer.is_alive():
            return

        def build() -> None:
            store = LocalStore(self.store_path)
            try:
                bulk_load.finish(store)
            finally:
                store.close()

        self._indexer = threading.Thread(target=build, name="store-indexing", daemon=True)
        self._indexer.start()

    def wait_for_indexing(self, timeout: float | None = None) -> bool:
        """Block until a background index build has ended; True if none runs."""
        if self._indexer is not None:
            self._indexer.join(timeout)
            return not self._indexer.is_alive()
        return True

    def _prefetcher(self) -> ThreadPoolExecutor:
        if self._prefetch is None:
            self._prefetch = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-prefetch")
        return self._prefetch

    def _fetch_positions(self, report: SyncReport) -> None:
        cursor = self.store.position_cursor()
        if cursor is None:
            body = self._request("GET", "/api/positions/latest")
            self._apply_positions(report, body.get("vehicles"), body.get("cursor"))
            return
        for _ in range(MAX_POSITION_PAGES):
            body = self._request("GET", "/api/positions", params={"after": cursor, "limit": POSITION_PAGE})
            cursor = self._apply_positions(report, body.get("positions"), body.get("cursor"))
            if not body.get("more"):
                return

    def _apply_positions(self, report: SyncReport, rows: Any, new_cursor: Any) -> int:
        if not isinstance(rows, list) or not isinstance(new_cursor, int):
            raise ProtocolError("position reply lacks positions or cursor")
        for row in rows:
            if not isinstance(row, dict) or not {"vehicle_id", "device_time", "lon", "lat"} <= row.keys():
                raise ProtocolError("position row lacks vehicle_id, device_time, lon or lat")
        report.summary.merge(self.store.apply_positions(rows, new_cursor))
        report.positions += len(rows)
        return new_cursor

    # ---- watching, clock, health -------------------------------------------

    def watch(self, after_seq: int | None, after_position: int | None,
              timeout: float = WATCH_TIMEOUT_S) -> dict[str, Any]:
        """Long-poll until the server has changes after ``after_seq`` or
        positions after ``after_position``.  Runs on the driver's watch
        worker: no store access, a connection of its own that
        ``cancel_watch`` (any thread) can cut, so closing the window never
        waits for a long-poll.  Raises on any failure, which the driver
        takes as "do a round now" (the round re-signs in or goes offline)."""
        params: dict[str, Any] = {"timeout": timeout}
        if after_seq is not None:
            params["after"] = after_seq
        if after_position is not None:
            params["positions_after"] = after_position
        url = urlsplit(self.server_url)
        kind = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
        conn = kind(url.hostname or "127.0.0.1", url.port, timeout=timeout + READ_TIMEOUT_S)
        self._watch_conn = conn
        try:
            if self._watch_cancelled:
                raise requests.ConnectionError("long-poll cancelled")
            headers = {"Authorization": f"Bearer {self._token}"} if self._token else {}
            conn.request("GET", f"{url.path}/api/sync/wait?{urlencode(params)}", headers=headers)
            # cancel_watch() finds no socket to cut before request() connects:
            # a cancel in that window is seen here, not 20 s later.
            if self._watch_cancelled:
                raise requests.ConnectionError("long-poll cancelled")
            response = conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            raise requests.ConnectionError(f"long-poll: {exc}") from exc
        finally:
            self._watch_conn = None
            conn.close()
        if response.status == 401:
            raise AuthError("long-poll: token refused")
        if response.status >= 400:
            raise ProtocolError(f"GET /api/sync/wait: HTTP {response.status}")
        try:
            body = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise ProtocolError("wait reply is not JSON") from exc
        if not isinstance(body, dict) or not isinstance(body.get("last_seq"), int):
            raise ProtocolError("wait reply lacks last_seq")
        return body

    def cancel_watch(self) -> None:
        """Cut a long-poll in flight, and refuse new ones (any thread)."""
        self._watch_cancelled = True
        conn = self._watch_conn
        sock = getattr(conn, "sock", None) if conn is not None else None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def _check_clock(self, force: bool = False) -> None:
        if not force and time.monotonic() - self._clock_checked < CLOCK_EVERY_S:
            return
        sent = time.time()
        try:
            body = self._request("GET", "/api/sync/clock")
        except ProtocolError:
            self._clock_checked = time.monotonic()  # an older server: skew unknown, sync goes on
            return
        received = time.time()
        epoch_ms = body.get("epoch_ms")
        if not isinstance(epoch_ms, int | float):
            raise ProtocolError("clock reply lacks epoch_ms")
        # The server read its clock about halfway through the round trip.
        self.clock_skew_s = epoch_ms / 1000.0 - (sent + received) / 2
        self.clock_rtt_ms = (received - sent) * 1000.0
        self._clock_checked = time.monotonic()

    def health_facts(self) -> HealthFacts:
        counts = self.store.counts()
        return HealthFacts(
            last_pull_at=self.last_pull_at or self.store.get_state("last_pull_at"),
            last_push_at=self.last_push_at or self.store.get_state("last_push_at"),
            cursor=self.store.cursor(), server_last_seq=self.server_last_seq,
            position_cursor=self.store.position_cursor(), queue_depth=counts.waiting,
            rejected_open=counts.rejected, clock_skew_s=self.clock_skew_s,
            clock_rtt_ms=self.clock_rtt_ms)

    def check_integrity(self, attempts: int = 3):
        """Catch up, then compare row counts and checksums per table with the
        server's at the same feed position (see app/sync/integrity.py)."""
        from app.sync.integrity import IntegrityReport, compare

        report: IntegrityReport | None = None
        for _ in range(attempts):
            round_report = self.sync_once()
            if round_report.error:
                raise ProtocolError(round_report.error) if round_report.online else \
                    requests.ConnectionError(round_report.error)
            server = self._request("GET", "/api/sync/integrity", read_timeout=120.0)
            report = compare(self.store, server)
            if report.comparable:
                return report
        return report


def _detail(response: requests.Response) -> str:
    try:
        body = response.json()
        if isinstance(body, dict) and "detail" in body:
            return str(body["detail"])
    except ValueError:
        pass
    return response.text[:200]
