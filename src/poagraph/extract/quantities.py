"""Find every number in a text and say what it is.

A report states its results as numbers ("over 4,400 migrants", "USD 10,722"), but most
numbers in it are not results: years, dates, durations ("nine-month"), ordinals, footnote
marks, list numbering, parts of names ("Amnesty Act 2000"). `find_numbers` finds them all,
reads the value as written ("63, 000" is 63000, "4m BP" is 4 000 000 GBP), and classifies
each one: a quantity (a candidate outcome: a count or an amount of money) or something
else, with the reason. The words it reads numbers with are data: mappings/quantities.yaml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

import yaml

from poagraph.paths import MAPPINGS

LEXICON = MAPPINGS / "quantities.yaml"

#: Kinds of number that can be an outcome.
QUANTITY_KINDS = frozenset({"count", "money"})

#: Why a number of each other kind is not an outcome (shown by `poagraph coverage`).
REASONS = {
    "year": "year",
    "date": "part of a date",
    "duration": "duration or period",
    "ordinal": "ordinal",
    "percentage": "percentage: a rate or share, not a count",
    "footnote": "footnote mark",
    "list-number": "list numbering",
    "identifier": "part of a name, identifier or web address",
    "decade": "decade",
    "age": "age",
    "vague": "vague quantity word, no value",
    "pronoun": "'one' used as a pronoun",
}

SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"


@dataclass(frozen=True)
class NumberMention:
    """One number as written in a text, with what it is."""

    start: int  #: offset in the text given to find_numbers (currency and scale included)
    end: int
    text: str  #: text[start:end], e.g. "\\$ 1.4 Million USD", "63, 000", "nine"
    value: int | Decimal | None  #: the value read (None for vague words)
    kind: str  #: count, money, year, date, duration, ordinal, percentage, footnote, ...
    qualifier: str | None = None  #: "over", "nearly", "about", "almost", "more than"
    currency: str | None = None  #: ISO 4217 code, for money
    number_start: int = 0  #: offsets of the numeral itself ("4,400" in "over 4,400")
    number_end: int = 0

    @property
    def is_quantity(self) -> bool:
        return self.kind in QUANTITY_KINDS

    @property
    def reason(self) -> str | None:
        """Why this number is not a candidate outcome (None for quantities)."""
        return REASONS.get(self.kind)


@dataclass(frozen=True, eq=False)  # hashed by identity: patterns are cached per lexicon
class Lexicon:
    number_words: dict[str, int]
    ordinal_words: dict[str, int]
    vague_words: frozenset[str]
    scales: dict[str, int]
    currencies: dict[str, str]
    qualifiers: dict[str, str]
    months: tuple[str, ...]
    time_units: tuple[str, ...]
    name_words: tuple[str, ...]
    descriptive_nouns: frozenset[str]
    phrase_stops: frozenset[str]
    irregular_plurals: frozenset[str]
    nominalisations: dict[str, str]
    participles: dict[str, str]


@cache
def load_lexicon(path: Path = LEXICON) -> Lexicon:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return Lexicon(
        number_words={k.lower(): int(v) for k, v in data["number_words"].items()},
        ordinal_words={k.lower(): int(v) for k, v in data["ordinal_words"].items()},
        vague_words=frozenset(w.lower() for w in data["vague_words"]),
        scales={k.lower(): int(v) for k, v in data["scales"].items()},
        currencies={str(k): str(v) for k, v in data["currencies"].items()},
        qualifiers={k.lower(): v for k, v in data["qualifiers"].items()},
        months=tuple(data["months"]),
        time_units=tuple(data["time_units"]),
        name_words=tuple(data["name_words"]),
        descriptive_nouns=frozenset(w.lower() for w in data["descriptive_nouns"]),
        phrase_stops=frozenset(w.lower() for w in data["phrase_stops"]),
        irregular_plurals=frozenset(w.lower() for w in data["irregular_plurals"]),
        nominalisations={k.lower(): v for k, v in data["nominalisations"].items()},
        participles={k.lower(): v for k, v in data["participles"].items()},
    )


def _alternation(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@dataclass(frozen=True)
class _Patterns:
    token: re.Pattern
    month_before: re.Pattern
    month_after: re.Pattern
    duration_after: re.Pattern
    age_after: re.Pattern
    name_before: re.Pattern
    acronym_before: re.Pattern
    currency_before: re.Pattern
    currency_after: re.Pattern
    scale_after: re.Pattern
    qualifier_before: re.Pattern


@cache
def _patterns(lex: Lexicon) -> _Patterns:
    # Words are matched whole and looked up (a regex alternation of every number word
    # would be tried at every position of the text).
    token = re.compile(
        rf"(?P<super>[{SUPERSCRIPTS}]+)"
        rf"|(?P<alnum>\b[A-Za-z]+\d\w*|\b[A-Z]{{2,}}-\d[\w-]*)"
        rf"|(?P<digits>(?<![\w.,])(?:\d{{1,3}}(?:,\s?\d{{3}})+(?!\d)|\d+)(?:\.\d+)?)"
        rf"|(?P<word>[A-Za-z]+(?:-[A-Za-z]+)*)",
    )
    months = _alternation(lex.months)
    ordinal_suffix = r"(?:st|nd|rd|th)?"
    units_re = "|".join(re.escape(u) for u in lex.time_units)
    codes = [c for c in lex.currencies if not re.search(r"[a-z]", c)]  # "$", "USD", "BP"
    words = [c for c in lex.currencies if re.search(r"[a-z]", c)]  # "euros", "dollars"
    return _Patterns(
        token=token,
        month_before=re.compile(rf"\b(?:{months})\.?,?\s+(?:\d{{1,2}}{ordinal_suffix},?\s+)?$"),
        month_after=re.compile(
            rf"^{ordinal_suffix}(?:\s*(?:–|-|and|to)\s*\d{{1,2}}{ordinal_suffix})?,?\s+(?:of\s+)?(?:{months})\b"
        ),
        duration_after=re.compile(rf"^(?:-|\s+)(?:{units_re})(?:s|es)?\b", re.IGNORECASE),
        age_after=re.compile(r"^(?:-year-old|\s+years?\s+old)\b", re.IGNORECASE),
        name_before=re.compile(rf"\b(?:{_alternation(lex.name_words)})\.?\s+$"),
        acronym_before=re.compile(r"\b([A-Z]{2,})(?:'s|’s)?\s+$"),
        currency_before=re.compile(rf"(?<![A-Za-z])\\?(?:{_alternation(codes)})\s*$"),
        currency_after=re.compile(
            rf"^\s*(?:{_alternation(codes)}|(?i:{_alternation(words)}))(?![\w$€£])"
        ),
        scale_after=re.compile(
            rf"^(?:\s+(?:{_alternation(lex.scales)})\b|(?:m|mn|bn)\b)", re.IGNORECASE
        ),
        qualifier_before=re.compile(rf"\b(?:{_alternation(lex.qualifiers)})\s+$", re.IGNORECASE),
    )


def _read_digits(numeral: str) -> Decimal:
    return Decimal(re.sub(r"[,\s]", "", numeral))


def _read_word(word: str, lex: Lexicon) -> int | None:
    w = word.lower()
    if "-" in w:
        return _read_compound(*w.split("-", 1), lex)
    return lex.number_words.get(w, lex.ordinal_words.get(w))


def _as_value(d: Decimal) -> int | Decimal:
    return int(d) if d == d.to_integral_value() else d.normalize()


def _line_prefix(text: str, pos: int) -> str:
    return text[text.rfind("\n", 0, pos) + 1 : pos]


def _in_web_address(text: str, start: int, end: int) -> bool:
    left = max(text.rfind(" ", 0, start), text.rfind("\n", 0, start)) + 1
    right_space = re.search(r"\s", text[end:])
    word = text[left : end + (right_space.start() if right_space else len(text) - end)]
    return bool(re.search(r"(?i)(?:https?://|www\.|\.(?:org|com|net|int)\b|@)", word))


def _currency_code(written: str, lex: Lexicon) -> str:
    written = written.strip().lstrip("\\")
    for form, code in lex.currencies.items():
        if form.lower() == written.lower():
            return code
    raise KeyError(written)


def find_numbers(text: str, lexicon: Lexicon | None = None) -> list[NumberMention]:
    """Every number in `text`, in order, each read and classified."""
    lex = lexicon or load_lexicon()
    pat = _patterns(lex)
    found: list[NumberMention] = []
    for m in pat.token.finditer(text):
        kind = m.lastgroup
        start, end = m.span()
        if kind == "word":  # "nine" of "nine-month", "twenty-five", else no number
            end = _number_word_end(m.group(), lex)
            if end is None:
                continue
            end += start
        found.append(_classify(text, start, end, kind, lex, pat))
    return found


def _number_word_end(word: str, lex: Lexicon) -> int | None:
    """Length of the number word that starts `word` ("twenty-five-year" -> 11), or None."""
    parts = word.lower().split("-")
    if len(parts) > 1 and _read_compound(parts[0], parts[1], lex) is not None:
        return len(parts[0]) + 1 + len(parts[1])
    w = parts[0]
    if w in lex.number_words or w in lex.ordinal_words or w in lex.vague_words:
        return len(w)
    return None


def _read_compound(tens: str, unit: str, lex: Lexicon) -> int | None:
    """ "twenty", "five" -> 25; None for any other pair."""
    t, u = lex.number_words.get(tens), lex.number_words.get(unit)
    if t in range(20, 100, 10) and u in range(1, 10):
        return t + u
    return None


def _classify(
    text: str, start: int, end: int, group: str, lex: Lexicon, pat: _Patterns
) -> NumberMention:
    written = text[start:end]
    before, after = text[max(0, start - 80) : start], text[end : end + 80]

    def make(kind: str, value, **kw) -> NumberMention:
        s, e = kw.pop("span", (start, end))
        return NumberMention(s, e, text[s:e], value, kind, number_start=start, number_end=end, **kw)

    if group == "super":
        return make("footnote", int(written.translate(str.maketrans(SUPERSCRIPTS, "0123456789"))))
    if group == "alnum":
        return make("identifier", None)
    if group == "word":
        return _classify_word(written, before, after, lex, pat, make)
    value = _read_digits(written)
    return _not_an_amount(text, start, end, value, pat, make) or _amount(
        text, start, end, value, lex, pat, make
    )


def _not_an_amount(text, start, end, value, pat, make) -> NumberMention | None:
    """The digits read as a web address, list number, percentage, date, ordinal, decade,
    age, duration or part of a name; None when they are none of these."""
    before, after = text[max(0, start - 80) : start], text[end : end + 80]
    number = _as_value(value)
    if _in_web_address(text, start, end):
        return make("identifier", number)
    if re.fullmatch(r"[\s\-▪•*]*", _line_prefix(text, start)) and re.match(r"[).]\s", after):
        return make("list-number", number)
    if re.match(r"\s*(?:%|per\s?cent\b)", after):
        pct_end = end + re.match(r"\s*(?:%|per\s?cent)", after).end()
        return make("percentage", number, span=(start, pct_end))
    if pat.month_before.search(before) or pat.month_after.search(after):
        return make("date", number)
    if re.match(r"(?:st|nd|rd|th)\b", after):
        return make("ordinal", number, span=(start, end + 2))
    if re.match(r"'?s\b", after):
        return make("decade", number, span=(start, end + after.index("s") + 1))
    if pat.age_after.match(after):
        return make("age", number)
    if pat.duration_after.match(after):
        return make("duration", number)
    if pat.name_before.search(before):
        return make("identifier", number)
    return None


def _amount(text, start, end, value, lex, pat, make) -> NumberMention:
    """The digits as an amount: a count or money (with scale, currency and qualifier), or
    else a year or part of a name."""
    before = text[max(0, start - 80) : start]
    scale = pat.scale_after.match(text[end : end + 80])
    span_end = end
    if scale:
        value *= lex.scales[scale.group().strip().lower()]
        span_end = end + scale.end()
    currency, span_start, span_end = _currency(text, start, span_end, before, lex, pat)
    numeral = text[start:end]
    is_year = (
        not currency
        and not scale
        and re.fullmatch(r"\d{4}", numeral)
        and 1800 <= int(numeral) <= 2099
    )
    qualifier = _qualifier(text[max(0, span_start - 30) : span_start], lex, pat)
    if is_year and not qualifier:
        return make("year", int(numeral))
    if not currency and pat.acronym_before.search(before):
        return make("identifier", _as_value(value))
    return make(
        "money" if currency else "count",
        _as_value(value),
        span=(span_start, span_end),
        qualifier=qualifier,
        currency=currency,
    )


def _currency(
    text: str, start: int, span_end: int, before: str, lex: Lexicon, pat: _Patterns
) -> tuple[str | None, int, int]:
    """(ISO 4217 code or None, span start, span end) with the currency written before or
    after the number ("USD 10,722", "1.2 million Euros") taken into the span."""
    currency, span_start = None, start
    cur_before = pat.currency_before.search(before)
    cur_after = pat.currency_after.match(text[span_end : span_end + 40])
    if cur_before:
        currency = _currency_code(cur_before.group(), lex)
        span_start = start - len(cur_before.group())
    if cur_after:
        code = _currency_code(cur_after.group(), lex)
        currency = currency or code
        span_end += cur_after.end()
    if currency:
        dashes = re.match(r",\s*--", text[span_end:])  # "GBP 3,000, --": no decimals
        if dashes:
            span_end += dashes.end()
    return currency, span_start, span_end


def _qualifier(before: str, lex: Lexicon, pat: _Patterns) -> str | None:
    """The qualifier ("over", "nearly", "more than") right before a number, normalised."""
    qual = pat.qualifier_before.search(before)
    if not qual:
        return None
    return lex.qualifiers[re.sub(r"\s+", " ", qual.group().strip().lower())]


def _classify_word(word, before, after, lex, pat, make) -> NumberMention:
    w = word.lower()
    if w in lex.vague_words or (
        w in ("hundred", "thousand") and re.search(r"\b(?:several|a few|many)\s+$", before, re.I)
    ):
        return make("vague", None)
    value = _read_word(w, lex)
    if w in lex.ordinal_words:
        return make("ordinal", value)
    if w == "one" and re.match(r"\s+of\b", after):
        return make("pronoun", value)
    if pat.age_after.match(after):
        return make("age", value)
    if pat.duration_after.match(after):
        return make("duration", value)
    return make("count", value, qualifier=_qualifier(before[-30:], lex, pat))
