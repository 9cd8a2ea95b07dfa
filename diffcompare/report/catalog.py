"""The words of the report and the lesson, per language: one TOML file a language
(``messages/en.toml``, ``messages/zh.toml``), so a translator edits text, not code.

A message is a template: ``{name}`` is filled with a value the run computed (``text``),
never with a number typed into the file. Method and case names stay as they are in
every language.
"""

from __future__ import annotations

import string
import sys
from functools import cache
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the 3.10 backport
    import tomli as tomllib

LANGS = ("en", "zh")
FOLDER = Path(__file__).resolve().parent / "messages"


def _flat(table: dict, prefix: str = "") -> dict[str, str]:
    out = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flat(value, f"{name}."))
        else:
            out[name] = _joined(str(value))
    return out


def _joined(paragraph: str) -> str:
    """A TOML paragraph as one line: lines meet with a space, except between two letters
    of a script written without spaces (Chinese), where a space would show."""
    lines = [line.strip() for line in paragraph.splitlines() if line.strip()]
    out = lines[0] if lines else ""
    for line in lines[1:]:
        tight = ord(out[-1]) > 0x2E7F and ord(line[0]) > 0x2E7F  # CJK and its punctuation
        out += ("" if tight else " ") + line
    return out


@cache
def messages(lang: str) -> dict[str, str]:
    """Every message of one language, by dotted key (``report.accuracy.title``)."""
    if lang not in LANGS:
        from diffcompare.errors import UsageError

        raise UsageError(f"unknown language {lang!r}; choose from: {', '.join(LANGS)}")
    with open(FOLDER / f"{lang}.toml", "rb") as f:
        return _flat(tomllib.load(f))


def fields(template: str) -> set[str]:
    """The names a template asks to be filled."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def text(lang: str, key: str, **values) -> str:
    """The message key in lang, its {names} filled from values."""
    return messages(lang)[key].format(**values)


def has(lang: str, key: str) -> bool:
    return key in messages(lang)
