"""``python -m server.simulator``: drive the demo fleet over real JT/T 808.

Reads vehicles and cell centres from the server database (read only), then
runs one terminal per vehicle against the gateway until ``--seconds`` pass
or it is interrupted, and prints one JSON summary line.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
import sys

from server.simulator import load_fleet, run_fleet


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m server.simulator", description=__doc__)
    p.add_argument("--db", required=True, help="SQLAlchemy URL of the server database")
    p.add_argument("--host", default="127.0.0.1", help="gateway host")
    p.add_argument("--port", type=int, required=True, help="gateway JT/T 808 port")
    p.add_argument("--terminals", type=int, default=None,
                   help="drive at most this many vehicles, by vehicle id (default: all)")
    p.add_argument("--interval", type=float, default=2.0, help="seconds between reports")
    p.add_argument("--speedup", type=float, default=10.0,
                   help="drive this many times faster than real (capped below 200 km/h)")
    p.add_argument("--seconds", type=float, default=None, help="stop after this long")
    p.add_argument("--seed", type=int, default=None, help="random seed, for repeatable runs")
    p.add_argument("-v", "--verbose", action="store_true")
    args = p.parse_args(argv)
    if args.interval <= 0 or args.speedup <= 0:
        p.error("--interval and --speedup must be positive")
    return args


async def _main(args: argparse.Namespace) -> int:
    loop = asyncio.get_running_loop()
    vehicles, lon, lat = await loop.run_in_executor(None, load_fleet, args.db, args.terminals)
    if not vehicles:
        print("no vehicles in the database", file=sys.stderr)
        return 2
    if len(lon) == 0:
        print("no cells in the database to drive between", file=sys.stderr)
        return 2
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on Windows
            loop.add_signal_handler(sig, stop.set)
    logging.getLogger(__name__).info("driving %d vehicles against %s:%d",
                                     len(vehicles), args.host, args.port)
    results = await run_fleet(vehicles, lon, lat, host=args.host, port=args.port,
                              interval=args.interval, speedup=args.speedup,
                              seconds=args.seconds, seed=args.seed, stop=stop)
    summary = {
        "terminals": len(results),
        "sent": sum(r.sent for r in results.values()),
        "acked": sum(r.acked for r in results.values()),
        "backfilled": sum(r.backfilled for r in results.values()),
        "buffered": sum(r.buffered for r in results.values()),
        "connects": sum(r.connects for r in results.values()),
        "failures": sum(r.failures for r in results.values()),
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
