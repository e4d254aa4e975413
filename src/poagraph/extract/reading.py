"""The names one passage writes, read by their form and their acronyms, before they are
judged (`discovery`): which span is a name, what kind of thing its head says it is, which
acronym it defines, and how it sits against the gazetteer's own matches in the passage.

A name overlapping a gazetteer name of the same kind is settled here: when the gazetteer
name holds the head, the name is that entry ("Foundation for Democracy in Africa" read
as "Foundation for Democracy"); when the gazetteer name comes after the head it is the body
the name belongs to, and the name is cut before it ("Coordination and Documentation Centre
of the Ministry of Social Affairs, ..."); before the head it is kept inside the name ("EAC
Council of Ministers") and noted as a mention of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .acronyms import Definition, definitions, is_acronym
from .gazetteer import Gazetteer
from .matching import Entity, Match
from .names import Form, Forms, find_cued, find_forms, tokens
from .report import Passage
from .sentences import sentence_spans


@dataclass
class Candidate:
    """One name read in a passage, and what became of it."""

    passage: int
    start: int  #: the name: passage.text[start:end] (a page break kept)
    end: int
    span_end: int  #: end of the words naming it ("MicroLead programme")
    name: str  #: the words, single-spaced
    kind: str  #: "organisation" or "programme"
    org_kind: str | None
    how: str  #: "acronym", "form", "cue" or "introduced"
    head_start: int
    head: str = ""  #: the head word ("Ministry", "Fund"); empty for a bare acronym definition
    acronym: str | None = None
    also: tuple[str, ...] = ()  #: other names it is written with here ("MicroLead programme")
    government: bool = False
    country: str | None = None
    country_from_name: bool = False
    parent: str | None = None  #: slug of the gazetteer body it belongs to ("... of the X")
    country_after: tuple[str, ...] = ()  #: "Ministère des Ressources Animales of Burkina Faso"
    entry: Entity | None = None  #: the gazetteer entry it is (its head inside that entry)
    holds: list[Match] = field(default_factory=list)  #: gazetteer names inside it
    status: str = "ignored"
    reason: str | None = None
    iri: str | None = None
    variant_of: str | None = None  #: slug of the gazetteer entry this spelling was added to


def _single(text: str) -> str:
    return " ".join(text.split())


def _with_definition(f: Form, defs: list[Definition]) -> tuple[int, int, Definition | None]:
    """A name and the acronym defined for it: "National Agency for the Promotion of
    Employment (ANPE)" (the definition may start inside the name, or before it)."""
    for d in defs:
        if d.acronym_first and d.start <= f.start and f.end <= d.end:
            return d.start, d.end, d
        if not d.acronym_first and f.start < d.end and d.start < f.end and f.end <= d.end:
            return min(f.start, d.start), d.end, d
    return f.start, f.end, None


def _clean(text: str, start: int, end: int, forms: Forms) -> tuple[int, int]:
    """Leading articles and stop words off a name ("L'Agence", "The Department"), and
    trailing connectors ("Centre of the")."""
    while m := re.match(r"([\w’']+)\s*", text[start:end]):
        word = m.group(1)
        if word in forms.stop_words or word.casefold() in forms.articles:
            start += m.end()
        elif re.match(r"[LlDd]['’]\w", word) and word[0].isupper():
            start += 2
        else:
            break
    glue = {*forms.articles, *forms.joiners, *(w for c in forms.connectors.values() for w in c)}
    while m := re.search(r"\s+([\w’'&]+)\s*$", text[start:end]):
        if m.group(1) not in glue:
            break
        end = start + m.start()
    return start, end


