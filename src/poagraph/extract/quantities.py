"""Find every number in a text and say what it is.

A report states its results as numbers ("over 4,400 migrants", "USD 10,722", "Forty
farmers"), but most numbers in it are not results: years, dates, durations ("nine-month"),
ordinals, footnote marks, list numbering, parts of names ("Amnesty Act 2000").
`find_numbers` finds them all, reads the value as written ("63, 000" is 63000, "500 000
FCFA" 500000, "1,5 milliard" 1.5 billion, "4m BP" 4 000 000 GBP, "twenty-\n\nfive" cut by
a page break 25), and classifies each one, in digits or in words alike: a quantity (a
candidate outcome: a count or an amount of money) or something else, with the reason. The
words it reads numbers with are data: mappings/quantities.yaml (numbers in words:
poagraph.extract.numberwords) and mappings/currencies.yaml (poagraph.extract.money).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

import yaml

from poagraph.paths import MAPPINGS

from .money import MoneyWords, default_code, load_money, money_patterns
from .numberwords import read_number_words

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
    currency: str | None = None  #: ISO 4217 code, for money (a shared form's default)
    number_start: int = 0  #: offsets of the numeral itself ("4,400" in "over 4,400")
    number_end: int = 0
    currency_written: str | None = None  #: the currency as written ("CFA francs", "$")

    @property
    def is_quantity(self) -> bool:
        return self.kind in QUANTITY_KINDS

    @property
    def reason(self) -> str | None:
        """Why this number is not a candidate outcome (None for quantities)."""
        return REASONS.get(self.kind)

    def shifted(self, by: int) -> NumberMention:
        """The same mention with its offsets moved (into a sentence, a passage)."""
        return dataclasses.replace(
            self,
            start=self.start + by,
            end=self.end + by,
            number_start=self.number_start + by,
            number_end=self.number_end + by,
        )


@dataclass(frozen=True, eq=False)  # hashed by identity: patterns are cached per lexicon
class Lexicon:
    number_words: dict[str, int]
    ordinal_words: dict[str, int]
    vague_words: frozenset[str]
    vague_before: tuple[str, ...]
    scales: dict[str, int]
    word_scales: dict[str, int]
    group_words: dict[str, int]
    one_words: frozenset[str]
    fractions: dict[str, Decimal]
    joiners: frozenset[str]
    money: MoneyWords
    qualifiers: dict[str, str]
    months: tuple[str, ...]
    time_units: tuple[str, ...]
    name_words: tuple[str, ...]
    descriptive_nouns: frozenset[str]
    phrase_stops: frozenset[str]
    irregular_plurals: frozenset[str]
    nominalisations: dict[str, str]
    participles: dict[str, str]
    descriptive_modifiers: frozenset[str] = frozenset()
    locative_before: frozenset[str] = frozenset()
    locative_nouns: frozenset[str] = frozenset()
    measure_units: tuple[str, ...] = ()
    group_nouns: frozenset[str] = frozenset()
    context_nouns: frozenset[str] = frozenset()
    context_before: tuple[str, ...] = ()
    partitive_pronouns: frozenset[str] = frozenset()
    setting_verbs: frozenset[str] = frozenset()


def _lower_set(data: dict, key: str) -> frozenset[str]:
    return frozenset(str(w).lower() for w in data.get(key) or ())


@cache
def load_lexicon(path: Path = LEXICON) -> Lexicon:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    scales = {k.lower(): int(v) for k, v in data["scales"].items()}
    return Lexicon(
        number_words={k.lower(): int(v) for k, v in data["number_words"].items()},
        ordinal_words={k.lower(): int(v) for k, v in data["ordinal_words"].items()},
        vague_words=frozenset(w.lower() for w in data["vague_words"]),
        vague_before=tuple(data.get("vague_before") or ()),
        scales=scales,
        word_scales={w.lower(): scales[w.lower()] for w in data.get("word_scales") or ()},
        group_words={k.lower(): int(v) for k, v in (data.get("group_words") or {}).items()},
        one_words=frozenset(w.lower() for w in data.get("one_words") or ()),
        fractions={k.lower(): Decimal(str(v)) for k, v in (data.get("fractions") or {}).items()},
        joiners=frozenset(w.lower() for w in data.get("joiners") or ()),
        money=load_money(),
        qualifiers={k.lower(): v for k, v in data["qualifiers"].items()},
        months=tuple(data["months"]),
        time_units=tuple(data["time_units"]),
        name_words=tuple(data["name_words"]),
        descriptive_nouns=frozenset(w.lower() for w in data["descriptive_nouns"]),
        phrase_stops=frozenset(w.lower() for w in data["phrase_stops"]),
        irregular_plurals=frozenset(w.lower() for w in data["irregular_plurals"]),
        nominalisations={k.lower(): v for k, v in data["nominalisations"].items()},
        participles={k.lower(): v for k, v in data["participles"].items()},
        descriptive_modifiers=_lower_set(data, "descriptive_modifiers"),
        locative_before=_lower_set(data, "locative_before"),
        locative_nouns=_lower_set(data, "locative_nouns"),
        measure_units=tuple(sorted(_lower_set(data, "measure_units"), key=len, reverse=True)),
        group_nouns=_lower_set(data, "group_nouns"),
        context_nouns=_lower_set(data, "context_nouns"),
        context_before=tuple(sorted(_lower_set(data, "context_before"))),
        partitive_pronouns=_lower_set(data, "partitive_pronouns"),
        setting_verbs=_lower_set(data, "setting_verbs"),
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
    scale_after: re.Pattern
    qualifier_before: re.Pattern
    vague_before: re.Pattern


@cache
def _patterns(lex: Lexicon) -> _Patterns:
    # Words are matched whole and looked up (a regex alternation of every number word
    # would be tried at every position of the text). Thousands are grouped by commas
    # ("63, 000" too) or by spaces ("500 000"); a decimal comma is read before a scale
    # ("1,5 milliard").
    scales = _alternation(lex.scales)
    token = re.compile(
        rf"(?P<super>[{SUPERSCRIPTS}]+)"
        rf"|(?P<alnum>\b[A-Za-z]+\d\w*|\b[A-Z]{{2,}}-\d[\w-]*)"
        rf"|(?P<digits>(?<![\w.,])(?:\d{{1,3}}(?:,\s?\d{{3}})+(?!\d)"
        rf"|\d{{1,3}}(?:[ \u00a0\u202f]\d{{3}})+(?!\d|[.,]\d)"
        rf"|\d+,\d{{1,2}}(?=\s*(?i:{scales})\b)|\d+)(?:\.\d+)?)"
        rf"|(?P<word>[A-Za-z]+(?:-[A-Za-z]+)*)",
    )
    months = _alternation(lex.months)
    ordinal_suffix = r"(?:st|nd|rd|th)?"
    units_re = "|".join(re.escape(u) for u in lex.time_units)
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
        scale_after=re.compile(rf"^(?:\s+(?:{scales})\b|(?:m|mn|bn)\b)", re.IGNORECASE),
        qualifier_before=re.compile(rf"\b(?:{_alternation(lex.qualifiers)})\s+$", re.IGNORECASE),
        vague_before=re.compile(rf"\b(?:{_alternation(lex.vague_before)})\s+$", re.IGNORECASE),
    )


def _read_digits(numeral: str) -> Decimal:
    if re.fullmatch(r"\d+,\d{1,2}", numeral):  # a decimal comma ("1,5 milliard")
        return Decimal(numeral.replace(",", "."))
    return Decimal(re.sub(r"[,\s]", "", numeral))


def _as_value(d: Decimal) -> int | Decimal:
    return int(d) if d == d.to_integral_value() else d.normalize()


def _line_prefix(text: str, pos: int) -> str:
    return text[text.rfind("\n", 0, pos) + 1 : pos]


def _in_web_address(text: str, start: int, end: int) -> bool:
    left = max(text.rfind(" ", 0, start), text.rfind("\n", 0, start)) + 1
    right_space = re.search(r"\s", text[end:])
    word = text[left : end + (right_space.start() if right_space else len(text) - end)]
    return bool(re.search(r"(?i)(?:https?://|www\.|\.(?:org|com|net|int)\b|@)", word))


def find_numbers(text: str, lexicon: Lexicon | None = None) -> list[NumberMention]:
    """Every number in `text`, in order, each read and classified."""
    lex = lexicon or load_lexicon()
    pat = _patterns(lex)
    found: list[NumberMention] = []
    done = 0  # the words of a number, its scale and currency are read once
    for m in pat.token.finditer(text):
        start, end = m.span()
        if start < done:
            continue
        if m.lastgroup == "word":
            mention = _word_number(text, start, lex, pat)
            if mention is None:
                continue
        else:
            mention = _classify(text, start, end, m.lastgroup, lex, pat)
        found.append(mention)
        done = max(mention.end, mention.number_end)
    return found


def _maker(text: str, start: int, end: int):
    """A NumberMention for the numeral text[start:end], over `span` when given (its
    currency, scale, per cent sign)."""

    def make(kind: str, value, **kw) -> NumberMention:
        s, e = kw.pop("span", (start, end))
        return NumberMention(s, e, text[s:e], value, kind, number_start=start, number_end=end, **kw)

    return make


def _classify(
    text: str, start: int, end: int, group: str, lex: Lexicon, pat: _Patterns
) -> NumberMention:
    written = text[start:end]
    make = _maker(text, start, end)
    if group == "super":
        return make("footnote", int(written.translate(str.maketrans(SUPERSCRIPTS, "0123456789"))))
    if group == "alnum":
        return make("identifier", None)
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


@dataclass(frozen=True)
class _Written:
    """The currency written around an amount, and the amount's span with it."""

    start: int
    end: int
    written: str | None = None  #: as written: "USD", "CFA francs", "$"


