"""The sync engine: push the outbox, pull the change feed, fetch positions.

Threading: blocking.  A ``SyncEngine`` is used from ONE worker thread (the
driver's single-thread executor) and opens its own ``LocalStore`` there; it
never touches Qt.  Every request has a timeout.  A reply that does not have
the expected shape raises ``ProtocolError`` before anything is written, so
a malformed reply changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from app.store import ChangeSummary, LocalStore
from core.passwords import hash_password, verify_password
from core.timeutil import now_iso

CONNECT_TIMEOUT_S = 2.0
READ_TIMEOUT_S = 15.0
PAGE_SIZE = 2000
MAX_PAGES_PER_SYNC = 50  # keep one sync bounded; the next one goes on
PUSH_BATCH = 500


class ProtocolError(Exception):
    """The server answered, but not with what the API promises."""


class AuthError(Exception):
    """The server refused the credentials."""


@dataclass
class SyncReport:
    online: bool
    error: str | None = None
    pushed: int = 0
    pulled: int = 0
    positions: int = 0
    server_time: str | None = None
    summary: ChangeSummary = field(default_factory=ChangeSummary)
    at: str = field(default_factory=now_iso)


class SyncEngine:
    def __init__(self, store_path: str | Path, server_url: str, workstation: str):
        self.store_path = Path(store_path)
        self.server_url = server_url.rstrip("/")
        self.workstation = workstation
        self._store: LocalStore | None = None
        self._http = requests.Session()
        self._token: str | None = None
        self._credentials: tuple[str, str] | None = None
        self.user: dict[str, Any] | None = None

    @property
    def store(self) -> LocalStore:
        if self._store is None:
            self._store = LocalStore(self.store_path)
        return self._store

    def close(self) -> None:
        self._http.close()
        if self._store is not None:
            self._store.close()

    # ---- HTTP ---------------------------------------------------------------

    def _request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        headers = kwargs.pop("headers", {})
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        response = self._http.request(method, self.server_url + path, headers=headers,
                                      timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S), **kwargs)
        if response.status_code == 401 and self._credentials and path != "/api/login":
            self.login(*self._credentials)
            headers["Authorization"] = f"Bearer {self._token}"
            response = self._http.request(method, self.server_url + path, headers=headers,
                                          timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S), **kwargs)
        if response.status_code == 401:
            raise AuthError(_detail(response))
        if response.status_code >= 400:
            raise ProtocolError(f"{method} {path}: HTTP {response.status_code}: {_detail(response)}")
        try:
            body = response.json()
        except ValueError as exc:
            raise ProtocolError(f"{method} {path}: reply is not JSON") from exc
        if not isinstance(body, dict):
            raise ProtocolError(f"{method} {path}: reply is not a JSON object")
        return body

    def login(self, username: str, password: str) -> dict[str, Any]:
        body = self._request("POST", "/api/login", json={
            "username": username, "password": password, "workstation": self.workstation})
        token, user = body.get("token"), body.get("user")
        if not isinstance(token, str) or not isinstance(user, dict) or "role" not in user:
            raise ProtocolError("login reply lacks token or user")
        self._token = token
        self._credentials = (username, password)
        self.user = user
        self.store.set_state(f"user:{username}", json.dumps(user, ensure_ascii=False))
        # Lets this operator unlock the workstation during an outage.
        self.store.set_state(f"offline_login:{username}", hash_password(password))
        return user

    def offline_login(self, username: str, password: str) -> dict[str, Any] | None:
        """Sign in without the server: only an operator who signed in here
        before, with the same password.  Commands still go to the server,
        which checks them when it is back."""
        verifier = self.store.get_state(f"offline_login:{username}")
        known = self.store.get_state(f"user:{username}")
        if not verifier or not known or not verify_password(password, verifier):
            return None
        user = json.loads(known)
        self._credentials = (username, password)
        self.user = user
        return dict(user)

    def health(self) -> dict[str, Any]:
        return self._request("GET", "/api/health")

    # ---- one round ----------------------------------------------------------

    def sync_once(self) -> SyncReport:
        """Push, pull and fetch positions once.  Never raises for network
        trouble: the report says offline and why."""
        report = SyncReport(online=False)
        try:
            if self._token is None:
                if self._credentials is None:
                    report.error = "not signed in"
                    return report
                self.login(*self._credentials)
            self._push(report)
            self._pull(report)
            self._fetch_positions(report)
            report.online = True
        except (requests.ConnectionError, requests.Timeout) as exc:
            report.error = f"server unreachable: {type(exc).__name__}"
        except (ProtocolError, AuthError) as exc:
            report.online = True  # reachable, but something is wrong: say it
            report.error = str(exc)
        return report

    def _push(self, report: SyncReport) -> None:
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
                if result.get("outcome") not in ("accepted", "rejected"):
                    raise ProtocolError(f"command reply has outcome {result.get('outcome')!r}")
            report.summary.merge(self.store.record_results(results))
            report.pushed += len(results)
            report.server_time = body.get("server_time")
            if len(pending) < PUSH_BATCH:
                return

    def _pull(self, report: SyncReport) -> None:
        for _ in range(MAX_PAGES_PER_SYNC):
            after = self.store.cursor()
            body = self._request("GET", "/api/changes", params={"after": after, "limit": PAGE_SIZE})
            changes = body.get("changes")
            if not isinstance(changes, list) or not isinstance(body.get("last_seq"), int):
                raise ProtocolError("change page lacks changes or last_seq")
            expected = after + 1
            for change in changes:
                if (not isinstance(change, dict) or change.get("seq") != expected
                        or not isinstance(change.get("data"), dict) or "entity" not in change):
                    raise ProtocolError(f"change feed is not gap-free after {after}: expected seq {expected}")
                expected += 1
            report.server_time = body.get("server_time")
            if not changes:
                return
            report.summary.merge(self.store.apply_change_page(changes, changes[-1]["seq"]))
            report.pulled += len(changes)
            if not body.get("more"):
                return

    def _fetch_positions(self, report: SyncReport) -> None:
        cursor = self.store.position_cursor()
        if cursor is None:
            body = self._request("GET", "/api/positions/latest")
            rows, new_cursor = body.get("vehicles"), body.get("cursor")
        else:
            body = self._request("GET", "/api/positions", params={"after": cursor, "limit": 20000})
            rows, new_cursor = body.get("positions"), body.get("cursor")
        if not isinstance(rows, list) or not isinstance(new_cursor, int):
            raise ProtocolError("position reply lacks positions or cursor")
        for row in rows:
            if not isinstance(row, dict) or not {"vehicle_id", "device_time", "lon", "lat"} <= row.keys():
                raise ProtocolError("position row lacks vehicle_id, device_time, lon or lat")
        report.summary.merge(self.store.apply_positions(rows, new_cursor))
        report.positions = len(rows)


def _detail(response: requests.Response) -> str:
    try:
        body = response.json()
        if isinstance(body, dict) and "detail" in body:
            return str(body["detail"])
    except ValueError:
        pass
    return response.text[:200]
