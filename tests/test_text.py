"""text.tidy: the report's words as a reader sees them (the graph keeps them exact)."""

from __future__ import annotations

import pytest

from poagraph import paths
from poagraph.text import tidy


@pytest.fixture(scope="module")
def source() -> str:
    return (paths.SOURCES / "iom-bpoa-review.md").read_text(encoding="utf-8")


def test_a_page_break_inside_a_sentence_becomes_one_space(source):
    # "... capacity building initiatives, the development" / page break / "and rehabilitation
    # of social service facilities ..." (the Ethiopia paragraph, cut by the PDF's page)
    start = source.index("In particular the project aims at improving")
    end = source.index("rehabilitation of the environment.", start) + len("environment.")
    sentence = source[start:end]
    assert "development\n\nand rehabilitation" in sentence
    tidied = tidy(sentence)
    assert "the development and rehabilitation of social service facilities" in tidied
    assert "\n" not in tidied
    assert tidied.split() == sentence.split()  # the same words, only the breaks collapsed


def test_markdown_escapes_are_unescaped(source):
    # "has received a Human Security Fund of about \$ 1.4 Million USD from the Japanese
    # Government."
    start = source.index("The UN Country Team in Ethiopia of which IOM")
    sentence = source[start : source.index("Government.", start) + len("Government.")]
    assert "\\$ 1.4" in sentence
    assert "about $ 1.4 Million USD" in tidy(sentence)
    assert "\\" not in tidy(sentence)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (r"a \* b \_c\_ \[1\] \# \` \\ \(x\)", r"a * b _c_ [1] # ` \ (x)"),
        ("line one\nline two", "line one line two"),
        ("before  \n\n  after", "before after"),
        ("windows\r\n\r\nbreak", "windows break"),
        ("two  spaces kept", "two  spaces kept"),
        (r"C:\path\to is no escape", r"C:\path\to is no escape"),
        ("", ""),
    ],
)
def test_tidy_cases(raw, shown):
    assert tidy(raw) == shown


def test_the_whole_report_tidied_has_no_line_break_or_escape_left(source):
    tidied = tidy(source)
    assert "\n" not in tidied and "\\$" not in tidied
    assert tidy(tidied) == tidied  # the report has no escaped backslash: nothing left to do
