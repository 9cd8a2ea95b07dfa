"""The lesson as one self-contained HTML page and its markdown, in one language: the
section's words from the catalogue, filled with what the run computed."""

from __future__ import annotations

from html import escape
from pathlib import Path

from tabulate import tabulate

from diffcompare.lesson.section import Section, Table
from diffcompare.report import catalog
from diffcompare.report.files import atomic_write
from diffcompare.report.html import document, image
from diffcompare.report.plots import save

PLOTS = "plots"


def _words(lang: str, section: Section) -> dict[str, str]:
    """The section's title, explanation, notice and captions, filled in."""
    prefix = f"lesson.{section.key}."
    return {
        key.removeprefix(prefix): text.format(**section.values)
        for key, text in catalog.messages(lang).items()
        if key.startswith(prefix)
    }


def _names(figures: dict) -> dict:
    return {f"lesson_{name}": fig for name, fig in figures.items()}


def draw(sections: list[Section], out: Path) -> dict[str, Path]:
    """Every section's figures as out/plots/lesson_NAME.png."""
    figures = {}
    for s in sections:
        figures.update(_names(s.figure_data))
    return save(figures, out / PLOTS)


def _html_table(t: Table, caption: str) -> str:
    body = tabulate(list(t.rows), list(t.headers), tablefmt="html", disable_numparse=True)
    body = body.replace("<table>", f"<table><caption>{escape(caption)}</caption>", 1)
    return f'<div class="scroll">{body}</div>'


def html(sections: list[Section], images: dict[str, Path], lang: str, meta: str) -> str:
    words = catalog.messages(lang)
    body = [f'<p class="meta">{escape(meta)}</p>', f"<p>{escape(words['lesson.intro'])}</p>"]
    links = []
    for s in sections:
        w = _words(lang, s)
        links.append((s.key, w["title"]))
        body += [f'<h2 id="{s.key}">{escape(w["title"])}</h2>', f"<p>{escape(w['explain'])}</p>"]
        body += [_html_table(t, w[t.caption]) for t in s.tables]
        for name, caption in s.figures:
            body.append(
                f"<figure>{image(images[f'lesson_{name}'], w[caption])}"
                f"<figcaption>{escape(w[caption])}</figcaption></figure>"
            )
        label = escape(words["lesson.notice"])
        body.append(f'<p class="guide"><b>{label}</b> {escape(w["notice"])}</p>')
    nav = "".join(f'<a href="#{a}">{escape(t)}</a>' for a, t in links)
    return document(words["lesson.title"], lang, nav, body)


def markdown(sections: list[Section], images: dict[str, Path], lang: str, meta: str) -> str:
    words = catalog.messages(lang)
    out = [f"# {words['lesson.title']}", "", f"*{meta}*", "", words["lesson.intro"], ""]
    for s in sections:
        w = _words(lang, s)
        out += [f"## {w['title']}", "", w["explain"], ""]
        for t in s.tables:
            out += [
                f"**{w[t.caption]}**",
                "",
                tabulate(list(t.rows), list(t.headers), "github", disable_numparse=True),
            ]
            out.append("")
        for name, caption in s.figures:
            path = images[f"lesson_{name}"]
            out += [f"![{w[caption]}]({PLOTS}/{path.name})", "", f"*{w[caption]}*", ""]
        out += [f"**{words['lesson.notice']}** {w['notice']}", ""]
    return "\n".join(out)


def write(
    sections: list[Section], out: Path, lang: str, meta: str, images: dict[str, Path]
) -> dict[str, Path]:
    """lesson.html and lesson.md (lesson.zh.html and lesson.zh.md for a language other
    than English, so both can sit in one folder)."""
    stem = "lesson" if lang == "en" else f"lesson.{lang}"
    paths = {"html": out / f"{stem}.html", "markdown": out / f"{stem}.md"}
    atomic_write(paths["html"], html(sections, images, lang, meta))
    atomic_write(paths["markdown"], markdown(sections, images, lang, meta))
    return paths
