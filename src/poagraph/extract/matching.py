"""Name matchers: the compiled form of the gazetteers' names, and the index that chooses
between the bodies sharing a name.

Matching is exact-case (acronyms must not match ordinary words), whole-word,
leftmost-longest ("Guinea-Bissau" wins over "Guinea", "UN-OCHA" over "OCHA"), and one
regex per kind of name, factored as a trie, so that thousands of names cost one pass over
the text. `gazetteer` compiles mappings/ with these and says what each match means.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from poagraph import iris

#: A capitalised word right after a name: the name is part of a longer one.
_CONTINUED = re.compile(r"[ \t]+[A-Z]")


def continued(text: str, end: int) -> bool:
    """Is the name ending at `end` followed by a capitalised word, so that it is the start
    of a longer name ("East Africa Community", "EU Election Observation Mission")?"""
    return _CONTINUED.match(text, end) is not None


@dataclass(frozen=True)
class Match:
    """One mention: `text[start:end] == surface`."""

    key: str  #: ISO3 for a country, slug otherwise
    kind: str  #: "country", "region", "organisation" or "programme"
    iri: str
    start: int
    end: int
    surface: str


@dataclass(frozen=True)
class Entity:
    """An organisation or programme of the gazetteer (the YAML entry, normalised)."""

    slug: str
    kind: str  #: "organisation" or "programme"
    label: str
    acronyms: tuple[str, ...]
    variants: tuple[str, ...]
    countries: tuple[str, ...]  #: the country of a national body; where a programme runs
    data: dict = field(compare=False, hash=False)  #: the whole YAML entry

    @property
    def iri(self) -> str:
        mint = iris.organisation if self.kind == "organisation" else iris.programme
        return mint(self.slug)

    @property
    def surfaces(self) -> tuple[str, ...]:
        return (self.label, *self.variants, *self.acronyms)


def _trie_regex(words: Iterable[str]) -> str:
    """A regex for a set of literal words, factored as a trie so that thousands of names
    cost one pass over the text; at every branch the longer continuation is tried first."""
    trie: dict = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = True

    def emit(node: dict) -> str:
        end = "" in node
        branches = []
        for ch in sorted(k for k in node if k):
            atom = "['’]" if ch == "'" else re.escape(ch)
            branches.append(atom + emit(node[ch]))
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if end:
            return f"(?:{body})?"
        return body

    return emit(trie)


def pattern(surfaces: Iterable[str]) -> re.Pattern[str] | None:
    """Whole-word, exact-case, leftmost-longest matcher; ' also matches the typographic ’."""
    words = {norm(s) for s in surfaces if s}
    if not words:
        return None
    return re.compile(rf"(?<!\w)(?:{_trie_regex(words)})(?!\w)")


def norm(surface: str) -> str:
    return surface.replace("’", "'")


def as_tuple(value) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def countries_of(context: str | Sequence[str] | None) -> tuple[str, ...]:
    if context is None:
        return ()
    if isinstance(context, str):
        return (context,)
    return tuple(context)


class EntityIndex:
    """Surfaces -> candidate entities, with context-dependent choice."""

    def __init__(
        self, entities: list[Entity], groups: list[dict], place_cue: re.Pattern[str] | None = None
    ):
        self.place_cue = place_cue
        self.by_slug = {e.slug: e for e in entities}
        self.candidates: dict[str, list[Entity]] = {}
        for e in entities:
            for s in e.surfaces:
                bucket = self.candidates.setdefault(norm(s), [])
                if e not in bucket:
                    bucket.append(e)
        #: surfaces naming several entities at once ("Governments of Ireland and Norway")
        self.groups: dict[str, list[Entity]] = {}
        for g in groups:
            members = [self.by_slug[m] for m in g["members"]]
            self.groups[norm(g["surface"])] = members
        self.pattern = pattern([*self.candidates, *self.groups])

    def choose(self, surface: str, countries: tuple[str, ...]) -> list[Entity]:
        surface = norm(surface)
        if surface in self.groups:
            return self.groups[surface]
        cands = self.candidates[surface]
        local = [e for e in cands if set(e.countries) & set(countries)]
        if local:
            # the most specific wins: a country's MIDA project over the MIDA programme
            return [min(local, key=lambda e: len(e.countries))]
        # Outside its countries a name counts when it is unmistakable: an entry without
        # countries, else the one entry not flagged generic ("generic" names count only in
        # their own countries' passages).
        free = [e for e in cands if not e.countries]
        if not free:
            free = [e for e in cands if not e.data.get("generic", False)]
        return free[:1] if len(free) == 1 else []

    def find(self, text: str, context, kind: str) -> list[Match]:
        if self.pattern is None:
            return []
        countries = countries_of(context)
        found = []
        for m in self.pattern.finditer(text):
            for e in self.choose(m.group(0), countries):
                if e.data.get("place_name") and self.names_a_place(text, m.start(), m.end()):
                    continue
                found.append(Match(e.slug, kind, e.iri, m.start(), m.end(), m.group(0)))
        return found

    def names_a_place(self, text: str, start: int, end: int) -> bool:
        """A name that is also a place ("the European Union") after a locative word and not
        continued by a capitalised word ("in the EU Election Observation Mission"): the
        place ("Returnees from the European Union", "migrants in the EU")."""
        if self.place_cue is None or continued(text, end):
            return False
        return self.place_cue.search(text[max(0, start - 40) : start]) is not None
