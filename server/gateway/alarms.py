"""Turns stored fixes into alarms: ``core.alarms.AlarmMonitor`` behind the gateway.

Threading: ``AlarmRunner.process`` is blocking (it reads geofences and
writes alarms through the store's change feed) and is called on ONE thread
only: the gateway hands it each stored batch on a dedicated single-thread
executor, after the terminals have been acknowledged, so alarm work never
delays a position write or a reply.  Batches are processed in the order
they were stored, which is device-time order per vehicle except for late
back-fill (see core/alarms.py for how that is judged).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from core.alarms import AlarmEvent, AlarmMonitor, MonitorFix
from core.coords import wgs84_to_gcj02_array
from core.jt808 import epoch_seconds
from core.positions import PositionFix

if TYPE_CHECKING:
    from server.storage.store import ServerStore

log = logging.getLogger(__name__)

GEOFENCE_RECHECK_S = 5.0


class AlarmRunner:
    def __init__(self, store: ServerStore, *, geofence_recheck_s: float = GEOFENCE_RECHECK_S):
        self.store = store
        self.geofence_recheck_s = geofence_recheck_s
        self.monitor = AlarmMonitor()
        self._kinds: dict[str, str] = {}
        self._signature: tuple[int, str] | None = None
        self._generation = 0
        self._checked = 0.0
        self._started = False
        self.raised = 0
        self.ended = 0
        self.errors = 0

    def _start(self) -> None:
        self._kinds = self.store.vehicle_kinds()
        # Conditions still on in the database were raised before a restart:
        # they must not be raised again by the first fix that shows them.
        self.monitor.restore(self.store.alarms.open_conditions())
        self._started = True

    def _refresh_geofences(self) -> None:
        now = time.monotonic()
        generation = self.store.geofences.generation
        if (now - self._checked < self.geofence_recheck_s and self._signature is not None
                and generation == self._generation):
            return
        self._generation = generation
        self._checked = now
        signature = self.store.geofences.signature()
        if signature != self._signature:
            self._signature = signature
            self.monitor.set_geofences(self.store.geofences.load())
            log.info("alarm rules: %d geofences", len(self.monitor.geofences))

    def _kind(self, vehicle_id: str) -> str:
        kind = self._kinds.get(vehicle_id)
        if kind is None:
            self._kinds = self.store.vehicle_kinds()
            kind = self._kinds.get(vehicle_id, "")
        return kind

    def process(self, fixes: Sequence[tuple[str, PositionFix]]) -> list[dict[str, Any]]:
        """Judge one stored batch; returns the alarm rows written."""
        if not fixes:
            return []
        if not self._started:
            self._start()
        self._refresh_geofences()
        lon = np.fromiter((f.lon for _v, f in fixes), dtype=np.float64, count=len(fixes))
        lat = np.fromiter((f.lat for _v, f in fixes), dtype=np.float64, count=len(fixes))
        glon, glat = wgs84_to_gcj02_array(lon, lat)
        # Stable sort by device time keeps each vehicle's fixes in order
        # within the batch (0x0704 back-fill arrives sorted, 0x0200 live).
        order = sorted(range(len(fixes)), key=lambda i: fixes[i][1].device_time)
        found: list[tuple[AlarmEvent, str, float, float]] = []
        feed = self.monitor.feed
        monitor = self.monitor
        for i in order:
            vehicle_id, fix = fixes[i]
            kind = self._kind(vehicle_id)
            if not fix.alarm and not monitor.binds(vehicle_id, kind) \
                    and not monitor.has_active(vehicle_id):
                continue  # nothing can change for this fix: the common case
            monitor_fix = MonitorFix(vehicle_id, kind, epoch_seconds(fix.device_time),
                                     float(glon[i]), float(glat[i]), fix.speed_kmh, fix.alarm,
                                     fix.flags)
            for event in feed(monitor_fix):
                found.append((event, fix.device_time, fix.lon, fix.lat))
        if not found:
            return []
        rows = self.store.alarms.record_events(found)
        self.raised += sum(1 for e, *_ in found if e.action == "raise")
        self.ended += sum(1 for e, *_ in found if e.action == "end")
        return rows

    def stats(self) -> dict[str, int]:
        return {"alarms_raised": self.raised, "alarms_ended": self.ended,
                "alarm_errors": self.errors}


__all__ = ["AlarmRunner"]
