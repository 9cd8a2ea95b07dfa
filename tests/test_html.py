"""report.html: self-contained, escaped, and rendered by a real headless browser."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from diffcompare import xnp
from diffcompare.form import registry
from diffcompare.methods import by_name
from diffcompare.report import catalog, write
from diffcompare.report.files import render, write_sweep
from diffcompare.runner.loop import run
from diffcompare.runner.plan import Plan
from diffcompare.sweep import swell
from tests.conftest import FAST

BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
# CI installs Chromium and sets this, so that a missing browser fails instead of skipping
REQUIRED = os.environ.get("DIFFCOMPARE_REQUIRE_BROWSER") == "1"


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    cases = registry.select(["sin_exp", "relu_at_kink", "rosenbrock_n10"])
    plan = Plan(
        tuple(cases), tuple(by_name(n) for n in ("sympy", "fd-central", "torch")), budget=FAST
    )
    write(run(plan, progress=False), out)
    write_sweep(swell.sweep(["n-factor product"]), out)
    return out


def test_the_page_is_self_contained(folder):
    html = (folder / "report.html").read_text()
    assert not re.search(r"""(src|href)=["'](?!data:|#)""", html)  # nothing fetched
    assert html.count("<img") == len(list((folder / "plots").glob("*.png")))
    for section in ("Accuracy", "Timing", "Accuracy against time", "Expression swell"):
        assert section in html
    assert "rosenbrock_n10" in html and "n-factor product" in html


@pytest.mark.parametrize("lang", catalog.LANGS)
def test_each_section_opens_with_a_reading_guide(folder, tmp_path, lang):
    shutil.copytree(folder, tmp_path / "report")
    html = render(tmp_path / "report", lang=lang).read_text(encoding="utf-8")
    headings = re.findall(r'<h2 id="([\w-]+)">', html)
    guides = re.findall(r'<h2 id="([\w-]+)">[^<]+</h2>\s*<p class="guide">[^<]+</p>', html)
    assert {"accuracy", "timing", "scatter"} <= set(headings)
    assert headings == guides  # every section, the swell sweep's too
    assert catalog.text(lang, "report.accuracy.title") in html
    assert f"<html lang='{catalog.text(lang, 'report.lang')}'>" in html


def test_what_a_case_supplies_is_escaped(tmp_path, fresh_names):
    @registry.case(inputs={"x": 1.0}, name="evil")
    def evil(x, xp=xnp):
        """<script>alert(1)</script> & more"""
        return xp.sin(x)

    fresh_names.append("evil")
    plan = Plan((registry.select(["evil"])[0],), (by_name("fd-central"),), budget=FAST)
    write(run(plan, progress=False), tmp_path)
    html = (tmp_path / "report.html").read_text()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html


needs_browser = pytest.mark.skipif(
    not BROWSER and not REQUIRED, reason="no chromium on this machine"
)
SAMPLE = Path(__file__).resolve().parent.parent / "reports" / "sample" / "report.html"


FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def dom(page: Path, profile: Path) -> str:
    """The page's DOM after headless Chromium loaded it (and its script ran)."""
    assert BROWSER, "DIFFCOMPARE_REQUIRE_BROWSER=1 but no chromium on PATH"
    flags = [*FLAGS, f"--user-data-dir={profile}"]
    uri = page.resolve().as_uri()
    return subprocess.run(
        [BROWSER, *flags, "--dump-dom", uri], capture_output=True, text=True, timeout=120
    ).stdout


def headless(page: Path, profile: Path, screenshot: Path | None = None) -> tuple[int, int]:
    """Open the page in headless Chromium: (images loaded, images on the page)."""
    flags, uri = [*FLAGS, f"--user-data-dir={profile}"], page.resolve().as_uri()
    loaded_dom = dom(page, profile)
    loaded, total = map(int, re.search(r'data-images="(\d+)/(\d+)"', loaded_dom).groups())
    if screenshot is not None:
        subprocess.run(
            [BROWSER, *flags, f"--screenshot={screenshot}", "--window-size=1280,2000", uri],
            capture_output=True,
            timeout=120,
        )
    return loaded, total


@needs_browser
def test_headless_chromium_renders_every_image(folder, tmp_path):
    shot = tmp_path / "shot.png"
    loaded, total = headless(folder / "report.html", tmp_path / "profile", shot)
    assert total == len(list((folder / "plots").glob("*.png"))) > 0
    assert loaded == total
    assert shot.stat().st_size > 10_000


@needs_browser
def test_the_committed_sample_renders_every_image(tmp_path):
    loaded, total = headless(SAMPLE, tmp_path / "profile")
    assert total > 80 and loaded == total  # the suite's scatters, heat map, the sweeps


@needs_browser
def test_the_chinese_report_draws_its_letters(folder, tmp_path):
    shutil.copytree(folder, tmp_path / "report")
    page = render(tmp_path / "report", lang="zh")
    assert re.search(r'<html[^>]*data-glyphs="drawn"', dom(page, tmp_path / "p"))
