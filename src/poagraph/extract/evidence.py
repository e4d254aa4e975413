"""Which passages state a resource, and with which words: the evidence ledger.

Every extracted fact points to the passages that state it (`evidence`) and quotes their
exact words (`quote`, a substring of the passage text). The extraction steps note what they
find in one `Evidence` ledger, handed from step to step; `fields` gives a resource's
evidence and quotes for its record.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from poagraph import iris

from .gazetteer import Match
from .report import Document, Passage
from .sentences import sentence_at


@dataclass
class Found:
    """What the passages say about one resource: where it is named, and the first words."""

    evidence: dict[int, None] = field(default_factory=dict)  #: passage n, in order
    quotes: dict[str, None] = field(default_factory=dict)
    surfaces: dict[str, None] = field(default_factory=dict)

    def add(self, passage: Passage, quote: str | None, surface: str | None = None) -> None:
        """A name found again in the same passage adds no second quote; a curated
        statement (no surface) always does."""
        again = passage.n in self.evidence
        self.evidence.setdefault(passage.n)
        if quote and not (again and surface):
            self.quotes.setdefault(quote)
        if surface:
            self.surfaces.setdefault(surface)


class Evidence:
    """Resource IRI -> what the passages of one report say about it."""

    def __init__(self, doc: Document):
        self.slug = doc.slug
        self.found: dict[str, Found] = {}

    def __contains__(self, iri: str) -> bool:
        return iri in self.found

    def note(self, iri: str, p: Passage, quote: str | None, surface: str | None = None) -> None:
        self.found.setdefault(iri, Found()).add(p, quote, surface)

    def note_mention(self, p: Passage, m: Match) -> None:
        """A gazetteer hit: the passage names it; its sentence is the quote."""
        s, e = sentence_at(p.text, m.start)
        self.note(m.iri, p, p.text[s:e], m.surface)

    def of(self, iri: str) -> Found:
        """What is known of `iri` (empty when no passage states it)."""
        return self.found.get(iri, Found())

    def fields(self, iri: str) -> dict:
        """The record keys `evidence` (passage IRIs) and `quote`; none when unstated."""
        f = self.found.get(iri)
        if not f:
            return {}
        return {
            "evidence": [iris.passage(self.slug, n) for n in f.evidence],
            "quote": list(f.quotes),
        }


def locate(doc: Document, quote: str) -> Passage | None:
    """The first passage whose text holds `quote` exactly."""
    for p in doc.passages:
        if quote in p.text:
            return p
    return None


def as_list(value) -> list:
    """A YAML value that may be one item or a list, as a list."""
    if value is None:
        return []
    if isinstance(value, (str, int)):
        return [value]
    return list(value)
