"""The message catalogues: every language has every message, with the same {names}."""

import re

import pytest

from diffcompare.errors import UsageError
from diffcompare.report import catalog

ENGLISH = catalog.messages("en")


@pytest.mark.parametrize("lang", catalog.LANGS)
def test_every_language_has_every_message_with_the_same_names(lang):
    words = catalog.messages(lang)
    assert set(words) == set(ENGLISH)
    for key, text in words.items():
        assert text.strip(), f"{lang}: {key} is empty"
        assert catalog.fields(text) == catalog.fields(ENGLISH[key]), f"{lang}: {key}"


@pytest.mark.parametrize("lang", catalog.LANGS)
def test_the_lesson_types_no_number(lang):
    """Every number in the lesson's text is a {name} the run fills (float32 is a name)."""
    for key, text in catalog.messages(lang).items():
        if key.startswith("lesson."):
            bare = re.sub(r"\{\w+\}|float(16|32|64)", "", text)
            assert not re.search(r"[0-9]", bare), f"{lang}: {key} types a number: {text}"


def test_chinese_lines_join_without_a_space():
    assert catalog._joined("导数\n表") == "导数表"
    assert catalog._joined("the derivative\ntable") == "the derivative table"
    assert catalog._joined("torch\n的反向模式") == "torch 的反向模式"


def test_an_unknown_language_is_refused():
    with pytest.raises(UsageError, match="unknown language 'fr'"):
        catalog.messages("fr")
