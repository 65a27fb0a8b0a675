"""The vehicles' own traffic with the centre: alarm acknowledgements going
up, old tracks and replay windows coming down.

Live positions are not here: the sync engine follows the server's position
cursor (``/api/positions?after=``, paged until caught up, woken by its
long-poll), and every page lands in the track table through
``LocalStore.apply_positions`` (see app/store/vehicles.py).  That is what makes a
track hole-free across this workstation's outages: the cursor only moves
past what was stored.

``VehicleLink`` is blocking and used from ONE worker thread (the
``VehicleDriver``'s), with its own ``LocalStore`` and HTTP session; every
request has a timeout.  ``VehicleDriver`` lives on the UI thread; its
signals are emitted there.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from PySide6.QtCore import QObject, QTimer, Signal

from app.runtime.background import Worker
from app.store.replica import ChangeSummary, LocalStore
from app.store.vehicles import VehicleStore

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 2.0
READ_TIMEOUT_S = 15.0
ACK_INTERVAL_S = 2.0
WINDOW_PAGE = 20000
MAX_WINDOW_PAGES = 100


class LinkError(Exception):
    """The server answered, but not with what the API promises (or refused)."""


class VehicleLink:
    def __init__(self, store_path: str | Path, server_url: str, workstation: str,
                 credentials: Callable[[], tuple[str, str] | None]):
        self.store_path = Path(store_path)
        self.server_url = server_url.rstrip("/")
        self.workstation = workstation
        self._credentials = credentials
        self._http = requests.Session()
        self._token: str | None = None
        self._store: LocalStore | None = None

    @property
    def vehicles(self) -> VehicleStore:
        if self._store is None:
            self._store = LocalStore(self.store_path)
        return VehicleStore(self._store)

    def close(self) -> None:
        self._http.close()
        if self._store is not None:
            self._store.close()

    # ---- HTTP ------------------------------------------------------------

    def _login(self) -> None:
        creds = self._credentials()
        if creds is None:
            raise LinkError("not signed in")
        reply = self._http.post(self.server_url + "/api/login", json={
            "username": creds[0], "password": creds[1], "workstation": self.workstation},
            timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S))
        if reply.status_code != 200:
            raise LinkError(f"sign-in refused: HTTP {reply.status_code}")
        token = reply.json().get("token")
        if not isinstance(token, str):
            raise LinkError("login reply lacks a token")
        self._token = token

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        if self._token is None:
            self._login()
        for attempt in (1, 2):
            reply = self._http.request(method, self.server_url + path,
                                       headers={"Authorization": f"Bearer {self._token}"},
                                       timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S), **kwargs)
            if reply.status_code == 401 and attempt == 1:
                self._login()
                continue
            return reply
        return reply

    @staticmethod
    def _json(reply: requests.Response, what: str) -> dict[str, Any]:
        try:
            body = reply.json()
        except ValueError as exc:
            raise LinkError(f"{what}: reply is not JSON") from exc
        if not isinstance(body, dict):
            raise LinkError(f"{what}: reply is not a JSON object")
        return body

    # ---- acknowledgements --------------------------------------------------

    def push_acks(self) -> ChangeSummary:
        """Send every pending acknowledgement.  A network failure leaves the
        rest pending (raised); a refusal is kept with the server's reason."""
        summary = ChangeSummary()
        vehicles = self.vehicles
        for ack in vehicles.pending_acks():
            reply = self._call("POST", f"/api/alarms/{ack['alarm_id']}/ack",
                               json={"note": ack["note"], "acknowledged_at": ack["at"]})
            if reply.status_code == 200:
                body = self._json(reply, "acknowledgement")
                if not isinstance(body.get("alarm"), dict):
                    raise LinkError("acknowledgement reply lacks the alarm")
                summary.merge(vehicles.record_ack_result(ack["alarm_id"], "sent", body))
            elif reply.status_code in (404, 422):
                detail = self._json(reply, "acknowledgement").get("detail")
                summary.merge(vehicles.record_ack_result(
                    ack["alarm_id"], "refused", {"detail": str(detail)}))
            else:
                raise LinkError(f"acknowledgement: HTTP {reply.status_code}")
        return summary

    # ---- downloads ---------------------------------------------------------

    def fetch_window(self, start: str, end: str) -> ChangeSummary:
        """Every fix of [start, end] from the server into the track table
        (a replay of a time older than this workstation has)."""
        after = 0
        summary = ChangeSummary()
        for _ in range(MAX_WINDOW_PAGES):
            reply = self._call("GET", "/api/replay/window", params={
                "start": start, "end": end, "after_id": after, "limit": WINDOW_PAGE})
            if reply.status_code != 200:
                raise LinkError(f"replay window: HTTP {reply.status_code}: {reply.text[:200]}")
            body = self._json(reply, "replay window")
            rows, cursor = body.get("positions"), body.get("cursor")
            if not isinstance(rows, list) or not isinstance(cursor, int):
                raise LinkError("replay window lacks positions or cursor")
            for row in rows:
                if not isinstance(row, dict) or not {"position_id", "vehicle_id", "device_time",
                                                     "lon", "lat"} <= row.keys():
                    raise LinkError("replay window row lacks its id, vehicle, time or place")
            summary.merge(self.vehicles.add_positions(rows))
            after = cursor
            if not body.get("more"):
                break
        return summary

    def save_geofence(self, data: dict[str, Any]) -> dict[str, Any]:
        reply = self._call("POST", "/api/geofences", json=data)
        body = self._json(reply, "geofence")
        if reply.status_code != 200:
            raise LinkError(str(body.get("detail") or f"HTTP {reply.status_code}"))
        return body


