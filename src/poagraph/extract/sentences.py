"""Sentence boundaries in passage text, so that every fact quotes exactly its sentence.

A passage re-joined across a page break keeps the break ("micro and\\n\\nsmall enterprise");
that break is not a sentence boundary. Abbreviations ("i.e.", "e.g.") do not end a sentence.
"""

from __future__ import annotations

import re

#: A sentence ends at . ! ? (then maybe a closing quote, bracket or footnote mark), followed
#: by white space and something that can start a sentence.
_BOUNDARY = re.compile(r"[.!?][\"”’')\]¹²³⁴⁵⁶⁷⁸⁹]*(?=\s+[\"“(A-Z0-9¹²³])")
_ABBREVIATIONS = re.compile(r"(?:\b(?:i\.e|e\.g|cf|vs|Mr|Mrs|Ms|Dr|St|No|Nos|approx)|\b[A-Z])\.$")
#: A list item's number ("2) ") is not part of the sentence it introduces.
_LIST_MARK = re.compile(r"\s*(?:\d{1,2}|[a-z])\)\s+")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every sentence of `text`, trailing white space excluded."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        if _ABBREVIATIONS.search(text[max(0, m.start() - 8) : m.start() + 1]):
            continue
        spans.append((start, m.end()))
        start = m.end()
        while start < len(text) and text[start].isspace():
            start += 1
    if start < len(text):
        spans.append((start, len(text.rstrip())))
    out = []
    for s, e in spans:
        mark = _LIST_MARK.match(text, s)
        if mark and s == 0:
            s = mark.end()
        out.append((s, e))
    return out


def sentence_at(text: str, pos: int) -> tuple[int, int]:
    """The (start, end) of the sentence that contains offset `pos`."""
    spans = sentence_spans(text)
    for s, e in spans:
        if pos < e:
            return (s, e)
    return spans[-1] if spans else (0, len(text))
