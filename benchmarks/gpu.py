"""Autograd on CUDA against the CPU, for the sized cases, up to n = 10⁷.

    python benchmarks/gpu.py                       # on a machine with CUDA: docs/gpu-<date>.md
    python benchmarks/gpu.py --reduced --out DIR   # CPU only, small sizes (CI runs this)

On a copy of the tree without its own git history (a rented GPU machine), set
DIFFCOMPARE_GIT_COMMIT to the commit sent, so that the report names it.

For each sized case, dtype (float32, float64), device (cpu, cuda) and n, the torch
gradient is prepared exactly as ``diffcompare run`` prepares it and timed by
diffcompare's harness (which synchronises inside the timed call) and by
``torch.utils.benchmark.Timer`` on the same callable, in strict alternation: each
sample is one batch of diffcompare's (calls per batch calibrated to about 10 ms, as a
run calibrates them), one Timer block of as many calls, and a second Timer block (the
noise floor), so that a drift of the machine hits all three alike; the three take the
first, second and third place in turn, so that what a place costs (following the
other harness's block, say) falls on each alike. The suite's own
short budget and the cost ratio (gradient / f, paired as a run pairs them) are timed
in rounds. The report gives the medians and their ratios, the cost ratio, the n from
which CUDA beats the CPU, and the peak GPU memory of each cell. It names the device
and the date.
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import sys
import time
from pathlib import Path

from tabulate import tabulate

from diffcompare.form import registry
from diffcompare.form.problem import bind, output_shape
from diffcompare.methods import by_name
from diffcompare.methods.autograd import available_devices
from diffcompare.runner.environment import describe
from diffcompare.runner.timing import Budget, batch, calibrate, measure, measure_pair

ROOT = Path(__file__).resolve().parent.parent
FAMILIES = ("rosenbrock", "sum_of_squares")
SIZES = (10**3, 10**4, 10**5, 10**6, 10**7)
REDUCED = (10, 1000)
BATCH_S = 0.01  # diffcompare's batches here, and so the Timer's blocks
SAMPLES = 42  # alternating samples per cell (21 on the H200 left its Timer 7 % from itself) ...
CELL_S = 3.0  # ... or fewer where a cell's samples would take longer (at least 6, in threes)
SUITE = Budget()  # what `diffcompare run` gives every cell
PRIMAL = Budget(batch_s=0.005, repeats=5, max_total_s=1.0)


def cell(family, n: int, dtype: str, device: str, rounds: int, samples: int) -> dict:
    import torch
    import torch.utils.benchmark as tb

    case = family.at(n)
    problem = bind(case, "gradient", dtype, output_shape(case))
    prepared = by_name("torch").prepare(problem, device)
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    prepared.call(), prepared.primal()
    timer = tb.Timer(
        stmt="fn()", globals={"fn": prepared.call}, num_threads=torch.get_num_threads()
    )
    number, _ = calibrate(prepared.call, BATCH_S)
    ours, theirs, again = [], [], []  # again: a second Timer block, the noise floor
    blocks = (
        (ours, lambda: batch(prepared.call, number)),
        (theirs, lambda: timer.timeit(number).median),
        (again, lambda: timer.timeit(number).median),
    )
    start = time.perf_counter()
    while len(ours) < samples and (
        len(ours) < 6 or len(ours) % 3 or time.perf_counter() - start < CELL_S
    ):
        turn = len(ours) % 3  # the blocks take turns, and each takes each place in turn
        for timings, block in blocks[turn:] + blocks[:turn]:
            timings.append(block())
    suite, primal, cost = [], [], []
    for _ in range(rounds):
        suite.append(measure(prepared.call, SUITE).median)
        pair = measure_pair(prepared.call, prepared.primal, PRIMAL)  # as a run pairs them
        primal.append(pair.primal.median)
        cost.append(pair.ratio)
    row = dict(
        case=family.name,
        n=n,
        dtype=dtype,
        device=device,
        samples=len(ours),
        number=number,
        diffcompare_s=statistics.median(ours),
        timer_s=statistics.median(theirs),
        suite_s=statistics.median(suite),
        timer_again_s=statistics.median(again),
        primal_s=statistics.median(primal),
    )
    row["agreement"] = row["diffcompare_s"] / row["timer_s"]
    row["suite_agreement"] = row["suite_s"] / row["timer_s"]
    row["timer_self"] = row["timer_again_s"] / row["timer_s"]
    row["cost_ratio"] = statistics.median(cost)
    row["peak_gpu_mib"] = torch.cuda.max_memory_allocated() / 2**20 if device == "cuda" else None
    return row


def crossover(rows: list[dict]) -> list[list]:
    """Per case and dtype, the smallest n from which CUDA's gradient beats the CPU's."""
    out = []
    keys = dict.fromkeys((r["case"], r["dtype"]) for r in rows)
    for case, dtype in keys:
        times = {
            (r["device"], r["n"]): r["diffcompare_s"]
            for r in rows
            if (r["case"], r["dtype"]) == (case, dtype)
        }
        ns = sorted({n for _, n in times})
        if not any(d == "cuda" for d, _ in times):
            out.append([case, dtype, "no CUDA rows in this run"])
            continue
        wins = [n for n in ns if ("cuda", n) in times and times["cuda", n] < times["cpu", n]]
        first = next((n for n in ns if all(m in wins for m in ns if m >= n)), None)
        out.append([case, dtype, first if first is not None else "never (in these sizes)"])
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reduced", action="store_true", help="CPU only, small sizes (for CI)")
    p.add_argument("--out", default=str(ROOT / "docs"), help="folder for the report")
    p.add_argument("--rounds", type=int, default=5, help="rounds of the suite budget and f")
    p.add_argument("--samples", type=int, default=SAMPLES, help="alternating samples a cell")
    args = p.parse_args()
    registry.builtin()
    devices = ["cpu"] if args.reduced else list(available_devices())
    sizes = REDUCED if args.reduced else SIZES
    env = describe()
    start = time.perf_counter()
    rows = []
    for name in FAMILIES:
        family = registry.families()[name]
        for dtype in ("float32", "float64"):
            for device in devices:
                for n in sizes:
                    rows.append(cell(family, n, dtype, device, args.rounds, args.samples))
                    print(rows[-1], file=sys.stderr)
    date = datetime.date.today().isoformat()
    gpu = "none (CPU only)" if args.reduced or not env.get("gpu") else env["gpu"]
    body = [
        [
            r["case"],
            f"{r['n']:.0e}",
            r["dtype"],
            r["device"],
            f"{r['samples']} × {r['number']}",
            f"{r['diffcompare_s'] * 1e3:.3f}",
            f"{r['timer_s'] * 1e3:.3f}",
            f"{r['agreement']:.3f}",
            f"{r['suite_agreement']:.3f}",
            f"{r['timer_self']:.3f}",
            f"{r['cost_ratio']:.2f}",
            "—" if r["peak_gpu_mib"] is None else f"{r['peak_gpu_mib']:.0f}",
        ]
        for r in rows
    ]
    headers = [
        "case",
        "n",
        "dtype",
        "device",
        "samples × calls",
        "diffcompare ms",
        "Timer ms",
        "ratio",
        "suite-budget ratio",
        "Timer / Timer",
        "cost ratio",
        "peak GPU MiB",
    ]
    within = [r for r in rows if r["device"] == "cuda"]
    agree = sum(abs(r["agreement"] - 1) <= 0.10 for r in within)
    suite_agree = sum(abs(r["suite_agreement"] - 1) <= 0.10 for r in within)
    self_agree = sum(abs(r["timer_self"] - 1) <= 0.10 for r in within)
    text = "\n".join(
        [
            f"# Autograd on CUDA and CPU — {date}",
            "",
            f"Device: {gpu}. CPU: {env['cpu']} ({env['cpu_count']} cores). torch "
            f"{env['torch']}, commit {env['git_commit']}. Took "
            f"{time.perf_counter() - start:.0f} s.",
            "",
            f"    python benchmarks/gpu.py{' --reduced' if args.reduced else ''}",
            "",
            "Torch reverse-mode gradient, timed by diffcompare's harness and by "
            "torch.utils.benchmark.Timer on the same callable, in strict alternation: each "
            "sample is one batch of diffcompare's (`diffcompare.runner.timing.batch`, calls per "
            f"batch calibrated to about {BATCH_S * 1e3:g} ms by `diffcompare.runner.timing."
            "calibrate`, as a run calibrates them; a CUDA call synchronises inside), then "
            "one `Timer.timeit` block of as many calls and a second Timer block, the three "
            "taking the first, second and third place in turn (rotated sample by sample). "
            f"Up to {args.samples} samples a cell (at least 6 and a multiple of 3, fewer "
            f"past {CELL_S:g} s); "
            "medians per call. 'ratio' is diffcompare's median over the Timer's; 'Timer / "
            "Timer' is the second Timer block's median over the first's: the machine's own "
            "noise floor. 'suite-budget ratio' is `diffcompare run`'s own measurement "
            f"({SUITE.repeats} batches of about {SUITE.batch_s * 1e3:g} ms) over the "
            f"Timer's median, over {args.rounds} rounds taken after the samples.",
            "",
            tabulate(body, headers, tablefmt="github", disable_numparse=True),
            "",
            f"CUDA cells whose two medians agree within 10 %: {agree} of {len(within)} "
            f"(with the suite's budget: {suite_agree} of {len(within)}; the Timer against "
            f"itself: {self_agree} of {len(within)}).",
            "",
            "The cost ratio is the gradient's time over f's (f under no_grad), as a run "
            "takes it: the median of neighbouring batches' ratios, gradient and f timed in "
            "alternation (timing.measure_pair); the cheap-gradient principle bounds it by about "
            "5 in operation counts. Where one call is a few kernel launches (CUDA at small "
            "n) it counts launches, not arithmetic.",
            "",
            "From which n CUDA beats the CPU:",
            "",
            tabulate(crossover(rows), ["case", "dtype", "n"], tablefmt="github"),
            "",
        ]
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"gpu-{date}{'-reduced' if args.reduced else ''}.md"
    path.write_text(text)
    print(text)
    print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
