"""results.json, results.csv, summary.md, the sweeps' files, plots/ and report.html,
each written atomically."""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from dataclasses import fields
from pathlib import Path

from diffcompare.report.summary import summary
from diffcompare.report.tables import sweep_summary
from diffcompare.runner.result import Result, Results
from diffcompare.sweep.record import Sweep, found_in


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: Path, text: str) -> None:
    """Write to a temporary file beside path, then rename: a reader never sees half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; reports are for reading
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def to_csv(results: Results) -> str:
    names = [f.name for f in fields(Result) if f.name != "traceback"]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=names, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for r in results.rows:
        d = r.to_dict()
        for k in ("value", "reference_value", "tags"):
            d[k] = "" if d[k] is None else json.dumps(d[k])
        writer.writerow(d)
    return buf.getvalue()


WRITTEN = ("results.json", "results.csv", "results.jsonl", "summary.md", "report.html")


def clear(folder: str | Path) -> None:
    """Remove what an earlier run or sweep wrote into folder (and nothing else): a reused
    --out holds only the new run's files, and its report shows no stale sweep or plot."""
    folder = Path(folder)
    stale = [folder / name for name in WRITTEN]
    stale += [*folder.glob("sweep_*.json"), *folder.glob("sweep_*.md")]
    stale += list((folder / "plots").glob("*.png"))
    for path in stale:
        path.unlink(missing_ok=True)


def write(
    results: Results, out: str | Path, pictures: bool = True, helper=None, lang: str = "en"
) -> dict[str, Path]:
    """Write every file of a run into the folder out; returns their paths. helper: a
    drawing helper started earlier (see ``render``); lang: report.html's language."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        "json": folder / "results.json",
        "csv": folder / "results.csv",
        "summary": folder / "summary.md",
    }
    atomic_write(paths["json"], results.to_json())
    atomic_write(paths["csv"], to_csv(results))
    atomic_write(paths["summary"], summary(results))
    if pictures:
        paths["html"] = render(folder, results, helper, lang)
    return paths


def write_sweep(sweep: Sweep, out: str | Path, lang: str = "en") -> dict[str, Path]:
    """A sweep's JSON and markdown table, then the folder's plots and report.html again."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"json": folder / sweep.filename, "summary": folder / f"{sweep.stem}.md"}
    atomic_write(paths["json"], sweep.to_json())
    atomic_write(paths["summary"], sweep_summary(sweep))
    paths["html"] = render(folder, lang=lang)
    return paths


def render(folder: Path, results: Results | None = None, helper=None, lang: str = "en") -> Path:
    """Draw the plots of everything saved in folder (results.json, sweep_*.json) into
    folder/plots and write folder/report.html; needs neither torch nor sympy.

    With dozens of scatter figures and a second core, a helper process (``helper``, one
    started before the run, or a new one) draws them beside this one (the run's
    timings are all taken by then)."""
    from diffcompare.report import html, plots, sweep_plots
    from diffcompare.report.helper import Helper, worth_it

    if results is None and (folder / "results.json").exists():
        results = Results.load(folder / "results.json")
    sweeps = found_in(folder)
    drawn = folder / "plots"
    cases = plots.scatter_cases(results) if results is not None else []
    own = helper is None and worth_it(len(cases))
    if own:
        helper = Helper()  # it imports while this process draws the rest
    try:
        if helper is not None and cases:
            helper.share(results, cases, drawn)
        figures = {}
        if results is not None:
            figures.update(plots.heatmap(results))
            figures.update(plots.scatter_legend(results))
        for s in sweeps:
            figures.update(sweep_plots.for_sweep(s))
        images = plots.save(figures, drawn)
        if cases:
            mine = helper.taken(cases) if helper is not None else cases
            images.update(plots.save_scatter(results, mine, drawn))
            if helper is not None:
                images.update(helper.images() or {})
            missing = [c for c in cases if f"scatter_{c}" not in images]
            if missing:  # taken by a helper that failed
                images.update(plots.save_scatter(results, missing, drawn))
    finally:
        if own:
            helper.close()
    order = ["heatmap", "scatter_legend", *(f"scatter_{c}" for c in cases)]
    rank = {name: i for i, name in enumerate(order)}  # sweeps' figures after, as drawn
    images = dict(sorted(images.items(), key=lambda kv: rank.get(kv[0], len(rank))))
    path = folder / "report.html"
    atomic_write(path, html.page(results, sweeps, images, lang))
    return path
