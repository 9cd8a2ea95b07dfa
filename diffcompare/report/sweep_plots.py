"""One figure (or one per case) for each kind of sweep: the V-curve of the step, time
against size, expression swell, the checkers' heat map, a second derivative's cost."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.ticker import NullFormatter, NullLocator

from diffcompare.report.plots import FLOOR, SECONDS, figure
from diffcompare.sweep.record import Sweep


def _positive(values):
    return [max(v, FLOOR) for v in values]


def step(sweep: Sweep) -> dict:
    """Error against step, log-log, one figure per case, one panel per dtype."""
    figures = {}
    table = {(r["case"], r["dtype"], r["scheme"]): r for r in sweep.table}
    for case in dict.fromkeys(p["case"] for p in sweep.points):
        dtypes = list(dict.fromkeys(p["dtype"] for p in sweep.points if p["case"] == case))
        fig, axes = figure(5 * len(dtypes), 3.8, len(dtypes))
        for ax, dtype in zip(axes, dtypes):
            for i, scheme in enumerate(dict.fromkeys(p["scheme"] for p in sweep.points)):
                pts = [
                    p
                    for p in sweep.points
                    if (p["case"], p["dtype"], p["scheme"]) == (case, dtype, scheme)
                    and p["status"] == "ok"
                    and math.isfinite(p["error"])
                ]
                if not pts:
                    continue
                colour = f"C{i}"
                ax.plot(
                    [p["step"] for p in pts],
                    _positive([p["error"] for p in pts]),
                    marker=".",
                    color=colour,
                    label=scheme,
                )
                row = table.get((case, dtype, scheme), {})
                if row.get("theory_h"):
                    ax.axvline(row["theory_h"], color=colour, linestyle=":", alpha=0.8)
                    ax.plot(row["theory_h"], row["theory_error"], marker="x", color=colour)
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.invert_xaxis()
            ax.set_xlabel("step h")
            ax.set_ylabel("relative error")
            ax.set_title(f"{case}, {dtype} (dotted: theoretical h*, ×: theory's E*)", fontsize=9)
            ax.grid(True, which="major", alpha=0.3)
            ax.legend(fontsize=7)
        figures[f"sweep_step_{case}"] = fig
    return figures


def size(sweep: Sweep) -> dict:
    """Time and cost ratio against n, log-log, one figure per sized case."""
    figures = {}
    methods = list(dict.fromkeys(p["method"] for p in sweep.points))
    for family in dict.fromkeys(p["family"] for p in sweep.points):
        fig, (t_ax, r_ax) = figure(10, 3.8, 2)
        for i, method in enumerate(methods):
            mine = [p for p in sweep.points if (p["family"], p["method"]) == (family, method)]
            ok = [p for p in mine if p["status"] == "ok"]
            stopped = [p for p in mine if p["status"] in ("timeout", "skipped")]
            colour = f"C{i}"
            label = method + (f" (time limit from n = {stopped[0]['n']})" if stopped else "")
            if ok:
                ns = [p["n"] for p in ok]
                t_ax.plot(ns, [p["eval_s"] for p in ok], marker="o", color=colour, label=label)
                r_ax.plot(ns, [p["cost_ratio"] for p in ok], marker="o", color=colour, label=method)
                if method == "sympy":
                    t_ax.plot(
                        ns,
                        [p["prepare_s"] for p in ok],
                        marker="s",
                        linestyle="--",
                        color=colour,
                        label="sympy prepare (derive + compile)",
                    )
        for ax, label in ((t_ax, "seconds per call"), (r_ax, "cost ratio (derivative / f)")):
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel("n (numbers differentiated)")
            ax.set_ylabel(label)
            ax.grid(True, which="major", alpha=0.3)
        t_ax.set_title(f"{family}: time per call", fontsize=10)
        r_ax.set_title(f"{family}: cost ratio", fontsize=10)
        t_ax.legend(fontsize=7, loc="upper left")
        figures[f"sweep_size_{family}"] = fig
    return figures


def swell(sweep: Sweep) -> dict:
    """Operation counts of f and f′ with and without cse, and the expanded map's error."""
    studies = list(dict.fromkeys(p["study"] for p in sweep.points))
    has_error = any("expanded_error" in p for p in sweep.points)
    panels = len(studies) + has_error
    fig, axes = figure(4.2 * panels, 3.6, panels)
    for ax, study in zip(axes, studies):
        pts = [p for p in sweep.points if p["study"] == study]
        ns = [p["n"] for p in pts]
        for key, label, style in (
            ("f_ops", "f", "-"),
            ("df_ops", "f′", "-"),
            ("f_ops_cse", "f, cse", "--"),
            ("df_ops_cse", "f′, cse", "--"),
        ):
            ax.plot(ns, [max(p[key], 1) for p in pts], style, marker=".", label=label)
        ax.set_yscale("log")
        if study != "logistic map":
            ax.set_xscale("log", base=2)
            ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("depth" if study != "n-factor product" else "n")
        ax.set_ylabel("count_ops")
        ax.set_title(study, fontsize=10)
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize=7)
    if has_error:
        ax = axes[-1]
        pts = [p for p in sweep.points if "expanded_error" in p]
        ns = [p["n"] for p in pts]
        ax.plot(ns, _positive([p["derived_error"] for p in pts]), marker="o", label="as derived")
        ax.plot(ns, _positive([p["expanded_error"] for p in pts]), marker="o", label="expanded")
        ax.set_yscale("log")
        ax.set_xlabel("depth")
        ax.set_ylabel("float64 relative error of f′")
        ax.set_title("logistic map: expanding ruins f′", fontsize=10)
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize=7)
    return {"sweep_swell": fig}