def _amount(text, start, end, value, lex, pat, make, in_words: bool = False) -> NumberMention:
    """The number as an amount: a count or money (with scale, currency and qualifier), or
    else a year or part of a name. `in_words`: its words hold their scale already."""
    before = text[max(0, start - 80) : start]
    scale = None if in_words else pat.scale_after.match(text[end : end + 80])
    span_end = end
    if scale:
        value *= lex.scales[scale.group().strip().lower()]
        span_end = end + scale.end()
    last_word = _FIRST_WORD.findall(text[start:end])[-1:] if in_words else []
    scaled = bool(scale) or any(w.lower() in lex.word_scales for w in last_word)
    cur = _currency(text, start, span_end, before, lex, scaled)
    numeral = text[start:end]
    qualifier = _qualifier(text[max(0, cur.start - 30) : cur.start], lex, pat)
    is_year = (
        not in_words
        and cur.written is None
        and not scale
        and re.fullmatch(r"\d{4}", numeral)
        and 1800 <= int(numeral) <= 2099
    )
    if is_year and not qualifier:
        return make("year", int(numeral))
    if not cur.written and not in_words and pat.acronym_before.search(before):
        return make("identifier", _as_value(value))
    return make(
        "money" if cur.written else "count",
        _as_value(value),
        span=(cur.start, cur.end),
        qualifier=qualifier,
        currency=default_code(cur.written, lex.money) if cur.written else None,
        currency_written=_tidy(cur.written) if cur.written else None,
    )


