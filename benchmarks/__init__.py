"""Benchmarks: ``python -m benchmarks NAME`` prints one JSON object per figure.

Each line is ``{"benchmark": NAME, "figure": FIGURE, "value": NUMBER, "unit": UNIT}``.
Machines are shared and noisy, so figures are medians of repeated runs, and
where a ratio is asked its baseline is measured in the same run.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable


def emit(benchmark: str, figure: str, value: float, unit: str) -> None:
    print(json.dumps({"benchmark": benchmark, "figure": figure, "value": round(float(value), 3), "unit": unit}),
          flush=True)


def median_ms(fn: Callable[[], object], repeat: int = 15, warmup: int = 2) -> float:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)
