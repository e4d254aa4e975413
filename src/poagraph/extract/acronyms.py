"""Acronym definitions in running text, by the Schwartz-Hearst algorithm.

A report defines most acronyms once, in one of two forms: "Full Name (ACR)" or
"ACR (Full Name)". Schwartz and Hearst (2003, "A simple algorithm for identifying
abbreviation definitions in biomedical text") find the definition by matching the
acronym's characters right to left inside the words before the bracket, the first
character at the start of a word. It is small, deterministic and needs no model; it is
written here rather than taken from a package because the names must keep their exact
offsets in the passage (for the evidence annotations), must be found across a page break
("Belgian Survival\\n\\nFund (BSF)"), and the packages that implement it return strings only
or are unmaintained.

Only the definition is found here; whether it names an organisation or a programme is
decided by its form (`discovery`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: An acronym: 2-12 characters, starting with a capital, with at least two capitals
#: ("MoRR", "UN-OCHA", "ANPE", "MoLSA"); no spaces.
_ACRONYM = re.compile(r"[A-Z][A-Za-z0-9&\-]{1,11}")
_CAPITALS = re.compile(r"[A-Z]")
#: A word of the text: letters, digits, inner hyphens and apostrophes ("Women's", "d'Appui").
_WORD = re.compile(r"[^\W_](?:[\w’'\-]*[^\W_])?['’]?")
#: Brackets with no bracket inside.
_BRACKETS = re.compile(r"\(([^()]{2,200})\)")
#: What may separate a definition from its bracket: spaces, a page break, a footnote mark.
_GAP = re.compile(r"[\s¹²³⁴⁵⁶⁷⁸⁹⁰]*")


@dataclass(frozen=True)
class Definition:
    """`text[start:end]` is the full name, `text[acronym_start:acronym_end]` its acronym."""

    start: int
    end: int
    acronym: str
    acronym_start: int
    acronym_end: int
    acronym_first: bool  #: written "ACR (Full Name)"


def is_acronym(word: str) -> bool:
    """Does `word` look like an acronym: a capital first and at least two capitals."""
    return _ACRONYM.fullmatch(word) is not None and len(_CAPITALS.findall(word)) >= 2


def definitions(text: str) -> list[Definition]:
    """Every acronym definition in `text`, in text order."""
    out = []
    for m in _BRACKETS.finditer(text):
        inside = m.group(1)
        lead = len(inside) - len(inside.lstrip())
        core = inside.strip()
        a_start = m.start(1) + lead
        if is_acronym(core):
            found = _name_before(text, m.start(), core)
            if found is not None:
                out.append(Definition(*found, core, a_start, a_start + len(core), False))
            continue
        before = _word_before(text, m.start())
        if before is not None and is_acronym(before[2]):
            long_start, long_end = a_start, a_start + len(core)
            if _best_long_form(core, before[2]) is not None and len(core) > len(before[2]):
                out.append(Definition(long_start, long_end, before[2], *before[:2], True))
    return out


def _word_before(text: str, pos: int) -> tuple[int, int, str] | None:
    """The word that ends right before `pos` (spaces aside)."""
    gap = len(text[:pos]) - len(text[:pos].rstrip())
    end = pos - gap
    m = re.search(r"\S+$", text[:end])
    if m is None:
        return None
    return m.start(), end, m.group(0)


def _name_before(text: str, bracket: int, acronym: str) -> tuple[int, int] | None:
    """(start, end) of the definition of `acronym` in the words before the bracket at
    `bracket`: at most min(len + 5, 2 * len) words, within the sentence, and the shortest
    that Schwartz-Hearst matching accepts."""
    end = bracket
    while end > 0 and _GAP.fullmatch(text[end - 1]):
        end -= 1
    # the words before, back to the sentence's start (". ", ": ", "; ", or an opening bracket)
    limit = max(text.rfind(c, 0, end) for c in (". ", "; ", ": ", "(", ")"))
    words = list(_WORD.finditer(text, limit + 1 if limit >= 0 else 0, end))
    n = min(len(acronym.replace("-", "")) + 5, 2 * len(acronym.replace("-", "")))
    words = words[-n:]
    if not words:
        return None
    window = text[words[0].start() : end]
    long_form = _best_long_form(window, acronym)
    if long_form is None:
        return None
    start = words[0].start() + long_form
    if end - start <= len(acronym) or text[start:end].strip() == acronym:
        return None
    return start, end


def _best_long_form(long: str, short: str) -> int | None:
    """Schwartz-Hearst: the offset in `long` where the definition of `short` starts, or None.

    Each character of `short`, right to left, is found in `long` right to left (case
    aside); the first character must start a word."""
    s, i = len(short) - 1, len(long) - 1
    while s >= 0:
        c = short[s].lower()
        if not c.isalnum():
            s -= 1
            continue
        while i >= 0 and (long[i].lower() != c or (s == 0 and i > 0 and (long[i - 1].isalnum()))):
            i -= 1
        if i < 0:
            return None
        i -= 1
        s -= 1
    # back to the start of the word holding the first character
    start = i + 1
    while start > 0 and not long[start - 1].isspace():
        start -= 1
    return start