def _tidy(written: str) -> str:
    return re.sub(r"\s+", " ", written.strip().lstrip("\\"))


def _currency(text: str, start: int, span_end: int, before: str, lex: Lexicon, scaled: bool):
    """The currency written before or after the number ("USD 10,722", "1.2 million Euros",
    "2 millions d'euros"), taken into the span."""
    pats = money_patterns(lex.money)
    written, span_start = None, start
    cur_before = pats.before.search(before)
    cur_after = (pats.after_scale if scaled else pats.after).match(text, span_end)
    if cur_before:
        written = cur_before.group("cur")
        span_start = start - (len(before) - cur_before.start())
    if cur_after:
        written = written or cur_after.group("cur")
        span_end = cur_after.end()
    if written:
        dashes = re.match(r",\s*--", text[span_end:])  # "GBP 3,000, --": no decimals
        if dashes:
            span_end += dashes.end()
    return _Written(span_start, span_end, written)


def _qualifier(before: str, lex: Lexicon, pat: _Patterns) -> str | None:
    """The qualifier ("over", "nearly", "more than") right before a number, normalised."""
    qual = pat.qualifier_before.search(before)
    if not qual:
        return None
    return lex.qualifiers[re.sub(r"\s+", " ", qual.group().strip().lower())]


_FIRST_WORD = re.compile(r"[A-Za-z]+")


