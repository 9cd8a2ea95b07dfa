"""GradBench's evals on this machine's torch, beside GradBench's own PyTorch figure:
``diffcompare run --tag gradbench --method torch,torch-forward,fd-central`` at the default
budget, R rounds, the median cost ratio (derivative ÷ primal, timed in alternation) per
case; writes the section "GradBench's evals, here and there" of docs/performance.md.

    python benchmarks/gradbench.py [--rounds R] [--dry-run]

GradBench's figure is its nightly summary of 2026-03-14 (``PUBLISHED`` in
cases/gradbench.py): PyTorch's derivative time over its primal time at the same workload.
"""

from __future__ import annotations

import argparse
import datetime
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from page import replaced

from diffcompare_cases.gradbench import PUBLISHED, PUBLISHED_AT

HEADING = "## GradBench's evals, here and there"
METHODS = ("torch", "torch-forward", "fd-central")


def _round(out: Path) -> list[dict]:
    cmd = [sys.executable, "-m", "diffcompare", "run", "--tag", "gradbench", "--dtype"]
    cmd += ["float64", "--method", ",".join(METHODS), "--no-progress", "--out", str(out)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return json.loads((out / "results.json").read_text())["results"]


def _cell(rows: list[dict]) -> str:
    ratios = [r["cost_ratio"] for r in rows if r["cost_ratio"] is not None]
    if not ratios:
        return rows[0]["status"] if rows else "—"
    digits = min((r["digits"] for r in rows if r["digits"] is not None), default=None)
    shown = f"×{statistics.median(ratios):.3g}"
    return shown + (f" ({digits:.1f} d)" if digits is not None else "")


def section(rounds: list[list[dict]]) -> str:
    cases = sorted({r["case"] for rows in rounds for r in rows})
    lines = [
        HEADING,
        "",
        f"Measured {datetime.date.today().isoformat()} by `python benchmarks/gradbench.py "
        f"--rounds {len(rounds)}` on this project's 2-core machine, one thread, float64: "
        "the median over the rounds of each row's cost ratio (derivative ÷ primal, timed in "
        "alternation), and the fewest correct digits against the oracle. GradBench's column "
        "is PyTorch's derivative ÷ primal time in its nightly summary of 2026-03-14 (branch "
        "`nightly`, `evals/<eval>/summary.json`) at the same workload, or at the one named "
        "where the theme's is smaller; — where it has none.",
        "",
        "| case | GradBench: PyTorch | " + " | ".join(METHODS) + " |",
        "|---|---|" + "---|" * len(METHODS),
    ]
    for case in cases:
        published = PUBLISHED.get(case.removeprefix("gradbench_"))
        cells = [
            _cell([r for rows in rounds for r in rows if (r["case"], r["method"]) == (case, m)])
            for m in METHODS
        ]
        theirs = f"×{published:g}" if published is not None else "—"
        if (at := PUBLISHED_AT.get(case.removeprefix("gradbench_"))) and published is not None:
            theirs += f" (at {at})"
        lines.append(f"| {case} | {theirs} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dry-run", action="store_true", help="print, do not write docs/")
    args = parser.parse_args()
    rounds = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.rounds):
            rounds.append(_round(Path(tmp) / str(i)))
    text = section(rounds)
    print(text)
    if not args.dry_run:
        page = Path(__file__).resolve().parent.parent / "docs" / "performance.md"
        page.write_text(replaced(page.read_text(), HEADING, text))
    return 0


if __name__ == "__main__":
    sys.exit(main())
