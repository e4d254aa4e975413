"""Numbers written in words: "twenty-five", "three hundred", "two thousand five hundred",
"a dozen", "half a million".

A report writes small results in words ("Forty farmers were trained", "two plans of
action"), and a page break of the PDF it came from may cut them ("twenty-\\n\\nfive", "three
\\n\\nhundred", a footnote dropped in between): the words of one number are read together,
across any white space, so that the number is read once with its whole value and the words
after it (what is counted) stay next to it. The words are data: `number_words`,
`group_words`, `one_words`, `fractions`, `joiners` and the word `scales` of
mappings/quantities.yaml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

#: One word, and what may separate it from the next word of the same number: white space
#: (a page break included) or a hyphen with any white space around it.
_WORD = re.compile(r"[A-Za-z]+")
_GAP = re.compile(r"\s*-\s*|\s+")


class WordLexicon(Protocol):
    """The part of the quantities lexicon this module reads."""

    number_words: dict[str, int]
    ordinal_words: dict[str, int]
    word_scales: dict[str, int]
    group_words: dict[str, int]
    one_words: frozenset[str]
    fractions: dict[str, Decimal]
    joiners: frozenset[str]


@dataclass(frozen=True)
class WordNumber:
    """A number read from words: its value and where its words end."""

    value: int | Decimal
    end: int  #: offset right after its last word
    ordinal: bool = False  #: "twenty-first"


def _words(text: str, pos: int, limit: int = 12) -> list[tuple[str, int, int]]:
    """The words from `pos` on, each (lower-case word, start, end), as long as only white
    space or a hyphen separates them."""
    out: list[tuple[str, int, int]] = []
    while len(out) < limit:
        m = _WORD.match(text, pos)
        if m is None:
            break
        out.append((m.group().lower(), m.start(), m.end()))
        gap = _GAP.match(text, m.end())
        if gap is None or gap.end() == m.end():
            break
        pos = gap.end()
    return out


class _Reader:
    """A number's words read left to right: `total` holds what the scales closed
    ("two thousand"), `group` the part below the last scale ("five hundred")."""

    def __init__(self, words: list[tuple[str, int, int]], lex: WordLexicon):
        self.words, self.lex = words, lex
        self.i = 0
        self.total: Decimal = Decimal(0)
        self.group: Decimal = Decimal(0)
        self.end = 0
        self.last_scale: int | None = None

    def peek(self, k: int = 0) -> str | None:
        j = self.i + k
        return self.words[j][0] if j < len(self.words) else None

    def take(self, n: int = 1) -> None:
        self.end = self.words[self.i + n - 1][2]
        self.i += n

    def small(self) -> int | None:
        """A number below 100 at the cursor ("twenty-five", "seven", "fifteen"), taken."""
        w = self.peek()
        v = self.lex.number_words.get(w) if w else None
        if v is None or v >= 100:
            return None
        self.take()
        if v >= 20 and v % 10 == 0:
            u = self.lex.number_words.get(self.peek() or "")
            if u is not None and 0 < u < 10:
                self.take()
                v += u
        return v

    def one(self) -> bool:
        """ "a", "an" or "one" before a multiplier or scale ("a hundred", "a dozen"), taken."""
        w, nxt = self.peek(), self.peek(1)
        if w in self.lex.one_words and nxt is not None and self._multiplier(nxt):
            self.take()
            self.group = Decimal(1)
            return True
        return False

    def half(self) -> bool:
        """ "half a" before a multiplier or scale ("half a million"), taken."""
        w = self.peek()
        if w not in self.lex.fractions or self.peek(1) not in self.lex.one_words:
            return False
        nxt = self.peek(2)
        if nxt is None or not self._multiplier(nxt):
            return False
        self.take(2)
        self.group = self.lex.fractions[w]
        return True

    def _multiplier(self, w: str) -> bool:
        return w == "hundred" or w in self.lex.group_words or w in self.lex.word_scales

    def and_a_half(self) -> bool:
        """ "two and a half million": the half, taken when a scale follows."""
        if self.peek() not in self.lex.joiners or self.peek(1) not in self.lex.one_words:
            return False
        frac, scale = self.peek(2), self.peek(3)
        if frac not in self.lex.fractions or scale not in self.lex.word_scales:
            return False
        self.take(3)
        self.group += self.lex.fractions[frac]
        return True

    def below_thousand(self) -> bool:
        """The part below a scale: "five hundred and twenty", "seventy", "a hundred"."""
        if not (self.half() or self.one()):
            v = self.small()
            if v is None:
                return False
            self.group = Decimal(v)
        if self.peek() == "hundred" and self.group < 100:
            self.take()
            self.group *= 100
            mark = (self.i, self.end)
            if self.peek() in self.lex.joiners:
                self.take()
            v = self.small()
            if v is None:
                self.i, self.end = mark
            else:
                self.group += v
        self.and_a_half()
        return True

    def scale(self) -> bool:
        """ "thousand", "million", "billion" closing the group, or "dozen" multiplying it."""
        w = self.peek()
        if w in self.lex.group_words:
            self.take()
            self.group *= self.lex.group_words[w]
            return False  # "two dozen" ends the number
        size = self.lex.word_scales.get(w or "")
        if size is None or (self.last_scale is not None and size >= self.last_scale):
            return False
        self.take()
        self.total += self.group * size
        self.group = Decimal(0)
        self.last_scale = size
        return True

    def rest(self) -> None:
        """After a scale: more groups ("two thousand five hundred", "one million and
        fifty"), each taken only when whole."""
        while True:
            mark = (self.i, self.end, self.total, self.group)
            if self.peek() in self.lex.joiners:
                self.take()
            if not self.below_thousand():
                self.i, self.end, self.total, self.group = mark
                return
            if not self.scale():
                return


def read_number_words(text: str, pos: int, lex: WordLexicon) -> WordNumber | None:
    """The number whose words start at `pos` in `text`, or None when no number starts
    there ("a" not followed by "hundred", "dozen", "million"...)."""
    words = _words(text, pos)
    if not words:
        return None
    first = words[0][0]
    if first in lex.ordinal_words:
        return WordNumber(lex.ordinal_words[first], words[0][2], ordinal=True)
    r = _Reader(words, lex)
    if not r.below_thousand():
        return None
    ordinal = _ordinal_unit(r, lex)
    if ordinal is not None:
        return ordinal
    if r.scale():
        r.rest()
    value = r.total + r.group
    return WordNumber(int(value) if value == value.to_integral_value() else value, r.end)


def _ordinal_unit(r: _Reader, lex: WordLexicon) -> WordNumber | None:
    """ "twenty-first": tens then an ordinal word."""
    w = r.peek()
    if w in lex.ordinal_words and r.group >= 20 and r.group % 10 == 0 and r.i == 1:
        unit = lex.ordinal_words[w]
        if unit < 10:
            r.take()
            return WordNumber(int(r.group) + unit, r.end, ordinal=True)
    return None
