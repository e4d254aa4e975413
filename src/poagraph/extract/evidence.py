"""Which passages state a claim, and with which words: the evidence ledger.

A claim is a resource IRI (an Outcome, Programme, Organisation or Event) or a relation
`(subject, predicate, object)` that the graph states as an rdf:Statement. The ledger keeps,
for each claim, the spans of passage text that state it: the passage and the start and end
of the exact words inside its text (a sentence, or a curated quote of mappings/). The
extraction steps note what they find in one `Evidence`, handed from step to step;
`annotations` turns every (claim, span) into a W3C Web Annotation at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .gazetteer import Match
from .report import Document, Passage
from .sentences import sentence_at

#: A resource IRI, or (subject, predicate, object) IRIs of a relation.
Claim = str | tuple[str, str, str]


@dataclass(frozen=True, order=True)
class Span:
    """Words of one passage: `passage.text[start:end]`."""

    passage: int  #: Passage.n
    start: int
    end: int


@dataclass
class Found:
    """What the passages say about one claim: the spans of words that state it, and for
    each span found by a name, the name as written."""

    spans: dict[Span, None] = field(default_factory=dict)  #: in the order noted
    named: dict[Span, str] = field(default_factory=dict)  #: span -> surface of the name

    @property
    def passages(self) -> list[int]:
        """The passages (numbers) that state it, in the order noted."""
        return list(dict.fromkeys(s.passage for s in self.spans))

    @property
    def surfaces(self) -> list[str]:
        """The names as written, in the order noted."""
        return list(dict.fromkeys(self.named.values()))


class Evidence:
    """Claim -> the spans of one report's passages that state it."""

    def __init__(self, doc: Document):
        self.doc = doc
        self.slug = doc.slug
        self.by_n = {p.n: p for p in doc.passages}
        self.found: dict[Claim, Found] = {}

    def __contains__(self, claim: Claim) -> bool:
        return claim in self.found

    def note(self, claim: Claim, span: Span) -> Span:
        """`span` states `claim` (a curated quote or a sentence: always kept)."""
        self.found.setdefault(claim, Found()).spans.setdefault(span)
        return span

    def note_mention(self, p: Passage, m: Match) -> None:
        """A gazetteer hit: the passage names it, its sentence is the words. A name found
        again in the same passage adds no second span."""
        f = self.found.setdefault(m.iri, Found())
        if p.n in f.passages:
            return
        s, e = sentence_at(p.text, m.start)
        span = Span(p.n, s, e)
        f.spans.setdefault(span)
        f.named.setdefault(span, m.surface)

    def of(self, claim: Claim) -> Found:
        """What is known of `claim` (empty when no passage states it)."""
        return self.found.get(claim, Found())

    def passage(self, span: Span) -> Passage:
        return self.by_n[span.passage]

    def words(self, span: Span) -> str:
        """The exact words of `span`."""
        return self.by_n[span.passage].text[span.start : span.end]

    def sentences(self, span: Span) -> Span:
        """`span` widened to the whole sentences it touches."""
        text = self.by_n[span.passage].text
        s = sentence_at(text, span.start)[0]
        e = sentence_at(text, max(span.start, span.end - 1))[1]
        return Span(span.passage, min(s, span.start), max(e, span.end))


def find_quote(doc: Document, quote: str) -> Span | None:
    """The span of the first passage whose text holds `quote` exactly."""
    for p in doc.passages:
        i = p.text.find(quote)
        if i >= 0:
            return Span(p.n, i, i + len(quote))
    return None


def quote_in(p: Passage, quote: str) -> Span | None:
    """The span of `quote` in passage `p` (its first occurrence), or None."""
    i = p.text.find(quote)
    return Span(p.n, i, i + len(quote)) if i >= 0 else None


def as_list(value) -> list:
    """A YAML value that may be one item or a list, as a list."""
    if value is None:
        return []
    if isinstance(value, (str, int)):
        return [value]
    return list(value)
