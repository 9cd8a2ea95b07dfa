"""The README is a front door a newcomer finishes in ten minutes, and every link in it and in
docs/ leads somewhere inside the project."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def anchors(page: Path) -> set[str]:
    """GitHub's anchors: headings lower-cased, punctuation dropped, spaces to hyphens."""
    heads = re.findall(r"(?m)^#+ (.+)$", page.read_text())
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in heads}


def links(page: Path) -> list[str]:
    text = re.sub(r"(?s)```.*?```", "", page.read_text())  # not inside code blocks
    return LINK.findall(text)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_link_resolves_inside_the_project(page):
    broken = []
    for target in links(page):
        if re.match(r"[a-z]+:", target):
            broken.append(f"{target} (outside the project)")
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists() or ROOT not in [file, *file.parents]:
            broken.append(f"{target} (no such file in the project)")
        elif anchor and file.suffix == ".md" and anchor not in anchors(file):
            broken.append(f"{target} (no such heading)")
    assert broken == []


def test_the_readme_is_short_and_has_a_table_of_contents():
    text = (ROOT / "README.md").read_text()
    assert len(text.splitlines()) <= 260
    contents = text.split("**Contents:**", 1)[1].split("\n\n", 1)[0]
    for heading in re.findall(r"(?m)^## (.+)$", text):
        anchor = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        assert f"(#{anchor})" in contents, heading


def test_every_docs_page_is_linked_from_the_readme():
    readme = (ROOT / "README.md").read_text()
    reached = {Path(t.partition("#")[0]).name for t in links(ROOT / "README.md")}
    for page in (ROOT / "docs").glob("*.md"):
        others = [p for p in PAGES if p != page]
        linked = page.name in reached or any(
            page.name in {Path(t.partition("#")[0]).name for t in links(p)} for p in others
        )
        assert linked, f"docs/{page.name} is reached from no page"
    assert "docs/architecture.md" in readme
