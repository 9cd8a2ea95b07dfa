"""report.html: one self-contained page (inline CSS, images as data: URIs, no network)
with every table and picture of a results folder.

Everything that comes from a case (names, descriptions, messages) is escaped: tabulate's
``html`` format escapes cells, and ``html.escape`` the rest.
"""

from __future__ import annotations

import base64
from html import escape
from pathlib import Path

from diffcompare.report import catalog, cost, tables, taylor
from diffcompare.runner.result import Results
from diffcompare.sweep.record import Sweep

STYLE = """
body { font-family: system-ui, "Noto Sans CJK SC", "WenQuanYi Micro Hei", "PingFang SC",
       "Microsoft YaHei", sans-serif; margin: 1.5em auto; max-width: 1200px;
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

# Reports on the page itself (read by the headless check) how many images loaded and
# whether its script's letters could be drawn.
CHECK = """
window.addEventListener("load", function () {
  var imgs = Array.prototype.slice.call(document.images);
  var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
  document.documentElement.setAttribute("data-images", ok + "/" + imgs.length);
  // Two different letters of the title beyond ASCII (a Chinese page's) drawn in the page's
  // font: the same pixels, or blank, mean no font on this machine has them
  var seen = {};
  var wide = Array.from(document.querySelector("h1").textContent).filter(function (c) {
    var fresh = c.charCodeAt(0) > 127 && !seen[c];
    seen[c] = true;
    return fresh;
  });
  if (wide.length >= 2) {
    var font = "32px " + getComputedStyle(document.body).fontFamily;
    var draw = function (c) {
      var canvas = document.createElement("canvas");
      canvas.width = canvas.height = 40;
      var ctx = canvas.getContext("2d");
      ctx.font = font;
      ctx.fillText(c, 2, 34);
      return canvas.toDataURL();
    };
    var a = draw(wide[0]), b = draw(wide[1]), blank = draw(" ");
    var drawn = a !== b && a !== blank && b !== blank;
    document.documentElement.setAttribute("data-glyphs", drawn ? "drawn" : "missing");
  }
});
"""


def image(path: Path, alt: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img alt="{escape(alt)}" src="data:image/png;base64,{data}">'


def _table(text: str) -> str:
    return f'<div class="scroll">{text}</div>' if text else ""


def _opening(lang: str, key: str, anchor: str) -> list[str]:
    """A section's heading and its reading guide, in lang."""
    out = [f'<h2 id="{anchor}">{escape(catalog.text(lang, f"report.{key}.title"))}</h2>']
    if catalog.has(lang, f"report.{key}.guide"):
        out.append(f'<p class="guide">{escape(catalog.text(lang, f"report.{key}.guide"))}</p>')
    return out


def _results_sections(results: Results, images: dict[str, Path], lang: str = "en") -> list[str]:
    rows = list(results.rows)
    env = results.environment
    meta = " · ".join(
        f"{k} {escape(str(env.get(k)))}"
        for k in ("python", "numpy", "sympy", "torch", "cpu", "gpu", "timestamp", "commit")
        if env.get(k)
    )
    words = catalog.messages(lang)
    out = [
        f'<p class="meta">{escape(catalog.text(lang, "report.rows", rows=len(rows)))} · {meta}</p>',
        *_opening(lang, "accuracy", "accuracy"),
        _table(tables.accuracy(rows, "html")),
    ]
    if "heatmap" in images:
        out.append(image(images["heatmap"], words["report.accuracy.heatmap"]))
    out += [*_opening(lang, "timing", "timing"), _table(tables.timing(rows, "html"))]
    optional = (
        ("relative", "relative", cost.relative(rows, "html")),
        ("cost_model", "cost-model", cost.against_model(rows, "html")),
        ("taylor", "taylor", taylor.verdicts(rows, "html")),
    )
    for key, anchor, shown in optional:
        if shown:
            out += [*_opening(lang, key, anchor), _table(shown)]
    if taylor.verdicts(rows, "html"):
        differ = taylor.disagreements(rows, "html")
        if differ:
            out.append(_table(differ))
    paid = tables.break_even(rows, "html")
    if paid:
        out += [*_opening(lang, "break_even", "break-even"), _table(paid)]
    scatters = [k for k in images if k.startswith("scatter_") and k != "scatter_legend"]
    if scatters:
        out += _opening(lang, "scatter", "scatter")
        if "scatter_legend" in images:
            out.append(image(images["scatter_legend"], words["report.scatter.legend"]))
        out.append(
            '<div class="grid">'
            + "".join(image(images[k], k.removeprefix("scatter_")) for k in scatters)
            + "</div>"
        )
    if any(needle in r.message for r in rows for needle, _ in tables.FINDINGS):
        out += [*_opening(lang, "findings", "findings"), _table(tables.findings(rows, "html"))]
    k = tables.kinks(rows, "html")
    if k:
        out += [*_opening(lang, "kinks", "kinks"), _table(k)]
    why = tables.reasons(rows, "html")
    if why:
        out += [*_opening(lang, "reasons", "reasons"), _table(why)]
    if results.cases:
        items = "".join(
            f"<li><b>{escape(n)}</b>: {escape(d)}</li>" for n, d in sorted(results.cases.items())
        )
        out += [*_opening(lang, "cases", "cases"), f"<ul>{items}</ul>"]
    return out


def _sweep_section(sweep: Sweep, images: dict[str, Path], lang: str = "en") -> list[str]:
    out = _opening(lang, f"sweep.{sweep.kind}", sweep.stem)
    if sweep.findings:
        out.append("<ul>" + "".join(f"<li>{escape(f)}</li>" for f in sweep.findings) + "</ul>")
    mine = set(sweep.figures)
    out += [image(p, name) for name, p in images.items() if name in mine]
    out.append(_table(tables.sweep_table(sweep, "html")))
    return out


def document(title: str, lang: str, nav: str, body: list[str]) -> str:
    """A self-contained page: inline style, the load check, no request outside it."""
    code = catalog.text(lang, "report.lang")
    return (
        f"<!DOCTYPE html>\n<html lang='{code}'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title>"
        f"<style>{STYLE}</style></head><body>"
        f"<h1>{escape(title)}</h1><nav>{nav}</nav>"
        + "\n".join(body)
        + f"<script>{CHECK}</script></body></html>\n"
    )


def page(
    results: Results | None, sweeps: list[Sweep], images: dict[str, Path], lang: str = "en"
) -> str:
    words = catalog.messages(lang)
    body: list[str] = []
    links = []
    if results is not None:
        links += [(k, words[f"report.{k}.nav"]) for k in ("accuracy", "timing", "scatter")]
        if any(n in r.message for r in results.rows for n, _ in tables.FINDINGS):
            links.insert(0, ("findings", words["report.findings.nav"]))
        body += _results_sections(results, images, lang)
    for s in sweeps:
        title = words[f"report.sweep.{s.kind}.title"]
        links.append((s.stem, title + (f": {s.label}" if s.label else "")))
        body += _sweep_section(s, images, lang)
    nav = "".join(f'<a href="#{a}">{escape(t)}</a>' for a, t in links)
    return document(words["report.title"], lang, nav, body)
