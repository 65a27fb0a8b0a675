"""``python -m benchmarks NAME``; ``python -m benchmarks`` lists the names."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = {
    "caseloop": "benchmarks.caseloop",
    "gateway": "benchmarks.gateway",
    "feed": "benchmarks.feed",
    "map": "benchmarks.map",
    "queue": "benchmarks.queue",
    "startup": "benchmarks.startup",
    "sync": "benchmarks.sync",
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in BENCHMARKS:
        print("usage: python -m benchmarks NAME   (names: " + ", ".join(sorted(BENCHMARKS)) + ")",
              file=sys.stderr)
        return 2
    module = importlib.import_module(BENCHMARKS[argv[0]])
    return int(module.run(argv[1:]) or 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
