"""Every number in a report and what became of it: `poagraph coverage`.

A reader checking the graph against the report needs the other direction too: not only
"where does this outcome come from" (poa:evidence, poa:quote) but "what happened to this
number". Each number is an outcome (read automatically), curated (an outcome with curated
corrections), or ignored with the reason (a year, a footnote mark, a descriptive count...).
Nothing is left unclassified.
"""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from rich.markup import escape
from rich.table import Table

from .curation import Curation
from .gazetteer import passage_countries as countries_of
from .outcomes import assess, own_text
from .quantities import find_numbers
from .report import Document

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
    """Every number in `doc.text`, in order, with its status."""
    if passage_countries is None:
        passage_countries = countries_of(doc, gaz)
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
