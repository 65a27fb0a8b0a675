"""The vehicles' own traffic with the centre: alarm acknowledgements going
up, old tracks and replay windows coming down.

Live positions are not here: the sync engine follows the server's position
cursor (``/api/positions?after=``, paged until caught up, woken by its
long-poll), and every page lands in the track table through
``LocalStore.apply_positions`` (see app/store/vehicles.py).  That is what makes a
track hole-free across this workstation's outages: the cursor only moves
past what was stored.

``VehicleLink`` is blocking and used from ONE worker thread (the
``VehicleDriver``'s), with its own ``LocalStore``; its HTTP goes through the
session's ``ServerClient`` (app/net/client.py: token, the one re-sign-in,
timeouts, and that thread's own HTTP session).  ``VehicleDriver`` lives on
the UI thread; its signals are emitted there.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from app.net.client import NetworkError, ProtocolError, ServerClient
from app.runtime.background import Worker
from app.store.replica import ChangeSummary, LocalStore
from app.store.vehicles import VehicleStore
from core.problems import Problem, ProblemError

log = logging.getLogger(__name__)

ACK_INTERVAL_S = 2.0
WINDOW_PAGE = 20000
MAX_WINDOW_PAGES = 100
REFUSALS = (400, 403, 404, 409, 422)  # the server read the request and said no (with a detail)


def _bad(request: str, message: str) -> ProtocolError:
    return ProtocolError("bad_reply", message, request=request)


class VehicleLink:
    def __init__(self, store_path: str | Path, client: ServerClient):
        self.store_path = Path(store_path)
        self.client = client
        self._store: LocalStore | None = None

    @property
    def vehicles(self) -> VehicleStore:
        if self._store is None:
            self._store = LocalStore(self.store_path)
        return VehicleStore(self._store)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()

    # ---- acknowledgements --------------------------------------------------

    def push_acks(self) -> ChangeSummary:
        """Send every pending acknowledgement.  A network failure leaves the
        rest pending (raised); a refusal is kept with the server's reason."""
        summary = ChangeSummary()
        vehicles = self.vehicles
        for ack in vehicles.pending_acks():
            path = f"/api/alarms/{ack['alarm_id']}/ack"
            reply = self.client.request("POST", path, accept=(404, 422),
                                        json={"note": ack["note"], "acknowledged_at": ack["at"]})
            body = self.client.json_body(reply, "POST", path)
            if reply.status_code == 200:
                if not isinstance(body.get("alarm"), dict):
                    raise _bad("POST /api/alarms/ack", "acknowledgement reply lacks the alarm")
                summary.merge(vehicles.record_ack_result(ack["alarm_id"], "sent", body))
            else:
                summary.merge(vehicles.record_ack_result(
                    ack["alarm_id"], "refused", {"detail": str(body.get("detail"))}))
        return summary

    # ---- downloads ---------------------------------------------------------

    def fetch_window(self, start: str, end: str) -> ChangeSummary:
        """Every fix of [start, end] from the server into the track table
        (a replay of a time older than this workstation has)."""
        after = 0
        summary = ChangeSummary()
        for _ in range(MAX_WINDOW_PAGES):
            body = self.client.call("GET", "/api/replay/window", params={
                "start": start, "end": end, "after_id": after, "limit": WINDOW_PAGE})
            rows, cursor = body.get("positions"), body.get("cursor")
            if not isinstance(rows, list) or not isinstance(cursor, int):
                raise _bad("GET /api/replay/window", "replay window lacks positions or cursor")
            for row in rows:
                if not isinstance(row, dict) or not {"position_id", "vehicle_id", "device_time",
                                                     "lon", "lat"} <= row.keys():
                    raise _bad("GET /api/replay/window", "replay window row lacks its id, vehicle, time or place")
            summary.merge(self.vehicles.add_positions(rows))
            after = cursor
            if not body.get("more"):
                break
        return summary

    def save_geofence(self, data: dict[str, Any]) -> dict[str, Any]:
        """POST a geofence; the centre's refusal raises ``ProtocolError`` with
        the code and params of the reply's ``reason`` (the views translate
        it), or "geofence_refused" with the status when the reply has none
        (a request the API's validation refused); the English ``detail``
        goes to the message, for the log."""
        reply = self.client.request("POST", "/api/geofences", accept=REFUSALS, json=data)
        body = self.client.json_body(reply, "POST", "/api/geofences")
        if reply.status_code != 200:
            detail = str(body.get("detail") or f"HTTP {reply.status_code}")
            reason = body.get("reason")
            if isinstance(reason, dict) and isinstance(reason.get("code"), str) and reason["code"]:
                given = reason.get("params")
                params = {k: v for k, v in given.items() if k not in ("code", "message")} \
                    if isinstance(given, dict) else {}
                raise ProtocolError(reason["code"], f"geofence refused: {detail}", **params)
            raise ProtocolError("geofence_refused", f"geofence refused: {detail}", status=reply.status_code)
        return body


class VehicleDriver(QObject):
    """Pushes acknowledgements in the background and runs downloads.

    No loop of its own: a push runs when an acknowledgement is queued (and
    once at start, for any left from an earlier session), and again every
    ``ACK_INTERVAL_S`` while the centre cannot be reached, on a Qt timer.
    ``storeChanged`` carries the ``ChangeSummary`` of what the link wrote;
    ``failed`` a ``Problem`` for the operator (the views translate it by
    code).  UI thread only.
    """

    storeChanged = Signal(object)
    failed = Signal(object)  # core.problems.Problem

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
        self.last_error: Problem | None = None
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
        self.last_error = _problem(exc)
        if not isinstance(exc, NetworkError):  # offline: the acknowledgements wait; nothing to say yet
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
            log.warning("replay window: %s", exc)
            self.failed.emit(_problem(exc))
            on_done(None)

        self.worker.submit(self.link.fetch_window, start, end, on_done=done, on_error=error)


def _problem(exc: BaseException) -> Problem:
    if isinstance(exc, ProblemError):
        return exc.problem
    return Problem("unexpected", f"{type(exc).__name__}: {exc}")


__all__ = ["VehicleDriver", "VehicleLink"]
