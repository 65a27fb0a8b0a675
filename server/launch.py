"""``make run``: the live demo on loopback — central server, JT/T 808
simulator, and the client signed in as the demo dispatcher.

Stops everything when the client window closes (or on Ctrl+C).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m server.launch", description=__doc__)
    parser.add_argument("--db", default="sqlite:///var/server.db")
    parser.add_argument("--api-port", type=int, default=8808)
    parser.add_argument("--jt808-port", type=int, default=8809)
    parser.add_argument("--terminals", type=int, default=120)
    parser.add_argument("--user", default="dispatcher")
    parser.add_argument("--password", default="demo")
    parser.add_argument("--store", default="var/client-WS01.db")
    args = parser.parse_args(argv)

    # SIGTERM (a supervisor, `timeout`, a closed terminal) stops the children too.
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # raises KeyboardInterrupt
    py = sys.executable
    server = subprocess.Popen([py, "-m", "server", "--db", args.db, "--api-port", str(args.api_port),
                               "--jt808-port", str(args.jt808_port)], stdout=subprocess.PIPE, text=True)
    children: list[subprocess.Popen] = [server]
    try:
        line = server.stdout.readline() if server.stdout else ""
        if not line:
            print("the server did not start; see the messages above", file=sys.stderr)
            return 1
        ready = json.loads(line)
        print(f"server: http://127.0.0.1:{ready['api_port']}  (API docs at /docs), "
              f"JT/T 808 on port {ready['jt808_port']}", flush=True)
        # The simulator asks the server's API for its fleet and saves the demo's
        # geofences as the demo's shift leader (resources/demo/names.json).
        children.append(subprocess.Popen([py, "-m", "server.simulator", "--server",
                                          f"http://127.0.0.1:{ready['api_port']}", "--user", "leader",
                                          "--password", "demo", "--port", str(ready["jt808_port"]),
                                          "--terminals", str(args.terminals)]))
        env = dict(os.environ)
        if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY") and not env.get("QT_QPA_PLATFORM"):
            print("no display: the client runs offscreen (use xvfb-run, or a desktop, to see it)", flush=True)
            env["QT_QPA_PLATFORM"] = "offscreen"
        client = subprocess.Popen([py, "main.py", "--server", f"http://127.0.0.1:{ready['api_port']}",
                                   "--user", args.user, "--password", args.password,
                                   "--workstation", "WS01", "--store", args.store], env=env)
        children.append(client)
        print(f"client: signed in as {args.user} on workstation WS01; close its window to stop", flush=True)
        while client.poll() is None:
            time.sleep(0.5)
            if server.poll() is not None:
                print("the server stopped", file=sys.stderr)
                break
        return client.returncode or 0
    except KeyboardInterrupt:
        return 0
    finally:
        for child in reversed(children):
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()


if __name__ == "__main__":
    sys.exit(main())
