"""The years of an outcome: those its sentence states, and those it only implies.

"From ... 2001 until the end of December 2002" states both years; "completed in March
2004" states an end (completion closes a period, it does not open one); "during the last
three years" states none: the years are counted back from the report's year, and "during
the same period" or "One year later" take those of the sentence before. Years found that
way are inferences: the outcome names them (poa:inferred) with the reason
(skos:editorialNote), so an analyst can tell what the report says from what we read into
it. The words are data: the `years` section of mappings/quantities.yaml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from .numberwords import read_number_words
from .quantities import LEXICON, Lexicon, NumberMention


@dataclass(frozen=True)
class Years:
    """The years of a sentence's facts, and why each inferred one was inferred."""

    start: int | None = None
    end: int | None = None
    inferred: tuple[tuple[str, str], ...] = ()  #: (record key, reason), e.g. ("startYear", ...)

    @property
    def known(self) -> bool:
        return self.start is not None or self.end is not None


@dataclass(frozen=True, eq=False)
class YearWords:
    opening: re.Pattern  #: ends right before a year that opens the period
    closing: re.Pattern  #: ends right before a year that closes it
    from_report_year: tuple[tuple[re.Pattern, int | None, int | None], ...]  #: offsets
    recent: re.Pattern  #: "the last three years"
    same_period: re.Pattern
    later: re.Pattern  #: "One year later"


def _words(ws) -> str:
    return "|".join(
        r"\s+".join(map(re.escape, w.split())) for w in sorted(ws, key=len, reverse=True)
    )


@cache
def load_year_words(path: Path = LEXICON) -> YearWords:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    y = data["years"]
    months = "|".join(data["months"])
    # between the cue and the year: "the beginning of", "mid-", a month, a day
    filler = (
        rf"(?:\s+(?:in|on|at|of))?(?:\s+the\s+(?:{_words(y['parts'])})\s+of)?"
        rf"(?:\s+(?:{_words(y['part_prefixes'])})-?)?(?:\s*(?:{months})\.?)?"
        r"(?:\s+\d{1,2}(?:st|nd|rd|th)?,?)?\s+$"
    )
    then = r"(?:\s+[\w'’-]+){0,6}?"  # a verb's object before its year, within the clause
    opening = rf"\b(?:{_words(y['opening'])}|(?:{_words(y['opening_verbs'])}){then}){filler}"
    closing = rf"\b(?:{_words(y['closing'])}|(?:{_words(y['closing_verbs'])}){then}){filler}"
    return YearWords(
        opening=re.compile(opening, re.I),
        closing=re.compile(closing, re.I),
        from_report_year=tuple(
            (re.compile(rf"\b(?:{_words([k])})\b", re.I), v[0], v[1])
            for k, v in (y.get("from_report_year") or {}).items()
        ),
        recent=re.compile(
            rf"\b(?:the\s+)?(?:{_words(y['recent'])})\s+(\w+(?:-\s*\w+)?)\s+years\b", re.I
        ),
        same_period=re.compile(rf"\b(?:{_words(y['same_period'])})\b", re.I),
        later=re.compile(rf"\b(\w+(?:-\s*\w+)?)\s+years?\s+(?:{_words(y['later'])})\b", re.I),
    )


def _year_of(m: NumberMention) -> int | None:
    if m.kind in ("year", "date") and isinstance(m.value, int) and 1800 <= m.value <= 2099:
        return m.value
    return None


def _count(word: str, lex: Lexicon) -> int | None:
    """ "3", "three", "twenty-five" -> the number of years."""
    if word.isdigit():
        return int(word)
    read = read_number_words(word, 0, lex)
    return int(read.value) if read and read.end == len(word) and not read.ordinal else None


def _quoted(m: re.Match) -> str:
    return "'" + re.sub(r"\s+", " ", m.group()) + "'"


