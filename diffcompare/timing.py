"""Calibrated repeats, in the manner of timeit.autorange, reported as median, IQR and min."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Timing:
    median: float  # seconds per call
    iqr: float
    min: float
    number: int  # calls per repeat
    repeats: int


@dataclass(frozen=True)
class Budget:
    """How long to time one callable. The default is the suite's overview (every cell of
    77 cases in under a minute); benchmarks/ use longer budgets for figures to quote."""

    batch_s: float = 0.001  # a repeat lasts at least this long (the timer is far finer)
    repeats: int = 5
    max_total_s: float = 0.25  # a slow callable gets fewer repeats, never fewer than 3

    @classmethod
    def quick(cls) -> Budget:
        return cls(batch_s=0.0005, repeats=3, max_total_s=0.2)


def measure(fn: Callable[[], object], budget: Budget = Budget()) -> Timing:
    """Time fn (which must synchronise its device itself). fn has been called once already."""
    timer = time.perf_counter
    number = 1
    while True:  # 1, 2, 5, 10, 20, 50, ... calls until one batch lasts batch_s
        start = timer()
        for _ in range(number):
            fn()
        elapsed = timer() - start
        if elapsed >= budget.batch_s:
            break
        number = number * 5 // 2 if str(number)[0] == "2" else number * 2
    repeats = budget.repeats
    if elapsed * repeats > budget.max_total_s:
        repeats = max(3, int(budget.max_total_s / elapsed))
    samples = []  # the calibration batches warmed up caches; they are not samples
    for _ in range(repeats):
        start = timer()
        for _ in range(number):
            fn()
        samples.append((timer() - start) / number)
    q1, median, q3 = np.percentile(samples, [25, 50, 75])
    return Timing(float(median), float(q3 - q1), float(min(samples)), number, len(samples))