def checkers(sweep: Sweep) -> dict:
    """Per dtype, checker x mutant: the share of mutants caught (the control column: the
    share of right derivatives flagged, false alarms), each cell labelled k/n."""
    mutants = [k for k in sweep.table[0] if k not in ("checker", "dtype")]
    dtypes = list(dict.fromkeys(r["dtype"] for r in sweep.table))
    names = list(dict.fromkeys(r["checker"] for r in sweep.table))
    fig, axes = figure(1.0 * len(mutants) * len(dtypes) + 2.5, 0.45 * len(names) + 1.6, len(dtypes))
    for ax, dtype in zip(axes, dtypes):
        rows = [r for r in sweep.table if r["dtype"] == dtype]
        share = np.full((len(rows), len(mutants)), np.nan)
        for i, r in enumerate(rows):
            for j, k in enumerate(mutants):
                if r[k] != "—":
                    hits, total = map(int, r[k].split("/"))
                    # green is good: mutants caught, right derivatives not flagged
                    share[i, j] = 1 - hits / total if k == "control" else hits / total
                ax.text(j, i, r[k], ha="center", va="center", fontsize=7)
        ax.imshow(share, cmap="RdYlGn", vmin=0, vmax=1, aspect="auto")
        ax.set_xticks(range(len(mutants)), mutants, rotation=40, ha="right", fontsize=7)
        ax.set_yticks(range(len(rows)), [r["checker"] for r in rows], fontsize=7)
        ax.set_title(f"{dtype}: mutants caught; control: false alarms (red = many)", fontsize=9)
    return {"sweep_checkers": fig}


def second(sweep: Sweep) -> dict:
    """A Hessian's time, each way, beside the gradient's, against n: one figure per case."""
    figures = {}
    for family in dict.fromkeys(p["family"] for p in sweep.points):
        fig, (ax,) = figure(6, 3.8)
        mine = [p for p in sweep.points if p["family"] == family]
        for i, way in enumerate(dict.fromkeys(p["way"] for p in mine)):
            ok = [p for p in mine if p["way"] == way and p.get("eval_s") is not None]
            if ok:
                style = dict(marker="o", color=f"C{i}", label=way)
                if way == "torch gradient":
                    style.update(
                        color="black", linestyle="--", label="torch gradient (first order)"
                    )
                ax.plot([p["n"] for p in ok], [p["eval_s"] for p in ok], **style)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(SECONDS)
        ns = sorted({p["n"] for p in mine})
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_xticks(ns, [str(n) for n in ns])
        ax.set_xlabel("n (numbers differentiated)")
        ax.set_ylabel("time per call")
        ax.set_title(f"{family}: the Hessian (n² entries) against the gradient", fontsize=10)
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize=7, loc="upper left")
        figures[f"sweep_second_{family}"] = fig
    return figures


SWEEPS = {
    "step": step,
    "size": size,
    "swell": swell,
    "checkers": checkers,
    "second": second,
}


def for_sweep(sweep: Sweep) -> dict:
    return SWEEPS[sweep.kind](sweep)
