"""What glibc's allocator costs reverse mode on the CPU: Rosenbrock n = 10⁶'s gradient.

    python benchmarks/allocator.py [--pairs 6]

Each gradient call frees ~100 MB of temporaries; glibc hands the top of its heap back
to the operating system (M_TRIM_THRESHOLD) and the next call faults those pages in
again. With the trim and mmap thresholds raised (MALLOC_TRIM_THRESHOLD_,
MALLOC_MMAP_THRESHOLD_: memory is kept for reuse) the faults disappear. Child
processes with and without the two variables take turns; each times the gradient and
f in alternating batches (torch.autograd.grad as diffcompare does; f under no_grad)
and counts minor page faults. diffcompare sets neither variable: it measures what a
user's process does by default.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

from tabulate import tabulate

KEEP = {"MALLOC_TRIM_THRESHOLD_": "1000000000", "MALLOC_MMAP_THRESHOLD_": "1000000000"}

CHILD = """
import json, resource, statistics, time, torch
x = torch.linspace(-1.0, 2.0, 10**6, dtype=torch.float64)
def f(t):
    return torch.sum(100.0 * (t[1:] - t[:-1] ** 2) ** 2 + (1.0 - t[:-1]) ** 2)
def gradient():
    t = x.detach().requires_grad_(True)
    return torch.autograd.grad(f(t), t)[0]
def primal():
    with torch.no_grad():
        return f(x)
def batch(fn, k):
    start = time.perf_counter()
    for _ in range(k):
        fn()
    return (time.perf_counter() - start) / k
for _ in range(5):
    gradient(), primal()
g, p, faults = [], [], []
for _ in range(40):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    g.append(batch(gradient, 3))
    faults.append((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 3)
    p.append(batch(primal, 10))
print(json.dumps(dict(
    gradient=statistics.median(g), f=statistics.median(p),
    ratio=statistics.median(a / b for a, b in zip(g, p)), faults=statistics.median(faults),
)))
"""


def child(keep: bool) -> dict:
    env = {**os.environ, **KEEP} if keep else {k: v for k, v in os.environ.items() if k not in KEEP}
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True)
    out.check_returncode()
    return json.loads(out.stdout)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--pairs", type=int, default=6)
    args = p.parse_args()
    runs: dict[str, list[dict]] = {"glibc's defaults": [], "thresholds raised": []}
    for _ in range(args.pairs):
        runs["glibc's defaults"].append(child(False))
        runs["thresholds raised"].append(child(True))
    rows = []
    for name, got in runs.items():
        rows.append(
            [
                name,
                f"{statistics.median(r['gradient'] for r in got) * 1e3:.2f}",
                f"{statistics.median(r['f'] for r in got) * 1e3:.2f}",
                f"{statistics.median(r['ratio'] for r in got):.2f} "
                f"({min(r['ratio'] for r in got):.2f}–{max(r['ratio'] for r in got):.2f})",
                f"{statistics.median(r['faults'] for r in got):.0f}",
            ]
        )
    headers = ["allocator", "gradient ms", "f ms", "cost ratio (range)", "page faults / gradient"]
    print(f"medians over {args.pairs} processes each, taking turns")
    print(tabulate(rows, headers, tablefmt="github", disable_numparse=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
