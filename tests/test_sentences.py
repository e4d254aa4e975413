"""Sentence boundaries: quotes must be exactly one sentence of the source."""

from __future__ import annotations

from poagraph.extract.sentences import sentence_at, sentence_spans


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


def test_a_page_break_inside_a_sentence_does_not_end_it():
    text = "It also provides job referrals, micro and\n\nsmall enterprise help. To date, 900."
    assert sentences(text) == [
        "It also provides job referrals, micro and\n\nsmall enterprise help.",
        "To date, 900.",
    ]


def test_abbreviations_do_not_end_a_sentence():
    text = "Four ministries, i.e. the Ministries of Interior and Justice. Then more."
    assert sentences(text)[0] == "Four ministries, i.e. the Ministries of Interior and Justice."


def test_a_sentence_may_start_with_a_number_or_end_after_a_footnote_mark():
    text = "The event brought 90 participants¹. 109,175 individuals benefited"
    assert sentences(text) == [
        "The event brought 90 participants¹.",
        "109,175 individuals benefited",
    ]


def test_a_list_items_number_is_not_part_of_its_sentence():
    text = "2) Training and Resource Centre: IT training for over 200 officials."
    s, e = sentence_at(text, text.index("200"))
    assert text[s:e].startswith("Training and Resource Centre")
    assert text[s:e].endswith("officials.")
