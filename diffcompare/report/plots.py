"""Pictures (matplotlib, Agg): accuracy against time per case and a digits heat map (the
sweeps' figures are in ``sweep_plots``). Most functions return {file stem: Figure} and
``save`` writes the PNGs; ``save_scatter`` draws and writes its dozens of figures
itself, one refilled figure for all."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.figure import Figure  # figures without pyplot's global state: none to close
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from diffcompare.report.tables import column, seconds
from diffcompare.runner.result import Results
from diffcompare.sweep.record import file_name

FAMILY_MARKER = {"symbolic": "s", "numeric": "o", "automatic": "^", "user": "*"}
DTYPE_FILL = {"float64": "full", "float32": "none"}
DPI = 80
FLOOR = 1e-18  # errors of exactly 0 are drawn here on log axes
SECONDS = FuncFormatter(lambda v, _: seconds(v))


def figure(width, height, panels=1, layout="constrained"):
    fig = Figure(figsize=(width, height), layout=layout)
    axes = fig.subplots(1, panels, squeeze=False)[0]
    return fig, axes


def colours_for(names) -> dict:
    """A colour per method column, the same in every figure of a run."""
    names = sorted(set(names))
    cmap = matplotlib.colormaps["tab10" if len(names) <= 10 else "tab20"]
    return {name: cmap(i % cmap.N) for i, name in enumerate(names)}


def _plotted(results: Results) -> list:
    return [r for r in results.rows if r.status == "ok" and r.eval_s and r.digits is not None]


def scatter_cases(results: Results) -> list[str]:
    """The cases that get a scatter figure, in the order of the results."""
    return list(dict.fromkeys(r.case for r in _plotted(results)))


def scatter_legend(results: Results) -> dict:
    """One legend for every scatter figure of a run: colour per method, marker per
    family, fill per dtype."""
    rows = _plotted(results)
    if not rows:
        return {}
    return {"scatter_legend": _legend(rows, colours_for(column(r) for r in results.rows))}


def save_scatter(results: Results, cases: Iterable[str], folder: Path) -> dict[str, Path]:
    """Correct digits against median time per call: one PNG per case named, in folder.

    One figure serves them all, refilled case by case: a new figure's axes, ticks and
    labels cost a quarter of each picture, and dozens must draw in seconds. Each PNG is
    byte for byte the one a fresh figure gives (tested)."""
    rows = _plotted(results)
    colours = colours_for(column(r) for r in results.rows)
    fig = Figure(figsize=(6.0, 3.0))
    ax = fig.add_axes((0.10, 0.15, 0.58, 0.75))  # the case's own legend on the right
    ax.set_xscale("log")
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(SECONDS)  # plain text: mathtext's 10^k parses slowly
    ax.set_ylim(-0.5, 17.5)
    ax.yaxis.set_major_locator(FixedLocator([0, 4, 8, 12, 16]))
    ax.set_xlabel("median time per derivative call (s)", fontsize=8)
    ax.set_ylabel("correct digits", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.grid(True, alpha=0.3)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for case in cases:
        for points in list(ax.collections):
            points.remove()
        if ax.get_legend() is not None:
            ax.get_legend().remove()
        ax.ignore_existing_data_limits = True  # the x range of this case's points alone
        mine = [r for r in rows if r.case == case]
        # one collection per (family, dtype), not per point
        for key in dict.fromkeys((r.family, r.dtype) for r in mine):
            group = [r for r in mine if (r.family, r.dtype) == key]
            colour = [colours[column(r)] for r in group]
            filled = DTYPE_FILL.get(key[1], "full") == "full"
            ax.scatter(
                [r.eval_s for r in group],
                [r.digits for r in group],
                marker=FAMILY_MARKER.get(key[0], "o"),
                c=colour if filled else "none",
                edgecolors=colour,
                s=40,
            )
        failed = [r for r in mine if r.passed is False]
        if failed:  # beyond the method's tolerance: crossed out
            ax.scatter(
                [r.eval_s for r in failed],
                [r.digits for r in failed],
                marker="x",
                c="black",
                s=60,
                linewidths=1.2,
            )
        ax.legend(
            handles=_case_handles(mine, colours, bool(failed)),
            loc="center left",
            bbox_to_anchor=(1.02, 0.5),
            fontsize=6,
            frameon=False,
        )
        ax.set_title(case, fontsize=9)
        name = f"scatter_{case}"
        paths[name] = folder / f"{file_name(name)}.png"
        fig.savefig(paths[name], dpi=DPI)
    return paths


def _case_handles(mine, colours, failed: bool) -> list:
    """A case's legend: each method it shows (colour, and its family's marker), float32
    hollow where it has float32 rows, a cross where a row missed its tolerance."""
    handles = [
        Line2D(
            [],
            [],
            color=colours[name],
            marker=FAMILY_MARKER.get(family, "o"),
            linestyle="",
            label=name,
        )
        for name, family in dict.fromkeys((column(r), r.family) for r in mine)
    ]
    if any(r.dtype == "float32" for r in mine):
        handles.append(
            Line2D(
                [],
                [],
                color="grey",
                marker="o",
                fillstyle="none",
                linestyle="",
                label="float32 (hollow)",
            )
        )
    if failed:
        handles.append(
            Line2D([], [], color="black", marker="x", linestyle="", label="beyond tolerance")
        )
    return handles


def scatter(results: Results, case: str) -> Figure:
    """One case's digits against time on a figure of its own, with its own legend
    (method by colour, family by marker, float32 hollow): for a notebook."""
    mine = [r for r in _plotted(results) if r.case == case]
    colours = colours_for(column(r) for r in results.rows)
    fig, (ax,) = figure(6.4, 3.6)
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(SECONDS)
    ax.set_ylim(-0.5, 17.5)
    ax.set_xlabel("median time per derivative call (s)")
    ax.set_ylabel("correct digits (17 = exact)")
    ax.grid(True, alpha=0.3)
    for r in mine:
        colour = colours[column(r)]
        filled = DTYPE_FILL.get(r.dtype, "full") == "full"
        ax.scatter(
            [r.eval_s],
            [r.digits],
            marker=FAMILY_MARKER.get(r.family, "o"),
            c=[colour] if filled else "none",
            edgecolors=[colour],
            s=48,
            label=f"{column(r)} ({r.dtype})",
        )
    ax.set_title(case)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.02, 0.5), frameon=False)
    return fig


def _legend(rows, colours) -> Figure:
    handles = [
        Line2D([], [], color=colour, marker="o", linestyle="", label=name)
        for name, colour in colours.items()
    ]
    families = dict.fromkeys(r.family for r in rows)
    handles += [
        Line2D([], [], color="grey", marker=FAMILY_MARKER.get(f, "o"), linestyle="", label=f)
        for f in families
    ]
    handles += [
        Line2D([], [], color="grey", marker="o", fillstyle=fill, linestyle="", label=dtype)
        for dtype, fill in DTYPE_FILL.items()
    ]
    fig = Figure(figsize=(8.8, 1.0))
    fig.legend(handles=handles, loc="center", ncol=6, fontsize=7, frameon=False)
    return fig


def heatmap(results: Results) -> dict:
    """Cases down, methods across, one panel per dtype; the colour is correct digits."""
    rows = list(results.rows)
    if not rows:
        return {}
    dtypes = list(dict.fromkeys(r.dtype for r in rows))
    methods = list(dict.fromkeys(column(r) for r in rows))
    cases = list(dict.fromkeys(f"{r.case} · {r.operator}" for r in rows))
    fig, axes = figure(2.2 + 0.55 * len(methods) * len(dtypes), 1.2 + 0.2 * len(cases), len(dtypes))
    for ax, dtype in zip(axes, dtypes):
        grid = np.full((len(cases), len(methods)), np.nan)
        for r in rows:
            if r.dtype == dtype and r.status == "ok" and r.digits is not None:
                grid[cases.index(f"{r.case} · {r.operator}"), methods.index(column(r))] = r.digits
        image = ax.imshow(grid, aspect="auto", cmap="viridis", vmin=0, vmax=17)
        ax.set_xticks(range(len(methods)), methods, rotation=60, ha="right", fontsize=7)
        ax.set_yticks(range(len(cases)), cases if ax is axes[0] else [], fontsize=6)
        ax.set_title(dtype, fontsize=10)
    fig.colorbar(image, ax=axes.tolist(), label="correct digits (blank: not ok)", shrink=0.5)
    return {"heatmap": fig}


def save(figures: dict, folder: Path) -> dict[str, Path]:
    """Write each figure as folder/NAME.png; returns the paths by name."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, fig in figures.items():
        path = folder / f"{file_name(name)}.png"
        fig.savefig(path, dpi=DPI)
        paths[name] = path
    return paths
