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


def calibrate(fn: Callable[[], object], batch_s: float) -> tuple[int, float]:
    """Calls per batch: 1, 2, 5, 10, 20, 50, ... until a batch lasts batch_s; returns that
    number and the last batch's seconds. These batches warm caches up; they are not samples."""
    timer = time.perf_counter
    number = 1
    while True:
        start = timer()
        for _ in range(number):
            fn()
        elapsed = timer() - start
        if elapsed >= batch_s:
            return number, elapsed
        number = number * 5 // 2 if str(number)[0] == "2" else number * 2


def batch(fn: Callable[[], object], number: int) -> float:
    """One sample: seconds per call over a batch of number calls."""
    timer = time.perf_counter
    start = timer()
    for _ in range(number):
        fn()
    return (timer() - start) / number


def measure(fn: Callable[[], object], budget: Budget = Budget()) -> Timing:
    """Time fn (which must synchronise its device itself). fn has been called once already."""
    number, elapsed = calibrate(fn, budget.batch_s)
    repeats = budget.repeats
    if elapsed * repeats > budget.max_total_s:
        repeats = max(3, int(budget.max_total_s / elapsed))
    samples = [batch(fn, number) for _ in range(repeats)]
    q1, median, q3 = np.percentile(samples, [25, 50, 75])
    return Timing(float(median), float(q3 - q1), float(min(samples)), number, len(samples))