def _starts_a_name(text: str, start: int, end: int) -> bool:
    """A capitalised number word inside a sentence, followed by a capitalised word, is part
    of a name ("the Three Diseases Fund", "Group of Eight Countries"); at the start of a
    sentence it is the number of what follows ("Forty farmers")."""
    if not text[start].isupper():
        return False
    before = text[max(0, start - 40) : start].rstrip()
    if not before or before[-1] in ".!?:;\n•▪*-" or re.search(r"[.!?:]\s*[¹²³⁴⁵⁶⁷⁸⁹⁰]*$", before):
        return False
    paragraph = r"\n\s*\n\s*(?:[⁰¹²³⁴⁵⁶⁷⁸⁹]+[^\n]*\n\s*\n\s*)?$"
    if re.search(paragraph, text[max(0, start - 400) : start]):
        return False  # a paragraph (or a page, after a footnote) starts with it
    return bool(re.match(r"[ \t]+[A-Z][a-z]", text[end : end + 4]))


def _word_number(text: str, start: int, lex: Lexicon, pat: _Patterns) -> NumberMention | None:
    """The number whose words start at `start` ("Forty", "twenty-\n\nfive", "a dozen"),
    classified as digits are; None when the word starts no number."""
    w = _FIRST_WORD.match(text, start).group().lower()
    before = text[max(0, start - 80) : start]
    starts = w in lex.number_words or w in lex.one_words or w in lex.fractions
    read = read_number_words(text, start, lex) if starts else None
    multiplier = w in lex.word_scales or w in lex.group_words or lex.number_words.get(w, 0) >= 100
    if w in lex.vague_words or (read is None and multiplier and pat.vague_before.search(before)):
        return _maker(text, start, start + len(w))("vague", None)
    if w in lex.ordinal_words:
        return _maker(text, start, start + len(w))("ordinal", lex.ordinal_words[w])
    if read is None:
        if w not in lex.number_words:  # "a" before no number, "dozen" alone
            return None
        end, value, ordinal = start + len(w), lex.number_words[w], False
    else:
        end, value, ordinal = read.end, read.value, read.ordinal
    make = _maker(text, start, end)
    if ordinal:
        return make("ordinal", value)
    after = text[end : end + 80]
    if pat.name_before.search(before) or _starts_a_name(text, start, end):
        return make("identifier", value)
    if w == "one" and value == 1 and re.match(r"\s+of\b", after):
        return make("pronoun", value)
    if pat.age_after.match(after):
        return make("age", value)
    if pat.duration_after.match(after):
        return make("duration", value)
    if re.match(r"\s*(?:%|per\s?cent\b)", after):
        pct_end = end + re.match(r"\s*(?:%|per\s?cent)", after).end()
        return make("percentage", value, span=(start, pct_end))
    return _amount(text, start, end, Decimal(value), lex, pat, make, in_words=True)
