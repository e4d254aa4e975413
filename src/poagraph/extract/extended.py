"""A gazetteer extended with what discovery found, without recompiling its patterns.

The gazetteer's name patterns hold thousands of names (every country's government in every
spelling); compiling them again with a report's few discovered names would cost more than
reading the report. The extension keeps the gazetteer's index and adds a small one for the
new names; a text's matches are the two merged leftmost-longest, as one pattern would give.
"""

from __future__ import annotations

from dataclasses import replace

from .gazetteer import Gazetteer
from .matching import Entity, EntityIndex, Match


class ExtendedIndex:
    """A gazetteer index plus the names discovery adds to it: matched by their own small
    pattern, merged with the gazetteer's matches leftmost-longest, as if one pattern held
    both (rebuilding the gazetteer's whole pattern would cost more than reading the report)."""

    def __init__(self, base: EntityIndex, entities: list[Entity], variants: dict[str, list[str]]):
        self.base, self.place_cue, self.groups = base, base.place_cue, base.groups
        self.by_slug = dict(base.by_slug)
        extra: list[Entity] = []
        for slug, spellings in variants.items():
            e = self.by_slug[slug]
            new = [v for v in dict.fromkeys(spellings) if v not in e.surfaces]
            if new:
                data = {**e.data, "variants": [*e.variants, *new]}
                self.by_slug[slug] = replace(e, variants=(*e.variants, *new), data=data)
                extra.append(replace(e, label=new[0], variants=tuple(new[1:]), acronyms=()))
        for e in entities:
            self.by_slug[e.slug] = e
        self.extra = EntityIndex([*extra, *entities], [], base.place_cue)
        self.candidates = {**base.candidates, **self.extra.candidates}

    def choose(self, surface: str, countries: tuple[str, ...]) -> list[Entity]:
        index = self.extra if surface in self.extra.candidates else self.base
        return index.choose(surface, countries)

    def find(self, text: str, context, kind: str) -> list[Match]:
        found = sorted(
            [*self.base.find(text, context, kind), *self.extra.find(text, context, kind)],
            key=lambda m: (m.start, -m.end),
        )
        out: list[Match] = []
        for m in found:
            if (
                not out
                or m.start >= out[-1].end
                or (m.start, m.end) == (out[-1].start, out[-1].end)
            ):
                out.append(m)
        return out

    def names_a_place(self, text: str, start: int, end: int) -> bool:
        return self.base.names_a_place(text, start, end)


def extend(gaz: Gazetteer, entities: list[Entity], variants: dict[str, list[str]]) -> Gazetteer:
    """A copy of the gazetteer that also knows `entities` and new spellings of its own
    entries (slug -> spellings), so that every later step finds them like the curated ones."""
    out = gaz
    for kind in ("organisation", "programme"):
        mine = [e for e in entities if e.kind == kind]
        index = gaz.entity_index(kind)
        spellings = {k: v for k, v in variants.items() if k in index.by_slug}
        if mine or spellings:
            out = out.with_index(kind, ExtendedIndex(index, mine, spellings))
    return out
