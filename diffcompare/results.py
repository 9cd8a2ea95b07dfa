"""A run's results for a notebook or a script: a long DataFrame, the CLI's tables in any
format, the digits table shown by Jupyter, figures, and the files `run --out` writes."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from diffcompare.report import files, tables
from diffcompare.runner import result

KINDS = ("accuracy", "timing", "reasons", "findings", "kinks")


class Results(result.Results):
    """The rows of a comparison (``.rows``, one ``Result`` per cell) and what to do with
    them. Loads and saves the same results.json as the command line."""

    def __repr__(self) -> str:
        """A few lines: the count of each verdict, and the worst rows and where to look."""
        rows = self.rows
        count = {
            "pass": sum(r.passed is True for r in rows),
            "fail": sum(r.passed is False for r in rows),
            "cannot tell": sum(r.verdict == "cannot tell" for r in rows),
            "not ok": sum(r.status != "ok" for r in rows),
        }
        said = ", ".join(f"{n} {k}" for k, n in count.items() if n)
        head = f"Results({len(rows)} rows of {len({r.case for r in rows})} cases: {said or 'none'})"
        worst = [r for r in rows if r.passed is False or r.status in ("error", "nan")][:3]
        lines = [head, *(f"  {r!r}" for r in worst)]
        if worst:
            lines.append("  .table('reasons') says why; .to_pandas() has every field")
        return "\n".join(lines)

    @classmethod
    def of(cls, record: result.Results) -> Results:
        return cls(record.environment, record.rows, record.cases)

    def to_pandas(self):
        """One row per result, the columns of results.json (docs/results-schema.md)."""
        try:
            import pandas as pd
        except ImportError:
            raise ImportError(
                "Results.to_pandas() needs pandas: pip install 'diffcompare[pandas]'"
            ) from None
        names = [f.name for f in fields(result.Result)]
        return pd.DataFrame([[getattr(r, n) for n in names] for r in self.rows], columns=names)

    def table(self, kind: str = "accuracy", fmt: str = "github") -> Table:
        """One of the CLI's tables (accuracy, timing, reasons, findings, kinks) in any
        tabulate format (github, plain, latex, html, ...): a str, which a terminal prints
        as it is and Jupyter shows as an HTML table."""
        if kind not in KINDS:
            raise ValueError(f"Results.table: kind is one of {', '.join(KINDS)}, not {kind!r}")
        make = getattr(tables, kind)
        return Table(make(list(self.rows), fmt), lambda: make(list(self.rows), "html"))

    def _repr_markdown_(self) -> str:
        return f"**diffcompare**: {len(self.rows)} rows, correct digits\n\n" + self.table()

    def _repr_html_(self) -> str:
        head = f"<p><b>diffcompare</b>: {len(self.rows)} rows, correct digits</p>"
        return head + self.table(fmt="html")

    def plot(self, kind: str = "scatter", case: str | None = None):
        """matplotlib figures: 'scatter' (digits against time, one figure per case, or
        the case named) as a dict by case, or 'heatmap' as one figure."""
        from diffcompare.report import plots  # matplotlib: 0.4 s, only where a figure is asked

        _inline()
        if kind == "heatmap":
            return plots.heatmap(self)["heatmap"]
        if kind != "scatter":
            raise ValueError(f"Results.plot: kind is 'scatter' or 'heatmap', not {kind!r}")
        names = plots.scatter_cases(self)
        if case is not None:
            if case not in names:
                raise ValueError(f"Results.plot: no timed, scored rows of case {case!r}")
            return plots.scatter(self, case)
        return Figures({name: plots.scatter(self, name) for name in names})

    def save(self, folder: str | Path, lang: str = "en") -> dict[str, Path]:
        """Write what `diffcompare run --out DIR` writes: results.json, results.csv,
        summary.md, plots/ and report.html (in lang: "en" or "zh"). Returns their paths."""
        return files.write(self, folder, lang=lang)


class Table(str):
    """A table's text, which Jupyter shows as HTML (made when it is shown)."""

    def __new__(cls, text: str, html):
        table = super().__new__(cls, text)
        table._html = html
        return table

    def __repr__(self) -> str:  # a REPL shows the table, not an escaped string
        return str(self)

    def _repr_html_(self) -> str:
        return self._html()


class Figures(dict):
    """Figures by case: Jupyter draws each one."""

    def _ipython_display_(self) -> None:
        from IPython.display import display

        for figure in self.values():
            display(figure)


def _inline() -> None:
    """In Jupyter, a returned Figure is drawn: IPython's PNG formatter for figures, which
    only `%matplotlib inline` registered (a fresh kernel showed the figure's repr)."""
    import sys

    if "IPython" not in sys.modules:
        return
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None or not hasattr(shell, "kernel"):  # a terminal IPython: plt.show's job
        return
    from IPython.core.pylabtools import select_figure_formats

    select_figure_formats(shell, {"png"})