class VehicleDriver(QObject):
    """Pushes acknowledgements in the background and runs downloads.

    No loop of its own: a push runs when an acknowledgement is queued (and
    once at start, for any left from an earlier session), and again every
    ``ACK_INTERVAL_S`` while the centre cannot be reached, on a Qt timer.
    ``storeChanged`` carries the ``ChangeSummary`` of what the link wrote;
    ``failed`` a message for the operator.  UI thread only.
    """

    storeChanged = Signal(object)
    failed = Signal(str)

    def __init__(self, link: VehicleLink, parent: QObject | None = None):
        super().__init__(parent)
        self.link = link
        self.worker = Worker("vehicles")
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.setInterval(int(ACK_INTERVAL_S * 1000))
        self._retry.timeout.connect(self.push_now)
        self._busy = False
        self._again = False
        self._stopped = False
        self.last_error: str | None = None
        self.pushes = 0

    def start(self) -> None:
        # Through the Qt loop, so the push starts once the event loop runs.
        QTimer.singleShot(0, self.push_now)

    def wake(self) -> None:
        """An acknowledgement was queued: send it now."""
        self.push_now()

    def push_now(self) -> None:
        if self._stopped:
            return
        try:
            loop = asyncio.get_event_loop()
        except RuntimeError:
            loop = None
        if loop is None or loop.is_closed():
            # The session's event loop has ended (the application is going
            # away, or a test's loop was closed): nothing more to send.
            self._stopped = True
            return
        if self._busy:
            self._again = True
            return
        self._busy = True
        self._again = False
        self.pushes += 1
        self.worker.submit(self.link.push_acks, on_done=self._pushed, on_error=self._push_failed)

    def _pushed(self, summary: ChangeSummary) -> None:
        self._busy = False
        self.last_error = None
        if summary:
            self.storeChanged.emit(summary)
        if self._again:
            self.push_now()

    def _push_failed(self, exc: BaseException) -> None:
        self._busy = False
        if isinstance(exc, requests.ConnectionError | requests.Timeout):
            self.last_error = "server unreachable"  # the acknowledgements wait; nothing to say yet
        else:
            self.last_error = str(exc) or type(exc).__name__
            log.warning("vehicle link: %s", self.last_error)
        if not self._stopped:
            self._retry.start()

    def stop(self) -> None:
        """Stop retrying; a request in flight ends within its timeout."""
        self._stopped = True
        self._retry.stop()
        self.worker.shutdown(wait=False)

    def fetch_window(self, start: str, end: str,
                     on_done: Callable[[ChangeSummary | None], None]) -> None:
        """Download a replay window; ``on_done`` gets the summary, or None
        when it failed (``failed`` says why)."""

        def done(summary: ChangeSummary) -> None:
            self.storeChanged.emit(summary)
            on_done(summary)

        def error(exc: BaseException) -> None:
            self.failed.emit(str(exc) or type(exc).__name__)
            on_done(None)

        self.worker.submit(self.link.fetch_window, start, end, on_done=done, on_error=error)


__all__ = ["LinkError", "VehicleDriver", "VehicleLink"]
