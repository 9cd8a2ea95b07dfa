"""The lesson: every section filled from the run, in English and Chinese, rendered by
headless Chromium with every image and every letter drawn."""

import re
import subprocess
import sys
from html.parser import HTMLParser

import numpy as np
import pytest

from diffcompare import lesson, xnp
from diffcompare.form import registry
from diffcompare.lesson import chapter, studies
from diffcompare.lesson.syllabus import CASES
from diffcompare.report import catalog
from diffcompare.report.html import document
from tests.test_html import BROWSER, REQUIRED, dom, headless

LANGS = ("en", "zh")


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("lesson")
    return out, lesson.build(out, LANGS)


class Page(HTMLParser):
    """The page's sections, captions and images, as a reader meets them."""

    def __init__(self):
        super().__init__()
        self.open, self.text = None, ""
        self.headings, self.captions, self.alts, self.paragraphs = [], [], [], []

    def handle_starttag(self, tag, attrs):
        if tag in ("h2", "caption", "figcaption", "p"):
            self.open, self.text = tag, ""
        if tag == "img":
            self.alts.append(dict(attrs).get("alt", ""))

    def handle_data(self, data):
        if self.open:
            self.text += data

    def handle_endtag(self, tag):
        if tag == self.open:
            kind = {"h2": self.headings, "p": self.paragraphs}.get(tag, self.captions)
            kind.append(self.text.strip())
            self.open = None


def parsed(path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


@pytest.mark.parametrize("lang", LANGS)
def test_every_section_is_written_and_filled(written, lang):
    out, paths = written
    page = parsed(paths[f"html.{lang}"])
    assert len(page.headings) == 12
    assert page.captions and all(page.captions), "a caption is empty"
    assert page.alts and all(page.alts), "an image has no text"
    assert all(page.paragraphs)
    text = paths[f"html.{lang}"].read_text(encoding="utf-8")
    assert not re.search(r"\{\w+\}", text), "a value was not filled in"
    assert catalog.text(lang, "lesson.second.title") in text
    markdown = paths[f"markdown.{lang}"].read_text(encoding="utf-8")
    for link in re.findall(r"\]\((plots/[^)]+)\)", markdown):
        assert (out / link).stat().st_size > 1000


def test_both_languages_show_the_same_tables_and_figures(written):
    _, paths = written
    en, zh = (parsed(paths[f"html.{lang}"]) for lang in LANGS)
    assert len(en.captions) == len(zh.captions) and len(en.alts) == len(zh.alts)
    assert paths["html.zh"].read_text().count("<tr>") == paths["html.en"].read_text().count("<tr>")


needs_browser = pytest.mark.skipif(not BROWSER and not REQUIRED, reason="no chromium here")


@needs_browser
@pytest.mark.parametrize("lang", LANGS)
def test_headless_chromium_draws_every_image_and_letter(written, lang, tmp_path):
    _, paths = written
    loaded, total = headless(paths[f"html.{lang}"], tmp_path / "profile")
    assert total == 4 and loaded == total
    text = dom(paths[f"html.{lang}"], tmp_path / "p")
    glyphs = re.search(r'<html[^>]*data-glyphs="(\w+)"', text)
    if lang == "zh":  # the Chinese title's letters are drawn, not boxes or blanks
        assert glyphs and glyphs.group(1) == "drawn"
    else:
        assert glyphs is None  # an ASCII title: nothing to check


@needs_browser
def test_the_letter_check_fails_where_no_font_has_the_letters(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(document("\ue000\ue001 private", "en", "", ["<p>x</p>"]), encoding="utf-8")
    text = dom(page, tmp_path / "p")
    assert re.search(r'<html[^>]*data-glyphs="missing"', text)


def _course(x0):
    def course_plot(x, xp=xnp):
        """u = 3x² − 4x, moved."""
        return 3 * x**2 - 4 * x

    return registry.make("course_plot", course_plot, {"x": np.array(x0)}, None)


def test_the_text_follows_the_case():
    """Change the case and the numbers in the text change: none is typed in."""
    at_one, at_two = (studies.limit(_course(x), []) for x in (1.0, 2.0))
    assert at_one.values["exact"] == "2" and at_two.values["exact"] == "8"
    words = [catalog.text("en", "lesson.limit.explain", **s.values) for s in (at_one, at_two)]
    assert "f′(1) = 2" in words[0] and "f′(2) = 8" in words[1]
    quotients = [s.values["course_quotient"] for s in (at_one, at_two)]
    assert quotients[0].startswith("2.0000") and quotients[1].startswith("8.0000")


def test_an_override_takes_the_case_s_place():
    moved = _course(2.0)
    cases = chapter.cases({"course_plot": moved})
    assert cases["course_plot"] is moved
    assert set(cases) == {n for group in CASES.values() for n in group}


def test_the_limit_needs_a_scalar_function_of_one_variable():
    from diffcompare.errors import CaseError

    def two(x, xp=xnp):
        return xp.sum(x**2)

    with pytest.raises(CaseError, match="lesson: wide is not a scalar function of one variable"):
        studies.limit(registry.make("wide", two, {"x": np.ones(2)}, None), [])


def test_the_command_refuses_an_unknown_language(tmp_path):
    argv = [sys.executable, "-m", "diffcompare", "lesson", "--lang", "fr", "--out", tmp_path]
    out = subprocess.run(argv, capture_output=True, text=True)
    assert out.returncode == 2 and "invalid choice: 'fr'" in out.stderr
