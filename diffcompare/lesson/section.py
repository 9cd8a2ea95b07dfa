"""One section of the lesson: the values its text is filled with, its tables and
figures. Everything in it was computed by the lesson's run; the words are the catalogue's
(``report/messages``), under ``lesson.<key>``."""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Table:
    caption: str  # a catalogue key under the section: lesson.<key>.<caption>
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Section:
    key: str  # lesson.<key>.title, .explain, .notice in the catalogue
    values: dict[str, str]  # what {name} in its text becomes: each computed by the run
    tables: tuple[Table, ...] = ()
    figures: tuple[tuple[str, str], ...] = ()  # (figure name, caption key)
    figure_data: dict = field(default_factory=dict, compare=False)  # name -> Figure


def number(v: float | None, digits: int = 3) -> str:
    """A value as the text shows it: a few significant digits, never more than the
    reference behind it supports (every reference here supports over six)."""
    if v is None:
        return "—"
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    return f"{v:.{digits}g}"


def correct(d: float | None) -> str:
    """Correct digits, as the report's tables show them."""
    return "—" if d is None else f"{d:.1f}"
