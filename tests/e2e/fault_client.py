"""A workstation for the fault test: a real ``SyncEngine`` and ``CaseDesk``
on a real SQLite store, issuing commands from a seeded random plan and
syncing, until it is killed (SIGKILL, any time) or told to stop.

    python tests/e2e/fault_client.py --store S --server URL --workstation WS --user U --seed N

Every restart continues on the same store with the next seed of its
sequence, so what it does is reproducible run by run.  It keeps the case
world small (a bounded number of registrations) so that workstations keep
bumping into each other's cases: that is where conflicts come from.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.services.desk import CaseDesk  # noqa: E402
from app.store.ledger import LedgerError, OutboxLedger  # noqa: E402
from app.store.replica import LocalStore  # noqa: E402
from app.sync.engine import SyncEngine  # noqa: E402
from core.cases import CommandRejected  # noqa: E402

CELLS = ["110101001001001", "110101001001002", "110101001001003", "110101001001004"]
CENTRES = {"110101001001001": (116.41058, 39.92045), "110101001001002": (116.41175, 39.92045),
           "110101001001003": (116.41058, 39.92135), "110101001001004": (116.41175, 39.92135)}
DEPARTMENTS = ["D-SAN", "D-ROAD", "D-ST001"]
MAX_REGISTRATIONS = 12


def sign_in(engine: SyncEngine, user: str, deadline: float) -> dict:
    while True:
        try:
            return engine.login(user, "demo")
        except Exception:  # the server or the network is down: the whole point
            offline = engine.offline_login(user, "demo")
            if offline is not None:
                return offline
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", required=True, type=Path)
    parser.add_argument("--server", required=True)
    parser.add_argument("--workstation", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--stop-file", type=Path)
    args = parser.parse_args(argv)

    store = LocalStore(args.store)
    runs = int(store.get_state("fault_runs", "0") or 0) + 1
    store.set_state("fault_runs", str(runs))
    rng = random.Random(args.seed * 1000 + runs)
    engine = SyncEngine(args.store, args.server, args.workstation)
    user = sign_in(engine, args.user, time.monotonic() + 60)
    desk = CaseDesk(store, args.workstation, user)
    ledger = OutboxLedger(store)
    while not (args.stop_file and args.stop_file.exists()):
        roll = rng.random()
        try:
            if roll < 0.45:
                engine.sync_once()  # never raises for network trouble
            elif roll < 0.55:
                registered = int(store.get_state("fault_registered", "0") or 0)
                if registered < MAX_REGISTRATIONS:
                    cell = rng.choice(CELLS)
                    lon, lat = CENTRES[cell]
                    desk.register_case(category="E0102", cell_code=cell, lon=lon, lat=lat,
                                       description=f"{args.workstation} case {registered + 1}")
                    store.set_state("fault_registered", str(registered + 1))
            else:
                cases = store.open_case_ids()
                if not cases:
                    continue
                case_id = rng.choice(cases)
                if roll < 0.75:
                    desk.dispatch_case(case_id, rng.choice(DEPARTMENTS))
                elif roll < 0.85:
                    desk.close_case(case_id)
                elif roll < 0.97:
                    desk.add_note(case_id, f"note from {args.workstation} run {runs}")
                else:
                    pending = store.pending_commands(50)
                    if pending:
                        victim = rng.choice(pending).command.command_id
                        ledger.discard(victim, operator=desk.operator, workstation=args.workstation,
                                       reason="fault test: changed my mind")
        except (CommandRejected, LedgerError):
            pass  # the rules refuse it here already: nothing was queued
        time.sleep(rng.uniform(0.0, 0.05))  # a dispatcher's pace: part of the fault mix
    engine.close()
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