def _candidates(p: Passage, text: str, forms: Forms, ordinary: set[str]) -> list[Candidate]:
    """Every name by form, cue or acronym (overlaps not yet resolved), with a rank:
    a name by form first, then by cue, introduced, and a bare definition; with an acronym
    before without; the longer first."""
    words = tokens(text, {s for s, _ in sentence_spans(text)})
    defs = definitions(text)
    used: set[Definition] = set()
    out = []
    rank = {"form": 0, "cue": 2, "introduced": 4}
    for f in find_forms(text, words, forms, ordinary) + find_cued(text, words, forms, ordinary):
        s, e, d = _with_definition(f, defs)
        dangling = text[s:e].split()[0] in forms.joiners
        s, e = _clean(text, s, e, forms)
        if d is not None:
            used.add(d)
        kind = "organisation" if f.kind in ("organisation", "government") else "programme"
        span_end = max(e, f.span_end)
        c = Candidate(
            p.n, s, e, span_end, _single(text[s:e]), kind, f.org_kind, f.how, f.head_start, f.head
        )
        c.government = f.kind == "government"
        c.acronym = d.acronym if d else None
        if d is not None and f.how == "form":
            c.how = "acronym"
        if span_end > e:
            c.also = (_single(text[s:span_end]),)
        if dangling:
            c.reason = "its first word opens the sentence: where the name starts is unclear"
        elif f.how == "cue" and " " not in c.name and not _own_word(c.name):
            c.reason = "one ordinary word, not a programme's name"
        out.append(((rank[f.how] + (0 if d else 1)), -(e - s), s, c))
    for d in defs:
        if d not in used:
            s, e = _clean(text, d.start, d.end, forms)
            name = _single(text[s:e])
            c = _head_after(p, text, d, s, name, forms)
            if c is not None:
                out.append((0, -(c.end - s), s, c))
                continue
            c = Candidate(p.n, s, e, e, name, "", None, "acronym", s, acronym=d.acronym)
            out.append((6, -(e - s), s, c))
    return [c for *_, c in sorted(out, key=lambda x: x[:3])]


def _head_after(
    p: Passage, text: str, d: Definition, s: int, name: str, forms: Forms
) -> Candidate | None:
    """ "Enhanced Migration Management (EMM) Project": the head after the acronym. The name
    is the words and the head (the acronym aside); as written, it is a variant."""
    if d.acronym_first:
        return None
    m = re.match(r"\)\s+([^\W\d_]+)", text[d.acronym_end : d.acronym_end + 40])
    head = forms.heads.get(m.group(1)) if m else None
    if head is None:
        return None
    start, end = d.acronym_end + m.start(1), d.acronym_end + m.end(1)
    kind = "organisation" if head[0] == "organisation" else "programme"
    full = f"{name} {m.group(1)}"
    c = Candidate(p.n, s, end, end, full, kind, head[1], "acronym", start, m.group(1))
    c.acronym, c.also = d.acronym, (_single(text[s:end]),)
    return c


def _own_word(word: str) -> bool:
    """A one-word name must be a word of its own ("MicroLead", "PADEL"), not a word
    capitalised ("the Youth programme"): an acronym, or capitals inside it."""
    return is_acronym(word) or re.search(r"[a-z][A-Z]", word) is not None


def read_passage(
    p: Passage, text: str, gaz: Gazetteer, here: list[str], forms: Forms, ordinary: set[str]
) -> list[Candidate]:
    """The names of one passage, overlaps resolved, set against the gazetteer's names."""
    hits = {
        "organisation": gaz.organisations_in(text, here),
        "programme": gaz.programmes_in(text, here),
    }
    chosen: list[Candidate] = []
    for c in _candidates(p, text, forms, ordinary):
        if any(c.start < o.end and o.start < c.end for o in chosen if o.reason is None):
            c.reason = c.reason or "part of a longer name"
        elif not c.kind:
            _bare_definition(c, gaz, hits)
        elif c.reason is None:
            _against_gazetteer(c, text, gaz, hits, forms)
            if c.government and c.reason is None:
                _cut_at_country(c, text, gaz, forms)
            if not c.name[:1].isupper() and c.reason is None:
                c.reason = "not a capitalised name"
        chosen.append(c)
    return sorted(chosen, key=lambda c: c.start)


def _bare_definition(c: Candidate, gaz: Gazetteer, hits: dict[str, list[Match]]) -> None:
    """An acronym defined for a name with no head word: a gazetteer entry, or nothing."""
    for kind in ("organisation", "programme"):
        for m in hits[kind]:
            if m.start < c.end and c.start < m.end:
                c.kind, c.entry = kind, _entity(gaz, m)
                return
    c.kind = "programme"
    c.reason = "an acronym of a name that has no organisation or programme form"


def _entity(gaz: Gazetteer, m: Match) -> Entity:
    return (gaz.organisations if m.kind == "organisation" else gaz.programmes)[m.key]


