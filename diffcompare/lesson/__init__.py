"""The lesson: the course chapter (calculus and automatic differentiation) walked in its
order, each idea shown by a table or picture this run computes, in English or Chinese.

``build(out, lang)`` runs it and writes ``lesson.html`` (one self-contained page) and
``lesson.md`` into out (``lesson.zh.html``, ``lesson.zh.md`` for Chinese)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from diffcompare.form.registry import Case


def build(
    out: str | Path,
    langs: Sequence[str] = ("en",),
    overrides: Mapping[str, Case] | None = None,
) -> dict[str, Path]:
    """Compute the lesson once and write it in each language; returns the files' paths."""
    from diffcompare.lesson import chapter, page
    from diffcompare.report import catalog
    from diffcompare.runner.environment import describe

    for lang in langs:
        catalog.messages(lang)  # an unknown language fails before the run, not after
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    env = describe(with_torch=True)
    sections = chapter.compute(overrides)
    images = page.draw(sections, folder)
    paths = {}
    for lang in langs:
        meta = catalog.text(
            lang,
            "lesson.meta",
            timestamp=env.get("timestamp", "—"),
            python=env.get("python", "—"),
            torch=env.get("torch", "—"),
            sympy=env.get("sympy", "—"),
            cpu=env.get("cpu", "—"),
        )
        for kind, path in page.write(sections, folder, lang, meta, images).items():
            paths[f"{kind}.{lang}"] = path
    return paths
