"""The grid spread over Dask workers: ``--operator all --no-timing`` on the default suite,
run locally and on a local Dask cluster of 1 and 2 workers, the runs taking turns;
writes the section "The grid on a Dask cluster" of docs/performance.md.

    python benchmarks/cluster.py [--rounds R] [--workers 1,2] [--dry-run]

Every run's rows are compared with the local run's (status, digits, reference): the
speed-up counts only for the same answers.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from page import replaced

HEADING = "## The grid on a Dask cluster"
GRID = ["--operator", "all", "--no-timing", "--no-progress"]
COMPARED = ("status", "digits", "reference", "passed")


def _run(extra: list[str], out: Path) -> float:
    cmd = [sys.executable, "-m", "diffcompare", "run", *GRID, "--out", str(out), *extra]
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def _answers(out: Path) -> list[tuple]:
    rows = json.loads((out / "results.json").read_text())["results"]
    keys = ("case", "operator", "method", "device", "dtype", *COMPARED)
    return [tuple(str(r[k]) for k in keys) for r in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--case", help="cases instead of the default suite (a check)")
    parser.add_argument("--tag", help="a tag instead of the default suite (seed: 45 cases)")
    parser.add_argument("--dry-run", action="store_true", help="print, do not write docs/")
    args = parser.parse_args()
    if args.case:
        GRID.extend(["--case", args.case])
    if args.tag:
        GRID.extend(["--tag", args.tag])
    suite = f"the `{args.tag}` cases" if args.tag else "the default suite"
    tagged = f" --tag {args.tag}" if args.tag else ""
    ways = {"local executor": []}
    ways.update(
        {
            f"Dask, {k} worker(s)": ["--executor", "dask", "--workers", k]
            for k in args.workers.split(",")
        }
    )
    seconds: dict[str, list[float]] = {w: [] for w in ways}
    same: dict[str, bool] = {}
    rows = 0
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            for way, extra in ways.items():
                out = Path(tmp) / f"{r}-{len(seconds[way])}-{way.replace(' ', '_')}"
                seconds[way].append(_run(extra, out))
                answers = _answers(out)
                if way == "local executor":
                    reference, rows = answers, len(answers)
                same[way] = same.get(way, True) and answers == reference
                print(f"round {r + 1}: {way}: {seconds[way][-1]:.0f} s", file=sys.stderr)
    base = statistics.median(seconds["local executor"])
    one = next((w for w in seconds if "1 worker" in w), None)
    lines = [
        "| executor | wall seconds (median) | runs | against local | same rows as local |",
        "|---|---|---|---|---|",
    ]
    for way, s in seconds.items():
        m = statistics.median(s)
        lines.append(
            f"| {way} | {m:.0f} | {len(s)} | {base / m:.2f}× | {'yes' if same[way] else 'NO'} |"
        )
    speedup = ""
    two = next((w for w in seconds if "2 worker" in w), None)
    if one and two:
        ratio = statistics.median(seconds[one]) / statistics.median(seconds[two])
        speedup = f"Two workers against one: {ratio:.2f}× faster. "
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    section = f"""{HEADING}

Measured {datetime.date.today().isoformat()} at {commit} by `python benchmarks/cluster.py
--rounds {args.rounds}{tagged}`: `diffcompare run --operator all --no-timing` over
{suite} ({rows} rows, the default methods with the jax extra), with the local executor and on a
`distributed.LocalCluster` of worker processes (one thread each), the runs taking turns,
on this machine ({os.cpu_count()} cores; load average {load} at the end).

{chr(10).join(lines)}

{speedup}The limit is the cores: {os.cpu_count()} here, and the client, the scheduler and
the nannies share them with the workers; each worker also starts its own isolated process
(imports of torch, SymPy and JAX, a few seconds) and sets every case up again (its oracle
included) where the other worker had it. A cluster pays off where there are more cores or
machines than this; a timed run uses one worker per host in any case
([cluster.md](cluster.md)).
"""
    if args.dry_run:
        print(section)
        return
    page = Path(__file__).resolve().parent.parent / "docs" / "performance.md"
    page.write_text(replaced(page.read_text(), HEADING, section))
    print(f"wrote {page}", file=sys.stderr)


if __name__ == "__main__":
    main()