def _against_gazetteer(
    c: Candidate, text: str, gaz: Gazetteer, hits: dict[str, list[Match]], forms: Forms
) -> None:
    """Settle a name against the gazetteer's names of the same kind in the passage."""
    for m in hits[c.kind]:
        if not (m.start < c.end and c.start < m.end):
            continue
        if m.start <= c.head_start < m.end or c.how in ("cue", "introduced"):
            extra = text[c.start : max(c.start, m.start)] + " " + text[min(c.end, m.end) : c.end]
            if _names_more(extra, gaz, forms):
                continue  # "West African Development Bank" is not the African Development Bank
            c.entry = _entity(gaz, m)  # the gazetteer's name holds the head: it is that entry
            return
        if m.start > c.head_start:  # "... Centre of the Ministry of X": the body it belongs to
            s, e = _clean(text, c.start, m.start, forms)
            c.end = c.span_end = e
            c.name, c.acronym = _single(text[s:e]), None
            c.parent = m.key if m.kind == "organisation" else None
            break
        c.holds.append(m)  # "EAC Council of Ministers": EAC stays named
        c.parent = c.parent or (m.key if m.kind == "organisation" else None)
    _after(c, text, gaz, hits, forms)
    if c.kind == "programme" and c.how in ("cue", "introduced"):
        for m in hits["organisation"]:
            if m.start < c.end and c.start < m.end:
                c.reason = "an organisation's programme or office, not a programme's name"
                return


def _after(
    c: Candidate, text: str, gaz: Gazetteer, hits: dict[str, list[Match]], forms: Forms
) -> None:
    """What follows a name: "of the Ministry of X" (the body it belongs to), "of Burkina
    Faso" (its country, not part of its name)."""
    after = re.match(_belongs_to(forms), text[c.end : c.end + 20])
    if after is None:
        return
    at = c.end + after.end()
    if c.kind == "organisation" and c.parent is None:
        c.parent = next((m.key for m in hits["organisation"] if m.start == at), None)
    place = gaz.countries_in(text[at : at + 60])
    if place and place[0].start == 0 and not _continues(text, at + place[0].end):
        c.country_after = (place[0].key,)


def _continues(text: str, pos: int) -> bool:
    """Is a name at `pos` continued by a capitalised word (part of a longer name)?"""
    return re.match(r"[ \t]+[A-Z]", text[pos : pos + 3]) is not None


def _names_more(words: str, gaz: Gazetteer, forms: Forms) -> bool:
    """Do these words of a name, outside a gazetteer name it holds, tell another body ("West
    African ...", "... and Culture")? A country, an adjective of nationality, an article, a
    connector or a generic word do not."""
    glue = {*forms.articles, *forms.joiners, *(w for c in forms.connectors.values() for w in c)}
    places = [(m.start, m.end) for m in gaz.countries_in(words)]
    for m in re.finditer(r"[^\W_][\w\-’']*", words):
        w = re.sub(r"^[dlDL]['’]", "", m.group(0))
        if (
            w in glue
            or w in forms.stop_words
            or w in forms.generic
            or any(s <= m.start() < e for s, e in places)
        ):
            continue
        if w.casefold() in forms.adjectives_cf or not w[:1].isupper():
            continue
        return True
    return False


def _belongs_to(forms: Forms) -> str:
    """A connector and article between a unit's name and its body's ("of the", "de la")."""
    connectors = sorted((w for c in forms.connectors.values() for w in c), key=len, reverse=True)
    articles = sorted(forms.articles, key=len, reverse=True)
    alt = "|".join(map(re.escape, connectors))
    art = "|".join(map(re.escape, articles))
    return rf"\s+(?:{alt})(?:\s+(?:{art})|\s*(?=\w))?\s*"


def _cut_at_country(c: Candidate, text: str, gaz: Gazetteer, forms: Forms) -> None:
    """ "Government of Sudan and Sudan People's ...": a government's name ends with its
    country."""
    for m in gaz.countries_in(text[c.start : c.end]):
        if m.start > c.head_start - c.start:
            if c.start + m.end < c.end:
                c.acronym = None  # the acronym was of the name after the country
            c.end = c.span_end = c.start + m.end
            c.name = _single(text[c.start : c.end])
            return
