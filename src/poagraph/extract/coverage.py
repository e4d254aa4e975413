"""Every number in a report and what became of it: `poagraph coverage`.

A reader checking the graph against the report needs the other direction too: not only
"where does this outcome come from" (poa:evidence, poa:quote) but "what happened to this
number". Each number is an outcome (read automatically), curated (an outcome with curated
corrections), or ignored with the reason (a year, a footnote mark, a descriptive count...).
Nothing is left unclassified.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from rich.markup import escape
from rich.table import Table

from .curation import Curation
from .discovery import discover
from .entities import reporter
from .gazetteer import passage_countries as countries_of
from .names import load_forms, tokens
from .outcomes import assess
from .quantities import find_numbers
from .report import Document, own_text
from .sentences import sentence_spans

STATUSES = ("outcome", "curated", "ignored")

#: Why a count outside every passage (a title, heading or action text) is no outcome.
OUTSIDE = "outside any passage (title, heading or action text)"


@dataclass(frozen=True)
class CoverageRow:
    line: int  #: 1-based line of the number in the report source
    column: int  #: 1-based column
    offset: int  #: character offset of the numeral in the report source
    text: str  #: as written, e.g. "4,400", "\\$ 1.4 Million USD", "nine", "¹"
    value: int | Decimal | None
    kind: str  #: what the number is: count, money, year, date, duration, ordinal, ...
    status: str  #: "outcome", "curated" or "ignored"
    reason: str | None = None  #: why it is ignored
    outcome: str | None = None  #: the poa:Outcome IRI, for outcomes
    passage: int | None = None  #: Passage.n holding it


def coverage(
    doc: Document,
    gaz,
    passage_countries: dict[int, list[str]] | None = None,
    curation: Curation | None = None,
) -> list[CoverageRow]:
    """Every number in `doc.text`, in order, with its status (read with the gazetteer
    extended by what discovery finds, as the build reads them)."""
    if passage_countries is None:
        passage_countries = countries_of(doc, gaz)
    gaz = discover(doc, gaz, passage_countries, reporter(doc, gaz)).gazetteer
    findings = {
        (f.passage.n, f.mention.number_start): f
        for f in assess(doc, gaz, passage_countries, curation)
    }
    line_starts = [0] + [i + 1 for i, ch in enumerate(doc.text) if ch == "\n"]

    def where(offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(line_starts, offset)
        return line, offset - line_starts[line - 1] + 1

    rows: list[CoverageRow] = []
    covered: list[tuple[int, int]] = []
    for p in doc.passages:
        covered.append((p.start, p.end))
        for m in find_numbers(own_text(p, doc.passages)):
            offset = p.start + m.number_start
            line, col = where(offset)
            f = findings.get((p.n, m.number_start))
            if f is not None:
                iri = f.record["@id"] if f.record else None
                row = CoverageRow(
                    line, col, offset, m.text, m.value, m.kind, f.status, f.reason, iri, p.n
                )
            else:
                row = CoverageRow(
                    line, col, offset, m.text, m.value, m.kind, "ignored", m.reason, None, p.n
                )
            rows.append(row)
    for m in find_numbers(doc.text):
        if any(s <= m.number_start < e for s, e in covered):
            continue
        line, col = where(m.number_start)
        reason = OUTSIDE if m.is_quantity else m.reason
        rows.append(
            CoverageRow(line, col, m.number_start, m.text, m.value, m.kind, "ignored", reason)
        )
    return sorted(rows, key=lambda r: r.offset)


def summary(rows: list[CoverageRow]) -> Counter:
    """How many numbers per status (and "numbers" for the total)."""
    counts = Counter(r.status for r in rows)
    counts["numbers"] = len(rows)
    return counts


def format_coverage(rows: list[CoverageRow], title: str | None = None) -> Table:
    """A rich table of the rows, for the terminal."""
    table = Table(title=title, show_lines=False)
    table.add_column("line:col", justify="right", no_wrap=True)
    table.add_column("as written", no_wrap=True)
    table.add_column("value", justify="right")
    table.add_column("kind")
    table.add_column("status")
    table.add_column("reason / outcome", overflow="fold")
    style = {"outcome": "green", "curated": "cyan", "ignored": "dim"}
    for r in rows:
        table.add_row(
            f"{r.line}:{r.column}",
            escape(r.text),
            "" if r.value is None else str(r.value),
            r.kind,
            f"[{style[r.status]}]{r.status}[/]",
            escape(r.outcome or r.reason or ""),
        )
    c = summary(rows)
    table.caption = (
        f"{c['numbers']} numbers: {c['outcome']} outcomes, {c['curated']} curated, "
        f"{c['ignored']} ignored"
    )
    return table


# -- names ---------------------------------------------------------------------------------

NAME_STATUSES = ("gazetteer", "discovered", "place", "ignored")

#: Why a name outside every passage is no entity of the graph.
NAME_OUTSIDE = "outside any passage (title, heading or action text)"
#: Why a capitalised name with no head word and no acronym definition is nothing.
NO_FORM = "no organisation or programme form (no head word, no acronym defined for it)"


@dataclass(frozen=True)
class NameRow:
    line: int  #: 1-based line of the name in the report source
    column: int
    offset: int  #: character offset of the name in the report source
    text: str  #: as written
    status: str  #: "gazetteer", "discovered", "place" or "ignored"
    reason: str | None = None  #: why it is ignored (or how a gazetteer entry was recognised)
    entities: tuple[str, ...] = ()  #: the IRIs it names
    passage: int | None = None


def name_coverage(doc: Document, gaz, found=None) -> list[NameRow]:
    """Every capitalised name in `doc.text` (a run of capitalised words, with "of", "de
    la", "and" inside), in order, with what became of it. `found`: the report's
    discovery.Discovery (read here when not given)."""
    forms = load_forms()
    countries = countries_of(doc, gaz)
    if found is None:
        found = discover(doc, gaz, countries, reporter(doc, gaz))
    ordinary = {w for p in doc.passages for w in _LOWER.findall(p.text)}
    by_passage: dict[int, list] = {}
    for c in found.candidates:
        by_passage.setdefault(c.passage, []).append(c)
    where = _Lines(doc.text)
    rows: list[NameRow] = []
    covered: list[tuple[int, int]] = []
    for p in doc.passages:
        covered.append((p.start, p.end))
        text = own_text(p, doc.passages)
        hits = found.gazetteer.mentions(text, countries.get(p.n, []))
        for s, e in name_runs(text, forms, ordinary):
            status, reason, iris_ = _fate(s, e, hits, by_passage.get(p.n, []))
            at = p.start + s
            rows.append(NameRow(*where(at), at, text[s:e], status, reason, iris_, p.n))
    outside = doc.text
    for s, e in covered:
        outside = outside[:s] + " " * (e - s) + outside[e:]
    for s, e in name_runs(outside, forms, ordinary, across_lines=False):
        rows.append(NameRow(*where(s), s, outside[s:e], "ignored", NAME_OUTSIDE))
    return sorted(rows, key=lambda r: r.offset)


_LOWER = re.compile(r"\b[a-zà-ÿ][\w\-]*")


class _Lines:
    def __init__(self, text: str):
        self.starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]

    def __call__(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1


def name_runs(
    text: str, forms, ordinary: set[str], across_lines: bool = True
) -> list[tuple[int, int]]:
    """The capitalised names of `text`: runs of capitalised words joined by connectors,
    articles and "and" (only white space between the words, a page break included unless
    not `across_lines`: headings); a sentence's first word that is an ordinary word ("The",
    "Through", "Training") is left out."""
    words = tokens(text, {s for s, _ in sentence_spans(text)})
    if not across_lines:
        words = [
            w._replace(joined=w.joined and "\n" not in text[words[i - 1].end : w.start]) if i else w
            for i, w in enumerate(words)
        ]
    glue = {*forms.articles, *forms.joiners, *(w for c in forms.connectors.values() for w in c)}
    out, i, n = [], 0, len(words)
    while i < n:
        if not words[i].capital:
            i += 1
            continue
        start, end, j = i, i + 1, i + 1
        while j < n and words[j].joined:
            k = j
            while k < n and words[k].joined and words[k].text in glue:
                k += 1
            if k < n and words[k].joined and words[k].capital:
                end = j = k + 1
            else:
                break
        t = words[start]
        if t.initial and (t.text in forms.stop_words or t.text.casefold() in ordinary):
            start += 1
            while start < end and words[start].text in glue:
                start += 1
        if start < end:
            out.append((words[start].start, words[end - 1].end))
        i = end
    return out


def _fate(s: int, e: int, hits, candidates) -> tuple[str, str | None, tuple[str, ...]]:
    """What became of the name at [s, e): what discovery decided for the names read in it,
    else what the gazetteer matches in it."""
    inside = [c for c in candidates if c.start < e and s < c.span_end]
    for status in ("discovered", "gazetteer"):
        named = [c for c in inside if c.status == status]
        if named:
            reason = next((c.reason for c in named if c.reason), None)
            if status == "gazetteer" and any(c.variant_of for c in named):
                reason = "a new spelling of a gazetteer entry (added as a variant)"
            return status, reason, tuple(dict.fromkeys(c.iri for c in named))
    matched = [m for m in hits if m.start < e and s < m.end]
    entities = [m for m in matched if m.kind in ("organisation", "programme")]
    if entities:
        return "gazetteer", None, tuple(dict.fromkeys(m.iri for m in entities))
    if matched:
        return "place", None, tuple(dict.fromkeys(m.iri for m in matched))
    reason = next((c.reason for c in inside if c.reason), None)
    return "ignored", reason or NO_FORM, ()


def name_summary(rows: list[NameRow]) -> Counter:
    """How many names per status (and "names" for the total)."""
    counts = Counter(r.status for r in rows)
    counts["names"] = len(rows)
    return counts


def format_names(rows: list[NameRow], title: str | None = None) -> Table:
    """A rich table of the name rows, for the terminal."""
    table = Table(title=title, show_lines=False)
    table.add_column("line:col", justify="right", no_wrap=True)
    table.add_column("as written", overflow="fold")
    table.add_column("status")
    table.add_column("entity / reason", overflow="fold")
    style = {"gazetteer": "cyan", "discovered": "green", "place": "blue", "ignored": "dim"}
    for r in rows:
        shown = " ".join(r.text.split())
        what = " ".join(r.entities) + (f" ({r.reason})" if r.entities and r.reason else "")
        table.add_row(
            f"{r.line}:{r.column}",
            escape(shown),
            f"[{style[r.status]}]{r.status}[/]",
            escape(what or r.reason or ""),
        )
    c = name_summary(rows)
    table.caption = (
        f"{c['names']} names: {c['gazetteer']} gazetteer entities, {c['discovered']} discovered, "
        f"{c['place']} places, {c['ignored']} ignored"
    )
    return table
