"""Simulated GPS terminals that speak real JT/T 808 over TCP, and the fleet
they make.

- terminal.py: ``SimulatedTerminal``, one terminal over TCP (optionally
  misbehaving);
- driver.py: ``Driver``, wandering between nearby cell centres; routes.py:
  ``RouteDriver`` along realistic routes (a street swept back and forth, a
  muck truck's shuttle between sites, a patrol loop);
- drive.py: ``drive``, one terminal on the road with coverage gaps,
  blind-area buffering, 0x0704 back-fill, reconnection and a device clock;
- fleet.py: ``run_fleet``, the whole fleet;
- district.py: what the fleet drives on, asked of the server over its
  HTTP API (the simulator never touches the server's database).

Everything that drives is asyncio: create and use the objects on one event
loop; the district is read (and the demo geofences written) before the loop
starts.
"""

from server.simulator.district import (
    District,
    ServerError,
    ServerLink,
    approved_routes,
    ensure_geofences,
    load_district,
)
from server.simulator.drive import CoverageGaps, DeviceClock, DriveStats, device_iso, drive
from server.simulator.driver import Driver, demo_speed_kmh
from server.simulator.fleet import FleetVehicle, edition_for, run_fleet
from server.simulator.terminal import SimulatedTerminal, TerminalError

__all__ = [
    "CoverageGaps", "DeviceClock", "District", "DriveStats", "Driver", "FleetVehicle", "ServerError",
    "ServerLink", "SimulatedTerminal", "TerminalError", "approved_routes", "demo_speed_kmh", "device_iso",
    "drive", "edition_for", "ensure_geofences", "load_district", "run_fleet",
]