def _stated(sentence: str, mentions: list[NumberMention], words: YearWords) -> Years:
    years = [(m, y) for m in mentions if (y := _year_of(m)) is not None]
    values = sorted({y for _, y in years})
    if not values:
        return Years()
    if len(values) == 1:
        m = years[0][0]
        lead = sentence[max(0, m.start - 60) : m.start]
        if words.opening.search(lead):
            return Years(values[0], None)
        if words.closing.search(lead):
            return Years(None, values[0])
    return Years(values[0], values[-1])


def _relative(
    sentence: str, report_year: int | None, previous: Years | None, lex: Lexicon, words
) -> Years:
    """Years the sentence gives only relative to the report's year or the sentence before."""
    both = ("startYear", "endYear")
    recent = words.recent.search(sentence)
    n = _count(recent.group(1), lex) if recent else None
    if n and report_year:
        why = f"{_quoted(recent)} counted back from the report's year {report_year}"
        return Years(report_year - n, report_year, tuple((k, why) for k in both))
    if previous is not None and previous.known:
        same = words.same_period.search(sentence)
        if same:
            why = f"{_quoted(same)} as the sentence before"
            notes = dict(previous.inferred)
            reasons = tuple(
                (
                    k,
                    f"{why} ({_span(previous)}: {notes[k]})"
                    if k in notes
                    else f"{why} ({_span(previous)})",
                )
                for k in both
            )
            return Years(previous.start, previous.end, reasons)
        later = words.later.search(sentence)
        n = _count(later.group(1), lex) if later else None
        base = previous.end if previous.end is not None else previous.start
        if n and base is not None:
            why = f"{_quoted(later)} than the sentence before ({base})"
            return Years(base + n, base + n, tuple((k, why) for k in both))
    return Years()


def _span(y: Years) -> str:
    if y.start is not None and y.end is not None and y.start != y.end:
        return f"{y.start}-{y.end}"
    return str(y.start if y.start is not None else y.end)


def _from_report(sentence: str, found: Years, report_year: int | None, words) -> Years:
    """Fill a year the sentence leaves open from a phrase like "To date" (the report's
    year)."""
    if report_year is None:
        return found
    for pattern, ds, de in words.from_report_year:
        m = pattern.search(sentence)
        if not m:
            continue
        why = f"{_quoted(m)} counted from the report's year {report_year}"
        start, end, inferred = found.start, found.end, list(found.inferred)
        if start is None and ds is not None and (end is None or de is not None):
            start = report_year + ds
            inferred.append(("startYear", why))
        if end is None and de is not None:
            end = report_year + de
            inferred.append(("endYear", why))
        return Years(start, end, tuple(inferred))
    return found


def derive_years(
    sentence: str,
    mentions: list[NumberMention],
    report_year: int | None,
    lex: Lexicon,
    previous: Years | None = None,
) -> Years:
    """The years of the sentence's facts: stated, else relative to the report's year or
    to `previous` (the years of the sentence before); mentions are offsets in `sentence`."""
    words = load_year_words()
    found = _stated(sentence, mentions, words)
    if not found.known:
        found = _relative(sentence, report_year, previous, lex, words)
    return _from_report(sentence, found, report_year, words)


def sentence_years(
    text: str,
    spans: list[tuple[int, int]],
    mentions: list[NumberMention],
    report_year: int | None,
    lex: Lexicon,
) -> dict[int, Years]:
    """The years of every sentence of a passage text, by sentence start; each sentence may
    take those of the sentence before it that has years."""
    out: dict[int, Years] = {}
    previous: Years | None = None
    for s, e in spans:
        local = [m.shifted(-s) for m in mentions if s <= m.number_start < e]
        years = derive_years(text[s:e], local, report_year, lex, previous)
        out[s] = years
        if years.known:
            previous = years
    return out


def notes(inferred: dict[str, str]) -> list[str]:
    """One editorial note per reason, naming its properties: "startYear, endYear: ..."."""
    by_reason: dict[str, list[str]] = {}
    for key, why in inferred.items():
        by_reason.setdefault(why, []).append(key)
    return [f"{', '.join(keys)}: {why}" for why, keys in by_reason.items()]
