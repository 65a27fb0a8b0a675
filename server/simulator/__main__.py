"""``python -m server.simulator``: drive the demo fleet over real JT/T 808.

Asks the central server's HTTP API (``--server``, signed in as ``--user``)
for the vehicles and cells, lays out realistic routes (sweepers and
sprinklers on streets, muck trucks shuttling between sites along approved
routes, patrol loops), saves the demo's geofences for them where missing
(each muck truck's route as its corridor, a school zone, a parking limit;
the account must be allowed to define geofences), then runs one terminal per vehicle against the gateway
until ``--seconds`` pass or it is interrupted, and prints one JSON summary
line.  Terminals lose coverage now and then and back-fill with 0x0704; a
few misbehave (corrupt frames, line noise) so the gateway's defences show.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
import sys

import numpy as np

from core.coords import gcj02_to_wgs84_array
from server.simulator.district import (
    ServerError,
    ServerLink,
    approved_routes,
    ensure_geofences,
    load_district,
)
from server.simulator.drive import DeviceClock
from server.simulator.fleet import run_fleet
from server.simulator.routes import CellGrid, Route, build_routes, demo_geofences, to_wgs


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m server.simulator", description=__doc__)
    p.add_argument("--server", required=True,
                   help="the central server's API, e.g. http://127.0.0.1:8808")
    p.add_argument("--user", default="leader",
                   help="account to sign in with; it saves the demo's geofences (default: leader)")
    p.add_argument("--password", default="demo")
    p.add_argument("--host", default="127.0.0.1", help="gateway host")
    p.add_argument("--port", type=int, required=True, help="gateway JT/T 808 port")
    p.add_argument("--terminals", type=int, default=None,
                   help="drive at most this many vehicles, by vehicle id (default: all)")
    p.add_argument("--interval", type=float, default=2.0, help="seconds between reports")
    p.add_argument("--speedup", type=float, default=1.0,
                   help="drive this many times faster than real (capped below 200 km/h); "
                        "1 is the real pace: sweepers at 8 km/h")
    p.add_argument("--time-scale", type=float, default=1.0,
                   help="the terminals' clock runs this many times as fast as the wall "
                        "clock, from now: device time, and the driving with it, passes "
                        "faster; --interval stays in wall seconds (default 1)")
    p.add_argument("--seconds", type=float, default=None, help="stop after this long")
    p.add_argument("--seed", type=int, default=None, help="random seed, for repeatable runs")
    p.add_argument("--wander", action="store_true",
                   help="wander between nearby cells instead of driving routes")
    p.add_argument("--misbehaving", type=int, default=-1,
                   help="terminals that send corrupt frames and noise (default: one in 40)")
    p.add_argument("--gaps-per-minute", type=float, default=0.05,
                   help="how often a terminal loses coverage, per minute (0: never)")
    p.add_argument("--misconduct", type=float, default=0.1,
                   help="how often a muck truck leaves its route or waits too long (0-1)")
    p.add_argument("--no-geofences", action="store_true",
                   help="do not save the demo's geofences")
    p.add_argument("-v", "--verbose", action="store_true")
    args = p.parse_args(argv)
    if args.interval <= 0 or args.speedup <= 0 or args.time_scale <= 0:
        p.error("--interval, --speedup and --time-scale must be positive")
    if args.gaps_per_minute < 0 or not 0 <= args.misconduct <= 1:
        p.error("--gaps-per-minute must be >= 0 and --misconduct within 0-1")
    return args


async def _main(args: argparse.Namespace) -> int:
    loop = asyncio.get_running_loop()
    link = ServerLink(args.server, args.user, args.password)
    try:
        return await _drive(args, loop, link)
    except ServerError as exc:
        print(f"server.simulator: {exc}", file=sys.stderr)
        return 2
    finally:
        link.close()


async def _drive(args: argparse.Namespace, loop: asyncio.AbstractEventLoop, link: ServerLink) -> int:
    district = await loop.run_in_executor(None, load_district, link, args.terminals)
    vehicles = district.vehicles
    if not vehicles:
        print("the server has no vehicles", file=sys.stderr)
        return 2
    if len(district.gcj_lon) == 0:
        print("the server has no cells to drive between", file=sys.stderr)
        return 2
    # Terminals report WGS-84; the cells are GCJ-02 map data.
    lon, lat = gcj02_to_wgs84_array(district.gcj_lon, district.gcj_lat)
    routes: list[Route] | None = None
    if not args.wander:
        grid = CellGrid(district.gcj_lon, district.gcj_lat)
        gcj_routes = build_routes([v.kind for v in vehicles], grid, args.seed)
        # A truck with an approved route already on record drives that one.
        on_record = await loop.run_in_executor(None, link.geofences, True)
        approved = approved_routes(on_record)
        for i, vehicle in enumerate(vehicles):
            if vehicle.kind == "muck_truck" and vehicle.vehicle_id in approved:
                gcj_routes[i] = Route("shuttle", approved[vehicle.vehicle_id], gcj_routes[i].name)
        if not args.no_geofences:
            fences = demo_geofences(vehicles, gcj_routes, grid, district.cell_codes, args.seed)
            await loop.run_in_executor(None, ensure_geofences, link, fences)
        routes = [Route(r.kind, to_wgs(r.points), r.name) for r in gcj_routes]
    count = len(vehicles) // 40 if args.misbehaving < 0 else args.misbehaving
    misbehaving = set(np.random.default_rng(args.seed).choice(
        len(vehicles), size=min(count, len(vehicles)), replace=False).tolist()) if count else set()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on Windows
            loop.add_signal_handler(sig, stop.set)
    logging.getLogger(__name__).info("driving %d vehicles against %s:%d",
                                     len(vehicles), args.host, args.port)
    results = await run_fleet(vehicles, lon, lat, host=args.host, port=args.port,
                              interval=args.interval, speedup=args.speedup,
                              seconds=args.seconds, seed=args.seed, stop=stop, routes=routes,
                              misbehaving=misbehaving, gaps_per_minute=args.gaps_per_minute,
                              misconduct=args.misconduct,
                              clock=DeviceClock(args.time_scale) if args.time_scale != 1 else None)
    summary = {
        "terminals": len(results),
        "sent": sum(r.sent for r in results.values()),
        "acked": sum(r.acked for r in results.values()),
        "backfilled": sum(r.backfilled for r in results.values()),
        "buffered": sum(r.buffered for r in results.values()),
        "connects": sum(r.connects for r in results.values()),
        "failures": sum(r.failures for r in results.values()),
        "gaps": sum(r.gaps for r in results.values()),
        "junk": sum(r.junk for r in results.values()),
        "misbehaving": len(misbehaving),
    }
    print(json.dumps(summary), flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return asyncio.run(_main(args))


if __name__ == "__main__":
    sys.exit(main())
