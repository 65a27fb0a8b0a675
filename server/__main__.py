"""``python -m server``: the central server, HTTP API and JT/T 808 gateway in one process.

Prints one JSON line ``{"event": "ready", "api_port": ..., "jt808_port": ...}``
on stdout once both listen, so scripts and tests can pass port 0 and learn
the ports they got.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import socket
import sys

import uvicorn

from server.api import create_app
from server.storage import ServerStore

log = logging.getLogger("griddesk.server")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m server", description=__doc__)
    parser.add_argument("--db", default="sqlite:///var/server.db",
                        help="SQLAlchemy URL (SQLite file by default, PostgreSQL in production)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--api-port", type=int, default=8808)
    parser.add_argument("--jt808-port", type=int, default=8809)
    parser.add_argument("--log-level", default="warning")
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    from server.gateway import JT808Gateway

    store = ServerStore(args.db)
    gateway = JT808Gateway(store, host=args.host, port=args.jt808_port)
    await gateway.start()
    app = create_app(store, gateway_stats=gateway.stats)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.api_port))
    config = uvicorn.Config(app, log_level=args.log_level, access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, lambda: _begin_shutdown(server, app))
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started and not serving.done():
        await asyncio.sleep(0.02)
    if serving.done():
        await serving
        return
    print(json.dumps({"event": "ready", "api_port": sock.getsockname()[1],
                      "jt808_port": gateway.port, "db": store.engine.url.render_as_string()}),
          flush=True)
    try:
        await serving
    finally:
        await gateway.stop()
        snapshots = getattr(app.state, "snapshots", None)
        if snapshots is not None:
            snapshots.close()
        store.close()


def _begin_shutdown(server: uvicorn.Server, app) -> None:
    server.should_exit = True
    # uvicorn waits for requests in flight: end the long-polls now, not in 25 s.
    notifier = getattr(app.state, "notifier", None)
    if notifier is not None:
        notifier.close()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
