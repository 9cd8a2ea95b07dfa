"""A measured section of a docs page, rewritten in place by the script that measures it."""

from __future__ import annotations


def replaced(page: str, heading: str, section: str) -> str:
    """The page with its ``heading`` section (up to the next ``## `` heading) replaced by
    section, or section added at the end; the rest of the page is left as it is."""
    if heading not in page:
        return page.rstrip() + "\n\n" + section
    start = page.index(heading)
    end = page.find("\n## ", start + 1)
    return page[:start] + section.rstrip() + "\n" + (page[end:] if end >= 0 else "")
