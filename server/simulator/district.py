"""What the fleet drives on, asked of the central server over its public
HTTP API only (docs/api.md), never from its database:

- ``GET /api/vehicles/terminals``: the vehicles and their terminals' phones;
- ``GET /api/cells/centres``: every cell's centre (GCJ-02);
- ``GET/POST /api/geofences``: the rules on record, and the demo's rules
  where missing.

The account signed in must be allowed to define geofences (a shift leader,
a leader or an admin) unless the demo's geofences are not written.

Threading: blocking HTTP; call before the event loop starts or in an executor.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import requests

from server.simulator.fleet import FleetVehicle

TIMEOUT_S = (5.0, 60.0)  # connect, read: the cells of a big district are a few MB


class ServerError(RuntimeError):
    """The server refused or could not be reached; the message says which."""


class ServerLink:
    """A signed-in session with the central server's API."""

    def __init__(self, base_url: str, username: str, password: str, *,
                 workstation: str = "simulator"):
        self.base_url = base_url.rstrip("/")
        self.username = username
        self.password = password
        self.workstation = workstation
        self.session = requests.Session()
        self._token: str | None = None

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        if self._token is None:
            self.sign_in()
        try:
            reply = self.session.request(method, self.base_url + path, timeout=TIMEOUT_S,
                                         headers={"Authorization": f"Bearer {self._token}"}, **kwargs)
        except requests.RequestException as exc:
            raise ServerError(f"{method} {path}: {exc}") from exc
        if reply.status_code >= 400:
            raise ServerError(f"{method} {path}: HTTP {reply.status_code} {reply.text[:300]}")
        return reply.json()

    def sign_in(self) -> None:
        try:
            reply = self.session.post(self.base_url + "/api/login", timeout=TIMEOUT_S, json={
                "username": self.username, "password": self.password, "workstation": self.workstation})
        except requests.RequestException as exc:
            raise ServerError(f"cannot reach the server at {self.base_url}: {exc}") from exc
        if reply.status_code != 200:
            raise ServerError(f"signing in as {self.username} failed: HTTP {reply.status_code} "
                              f"{reply.text[:300]}")
        self._token = reply.json()["token"]

    def vehicles(self, limit: int | None = None) -> list[FleetVehicle]:
        params = {"limit": limit} if limit is not None else {}
        rows = self._call("GET", "/api/vehicles/terminals", params=params)["vehicles"]
        return [FleetVehicle(r["vehicle_id"], r["kind"], r["terminal_phone"], r.get("plate") or "")
                for r in rows]

    def cell_centres(self) -> list[list[Any]]:
        return list(self._call("GET", "/api/cells/centres")["cells"])

    def geofences(self, active_only: bool = False) -> list[dict[str, Any]]:
        return list(self._call("GET", "/api/geofences",
                               params={"active_only": str(active_only).lower()})["geofences"])

    def save_geofence(self, fence: dict[str, Any]) -> dict[str, Any]:
        return dict(self._call("POST", "/api/geofences", json=fence)["geofence"])

    def close(self) -> None:
        self.session.close()


@dataclass
class District:
    """What the fleet drives on."""

    vehicles: list[FleetVehicle]
    cell_codes: list[str]
    gcj_lon: np.ndarray  # cell centres, GCJ-02
    gcj_lat: np.ndarray


def load_district(link: ServerLink, limit: int | None = None) -> District:
    """Vehicles (at most ``limit``, by vehicle id) and cell centres (GCJ-02)."""
    vehicles = link.vehicles(limit)
    cells = link.cell_centres()
    return District(vehicles, [str(c[0]) for c in cells],
                    np.array([c[1] for c in cells], dtype=np.float64),
                    np.array([c[2] for c in cells], dtype=np.float64))


def ensure_geofences(link: ServerLink, geofences: list[dict[str, Any]]) -> int:
    """Save the demo's rules where missing (by id); returns how many were added."""
    have = {r["geofence_id"] for r in link.geofences(active_only=False)}
    added = 0
    for fence in geofences:
        if fence["geofence_id"] not in have:
            link.save_geofence(fence)
            added += 1
    return added


def approved_routes(geofence_rows: list[dict[str, Any]]) -> dict[str, list[tuple[float, float]]]:
    """vehicle id -> its corridor's line (GCJ-02), for vehicles bound by
    exactly one active corridor among ``geofence_rows`` (as ``GET
    /api/geofences`` answers them): a truck drives the route it was
    approved for, the one the alarm judge holds it to."""
    rows = [r for r in geofence_rows if r["kind"] == "corridor" and r["geometry"] and r["active"]]
    found: dict[str, list[list[tuple[float, float]]]] = {}
    for row in rows:
        geometry = json.loads(row["geometry"])
        if geometry.get("type") != "LineString":
            continue
        line = [(float(x), float(y)) for x, y in geometry["coordinates"]]
        for vehicle_id in json.loads(row["vehicle_ids"] or "[]"):
            found.setdefault(vehicle_id, []).append(line)
    return {v: lines[0] for v, lines in found.items() if len(lines) == 1 and len(lines[0]) >= 2}


__all__ = ["District", "ServerError", "ServerLink", "approved_routes", "ensure_geofences", "load_district"]
