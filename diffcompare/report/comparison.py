"""Two results files side by side: digits lost, time ratios, statuses changed, rows added or gone.

Reads only the JSON (no torch, no SymPy): `diffcompare compare OLD.json NEW.json`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from diffcompare.report import tables
from diffcompare.report.tables import NOISY, column, noisy, seconds
from diffcompare.runner.result import Result, Results


def _key(r: Result) -> tuple:
    return (r.case, r.operator, column(r), r.dtype)


@dataclass(frozen=True)
class Change:
    key: tuple
    old: Result | None
    new: Result | None

    @property
    def digits_lost(self) -> float | None:
        if self.old is None or self.new is None or not _finite(self.old.digits):
            return None
        if not _finite(self.new.digits):  # it had digits and has none now (error, nan, …)
            return self.old.digits
        return self.old.digits - self.new.digits

    @property
    def time_ratio(self) -> float | None:
        if self.old is None or self.new is None or not self.old.eval_s or not self.new.eval_s:
            return None
        return self.new.eval_s / self.old.eval_s


def _finite(digits: float | None) -> bool:
    """Digits to compare: a number (a NaN from a damaged or broken run is none)."""
    return digits is not None and math.isfinite(digits)


def changes(old: Results, new: Results) -> list[Change]:
    before = {_key(r): r for r in old.rows}
    after = {_key(r): r for r in new.rows}
    return [Change(k, before.get(k), after.get(k)) for k in sorted(before.keys() | after.keys())]


def regressions(found: list[Change], threshold: float) -> list[Change]:
    return [c for c in found if c.digits_lost is not None and c.digits_lost > threshold]


def not_comparable(c: Change) -> bool:
    """Timed both times, but either timing was noisy: its ratio says nothing."""
    return c.time_ratio is not None and (noisy(c.old) or noisy(c.new))


def slowdowns(found: list[Change], ratio: float | None) -> list[Change]:
    """Rows slower than ratio times (new / old), their timings both steady."""
    if ratio is None:
        return []
    return [
        c
        for c in found
        if c.time_ratio is not None and c.time_ratio > ratio and not not_comparable(c)
    ]


def table(
    found: list[Change], threshold: float, all_rows: bool = False, slower: float | None = None
) -> str:
    body = []
    for c in found:
        lost, ratio = c.digits_lost, c.time_ratio
        status = (
            "added"
            if c.old is None
            else "gone"
            if c.new is None
            else c.old.status
            if c.old.status == c.new.status
            else f"{c.old.status} → {c.new.status}"
        )
        notable = (
            c.old is None
            or c.new is None
            or status.count("→")
            or (lost is not None and abs(lost) > threshold)
            or (ratio is not None and not 0.5 <= ratio <= 2.0)
        )
        if not (all_rows or notable):
            continue
        body.append(
            [
                *c.key,
                status,
                "—" if lost is None else f"{-lost:+.1f}" + (" ✗" if lost > threshold else ""),
                "—" if c.old is None else seconds(c.old.eval_s),
                "—" if c.new is None else seconds(c.new.eval_s),
                _ratio(c, slower),
            ]
        )
    if not body:
        return "no row changed beyond the thresholds"
    return tables.table(
        body,
        [
            "case",
            "operator",
            "method",
            "dtype",
            "status",
            "Δ digits",
            "old time",
            "new time",
            "time ratio",
        ],
    )


def _ratio(c: Change, slower: float | None) -> str:
    if c.time_ratio is None:
        return "—"
    if not_comparable(c):
        return f"×{c.time_ratio:.2f} (noisy: not comparable)"
    slow = slower is not None and c.time_ratio > slower
    return f"×{c.time_ratio:.2f}" + (" ✗" if slow else "")


def compare(
    old: Results,
    new: Results,
    threshold: float = 1.0,
    all_rows: bool = False,
    time_threshold: float | None = None,
) -> tuple[str, bool]:
    """The report, and whether any row lost more than threshold digits or (with
    time_threshold) got slower than that many times on steady timings."""
    found = changes(old, new)
    lost = regressions(found, threshold)
    slow = slowdowns(found, time_threshold)
    noisy_rows = sum(not_comparable(c) for c in found)
    added = sum(c.old is None for c in found)
    gone = sum(c.new is None for c in found)
    head = (
        f"{len(found)} rows: {added} added, {gone} gone, {len(lost)} lost more than "
        f"{threshold:g} digits"
    )
    if time_threshold is not None:
        head += f", {len(slow)} slower than ×{time_threshold:g}"
    if noisy_rows:
        head += (
            f"; {noisy_rows} timed too noisily to compare (IQR over {NOISY:.0%} of the "
            "median), not counted as slower"
        )
    body = table(found, threshold, all_rows, time_threshold)
    return head + "\n\n" + body + "\n", bool(lost or slow)
