"""report.html: one self-contained page (inline CSS, images as data: URIs, no network)
with every table and picture of a results folder.

Everything that comes from a case (names, descriptions, messages) is escaped: tabulate's
``html`` format escapes cells, and ``html.escape`` the rest.
"""

from __future__ import annotations

import base64
from html import escape
from pathlib import Path

from diffcompare.report import cost, tables, taylor
from diffcompare.runner.result import Results
from diffcompare.sweep.record import Sweep

STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em auto; max-width: 1200px;
       padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { margin-top: 1.8em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; font-size: 0.8em; margin: 0.6em 0; }
th, td { border: 1px solid #ddd; padding: 2px 6px; text-align: right; }
th { background: #f3f3f3; } td:first-child, th:first-child { text-align: left; }
.scroll { overflow-x: auto; }
.grid { display: flex; flex-wrap: wrap; gap: 6px; }
img { max-width: 100%; border: 1px solid #eee; }
.meta { color: #666; font-size: 0.85em; }
.guide { color: #333; max-width: 60em; }
nav a { margin-right: 1em; }
"""

# Reports the load state of every image on the page itself (read by the headless check).
CHECK = """
window.addEventListener("load", function () {
  var imgs = Array.prototype.slice.call(document.images);
  var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
  document.documentElement.setAttribute("data-images", ok + "/" + imgs.length);
});
"""


def _image(path: Path, alt: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img alt="{escape(alt)}" src="data:image/png;base64,{data}">'


def _table(text: str) -> str:
    return f'<div class="scroll">{text}</div>' if text else ""


def _results_sections(results: Results, images: dict[str, Path]) -> list[str]:
    rows = list(results.rows)
    env = results.environment
    meta = " · ".join(
        f"{k} {escape(str(env.get(k)))}"
        for k in ("python", "numpy", "sympy", "torch", "cpu", "gpu", "timestamp", "commit")
        if env.get(k)
    )
    out = [
        f'<p class="meta">{len(rows)} rows · {meta}</p>',
        '<h2 id="accuracy">Accuracy: correct digits against the oracle</h2>',
        '<p class="guide">Each cell is how many digits of a method\'s derivative agree with the '
        "oracle (17 = exact; ✗ = beyond the method's tolerance). Look first down each column "
        "for ✗ and words (error, unsup): those are the cases where that method cannot be "
        "trusted; then across a row, where the methods disagree.</p>",
        _table(tables.accuracy(rows, "html")),
    ]
    if "heatmap" in images:
        out.append(_image(images["heatmap"], "digits heat map"))
    out += [
        '<h2 id="timing">Timing: median per derivative call, × cost ratio</h2>',
        '<p class="guide">The median time of one derivative call and, after ×, its cost in '
        "calls of f itself (timed in alternation with it). Reverse mode stays near a small "
        "constant as n grows; finite differences pay about n calls. ~ marks a timing too "
        "noisy to compare (its IQR over half its median).</p>",
        _table(tables.timing(rows, "html")),
    ]
    mean = cost.relative(rows, "html")
    if mean:
        out += [
            '<h2 id="relative">Each method against the fastest</h2>',
            '<p class="guide">For each method, the geometric mean over the timing table\'s '
            "rows of its time ÷ the fastest method's in that row (×1 = always the fastest). "
            "A row where the method has no steady time is counted as missing, not averaged "
            "in. Read it with the accuracy table: the fastest method is worth nothing where "
            "its digits are ✗.</p>",
            _table(mean),
        ]
    model = cost.against_model(rows, "html")
    if model:
        out += [
            '<h2 id="cost-model">Measured cost against each method\'s cost model</h2>',
            '<p class="guide">What theory says a derivative costs in calls of f (a central '
            "gradient 2n, a forward one n + 1, reverse mode at most about 5 whatever n) "
            "beside the measured cost ratio. Rows over 4× their model (or under a quarter of "
            "a count) are off it, and marked ! in the timing table: where fixed overhead "
            "dominates a small f, or where batching beats the count, or a bug lives.</p>",
            _table(model),
        ]
    checked = taylor.verdicts(rows, "html")
    if checked:
        out += [
            '<h2 id="taylor">The Taylor test beside the oracle</h2>',
            '<p class="guide">Every gradient row is also checked without an oracle: along a '
            "seeded direction v, |f(x + tv) − f(x) − t⟨g, v⟩| falls as t² when g is the "
            "gradient of f's values and as t when it is not. Look at the rows where the two "
            "verdicts differ: at a kink no gradient exists (the Taylor test fails every "
            "method, the oracle accepts the subdifferential); with detach the values' "
            "derivative is not the one asked for; on a linear f even an error of 1e-11 "
            "shows.</p>",
            _table(checked),
        ]
        differ = taylor.disagreements(rows, "html")
        if differ:
            out.append(_table(differ))
    paid = tables.break_even(rows, "html")
    if paid:
        out += [
            '<h2 id="break-even">Deriving once: when the symbolic derivative pays</h2>',
            '<p class="guide">SymPy derives and compiles once (prepare), then each call is '
            "cheap. Break-even N* = prepare ÷ (the fastest other method's call − the "
            "symbolic call): after N* evaluations deriving has paid; 'never' where the "
            "derived code is no faster per call. The first call after preparing is shown "
            "apart from the steady median.</p>",
            _table(paid),
        ]
    scatters = [k for k in images if k.startswith("scatter_") and k != "scatter_legend"]
    if scatters:
        out.append('<h2 id="scatter">Accuracy against time, per case</h2>')
        out.append(
            '<p class="guide">One picture per case: correct digits up, time per call (s) '
            "across. The methods worth using sit high and to the left; a point low on the "
            "left is fast and wrong.</p>"
        )
        if "scatter_legend" in images:
            out.append(_image(images["scatter_legend"], "legend"))
        out.append(
            '<div class="grid">'
            + "".join(_image(images[k], k.removeprefix("scatter_")) for k in scatters)
            + "</div>"
        )
    if any(needle in r.message for r in rows for needle, _ in tables.FINDINGS):
        out += [
            '<h2 id="findings">Findings about the cases themselves</h2>',
            _table(tables.findings(rows, "html")),
        ]
    k = tables.kinks(rows, "html")
    if k:
        out += ['<h2 id="kinks">Values at kinks</h2>', _table(k)]
    why = tables.reasons(rows, "html")
    if why:
        out += [
            '<h2 id="reasons">Rows that are not ok, and why</h2>',
            '<p class="guide">Each reason once, with the cases it holds for: what a method '
            "cannot do (unsupported), where it failed (error, timeout, nan) and where it "
            "missed its tolerance (ok ✗).</p>",
            _table(why),
        ]
    if results.cases:
        items = "".join(
            f"<li><b>{escape(n)}</b>: {escape(d)}</li>" for n, d in sorted(results.cases.items())
        )
        out += ['<h2 id="cases">The cases</h2>', f"<ul>{items}</ul>"]
    return out


def _sweep_section(sweep: Sweep, images: dict[str, Path]) -> list[str]:
    out = [f'<h2 id="{escape(sweep.stem)}">{escape(sweep.title)}</h2>']
    if sweep.findings:
        out.append("<ul>" + "".join(f"<li>{escape(f)}</li>" for f in sweep.findings) + "</ul>")
    mine = set(sweep.figures)
    out += [_image(p, name) for name, p in images.items() if name in mine]
    out.append(_table(tables.sweep_table(sweep, "html")))
    return out


def page(results: Results | None, sweeps: list[Sweep], images: dict[str, Path]) -> str:
    body: list[str] = []
    links = []
    if results is not None:
        links += [("accuracy", "Accuracy"), ("timing", "Timing"), ("scatter", "Accuracy vs time")]
        if any(n in r.message for r in results.rows for n, _ in tables.FINDINGS):
            links.insert(0, ("findings", "Findings"))
        body += _results_sections(results, images)
    for s in sweeps:
        links.append((s.stem, s.title + (f": {s.label}" if s.label else "")))
        body += _sweep_section(s, images)
    nav = "".join(f'<a href="#{a}">{escape(t)}</a>' for a, t in links)
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<title>diffcompare report</title>"
        f"<style>{STYLE}</style></head><body>"
        f"<h1>diffcompare report</h1><nav>{nav}</nav>"
        + "\n".join(body)
        + f"<script>{CHECK}</script></body></html>\n"
    )
