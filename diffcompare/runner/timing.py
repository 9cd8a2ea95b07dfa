"""Calibrated batches of calls, reported as median, IQR and min;
and the cost ratio of a derivative to its function, timed in alternation."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

NOISY = 0.5  # a timing whose IQR is above this fraction of its median is noisy


@dataclass(frozen=True)
class Timing:
    median: float  # seconds per call
    iqr: float
    min: float
    number: int  # calls per repeat
    repeats: int

    @property
    def noisy(self) -> bool:
        """Its repeats spread too widely to compare its median with another's."""
        return self.iqr > NOISY * self.median


@dataclass(frozen=True)
class Budget:
    """How long to time one callable. The default is the suite's overview (every cell of
    77 cases in under a minute); benchmarks/ use longer budgets for figures to quote."""

    batch_s: float = 0.001  # a repeat lasts at least this long (the timer is far finer)
    repeats: int = 5
    max_total_s: float = 0.25  # a slow callable gets fewer repeats, never fewer than 3

    @classmethod
    def quick(cls) -> Budget:
        """``--quick``'s: 3 batches of 0.25 ms. Its medians and cost ratios differ from the
        default budget's about as much as two default runs differ (benchmarks/performance.py)."""
        return cls(batch_s=0.00025, repeats=3, max_total_s=0.2)


def calibrate(fn: Callable[[], object], batch_s: float) -> tuple[int, float]:
    """Calls per batch, so that a batch lasts about batch_s, and that batch's predicted
    seconds. Batches of 1, 10, 100, ... calls until one lasts a tenth of batch_s; the
    number follows from its time per call (timeit.autorange's 1, 2, 5, ... stops at the
    first batch over batch_s, overshooting it by 1.6 times on average, and spends about
    twice the last batch getting there). These batches warm caches up; not samples.
    A single call that is long enough at once is timed twice, the faster counting: the
    first call after another callable can be many times slower than the next, and calls
    per batch taken from it alone would be too few (on the 16-core host of an H200, one
    call of 0.26 ms took over 10 ms: 1 call per batch instead of 39, and those batches
    of one call timed 28 % slower than torch.utils.benchmark's; the cause of the slow
    first call was not established)."""
    number = 1
    while True:
        per_call = batch(fn, number)
        if number == 1 and per_call >= batch_s / 10:
            per_call = min(per_call, batch(fn, 1))
        if per_call * number >= batch_s / 10:
            if per_call > 0:
                number = max(number, math.ceil(batch_s / per_call))
            return number, number * per_call
        number *= 10


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
    samples = [batch(fn, number) for _ in range(_repeats(elapsed, budget))]
    return _summary(samples, number)


@dataclass(frozen=True)
class Paired:
    """A derivative's timing, its primal's, and the cost ratio of the two."""

    call: Timing
    primal: Timing
    ratio: float  # the median of the ratios of neighbouring batches


def measure_pair(fn: Callable[[], object], primal: Callable[[], object], budget: Budget) -> Paired:
    """Time fn and primal in alternating batches: fn, primal, fn, primal, ... Both have been
    called once already. On a shared machine memory traffic and clock speed drift over
    seconds; neighbouring batches see the same conditions, so their ratio is steadier than
    the ratio of two medians taken at different times."""
    n_fn, e_fn = calibrate(fn, budget.batch_s)
    n_primal, e_primal = calibrate(primal, budget.batch_s)
    a, b = [], []
    for _ in range(_repeats(e_fn + e_primal, budget)):
        a.append(_after_one(fn, n_fn))
        b.append(_after_one(primal, n_primal))
    ratio = float(np.median(np.divide(a, b)))
    return Paired(_summary(a, n_fn), _summary(b, n_primal), ratio)


def _after_one(fn: Callable[[], object], number: int) -> float:
    """A batch that follows the other callable's: one untimed call first, as in a loop of
    fn alone, where a call follows a call (caches, allocator); a callable that fills the
    batch alone (number 1) is long enough to absorb its own start."""
    if number > 1:
        fn()
    return batch(fn, number)


def _repeats(seconds_per_repeat: float, budget: Budget) -> int:
    """budget.repeats, fewer for a slow callable, never fewer than 3."""
    if seconds_per_repeat * budget.repeats > budget.max_total_s:
        return max(3, int(budget.max_total_s / seconds_per_repeat))
    return budget.repeats


def _summary(samples: list[float], number: int) -> Timing:
    q1, median, q3 = np.percentile(samples, [25, 50, 75])
    return Timing(float(median), float(q3 - q1), float(min(samples)), number, len(samples))
