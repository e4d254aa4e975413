"""Organisations and programmes the gazetteers do not list, found by the form of their names.

Every passage is read for acronym definitions (Schwartz-Hearst, `acronyms`) and for names
by their form (`names`). The gazetteers stay the authority: a name that is, or holds as its
head, a gazetteer entry (its label, a variant or an acronym, case and spacing aside, or the
same words in another order) is that entry, chosen by the passage's countries as the
gazetteer chooses; a "Government of X" is the country's government. Any other name specific
enough becomes a new entity marked `discovered`, with its acronym, kind (from its head
word) and country (from its name, the body it belongs to, or for a national body the
passage's place heading). The gazetteer is then extended with these entities and the new
spellings of its own entries (`extend`), so that every later step (outcomes, passages,
programmes) finds them as it finds the curated ones. Every name read, and what became of
it, is kept for `coverage`.
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass, field, replace

from poagraph import iris

from .extended import extend
from .gazetteer import Gazetteer
from .matching import Entity, Match, as_tuple
from .names import Forms, load_forms
from .reading import Candidate, read_passage
from .report import Document, Passage, own_text
from .sentences import sentence_at


@dataclass
class Discovery:
    """What discovery found in one report."""

    gazetteer: Gazetteer  #: the gazetteer with the discovered entities and new spellings
    entities: list[Entity] = field(default_factory=list)  #: the discovered ones
    candidates: list[Candidate] = field(default_factory=list)
    mentions: list[tuple[int, Match]] = field(default_factory=list)  #: (passage n, name)

    def note(self, doc: Document, evidence) -> None:
        """Note every name read as a mention of its entity (names cut by a page break
        included, which no gazetteer pattern matches)."""
        by_n = {p.n: p for p in doc.passages}
        for n, m in self.mentions:
            evidence.note_mention(by_n[n], m)


def _key(name: str) -> str:
    k = re.sub(r"\s+", " ", name.replace("’", "'")).strip().casefold()
    return k[4:] if k.startswith("the ") else k


def _words_key(name: str, forms: Forms) -> frozenset[str]:
    """The words of a name that say what it is, in any order and case."""
    glue = {*forms.articles, *forms.joiners, *(w for c in forms.connectors.values() for w in c)}
    words = re.findall(r"[\w\-]+(?:['’]\w+)?", name.replace("’", "'"))
    return frozenset(w.casefold().removesuffix("'s") for w in words if w not in glue)


def choose(entities: list[Entity], countries: tuple[str, ...]) -> Entity | None:
    """The entity a shared name denotes in a passage of `countries`, as the gazetteer
    chooses (matching.EntityIndex.choose): the most specific local one, else the one entry
    that counts everywhere."""
    local = [e for e in entities if set(e.countries) & set(countries)]
    if local:
        return min(local, key=lambda e: len(e.countries))
    free = [e for e in entities if not e.countries] or [
        e for e in entities if not e.data.get("generic", False)
    ]
    return free[0] if len(free) == 1 else None


class Known:
    """The gazetteer's names, spelling-insensitive, to tell whether a name read is a
    gazetteer entry."""

    def __init__(self, gaz: Gazetteer, forms: Forms):
        self.gaz, self.forms = gaz, forms
        self.by_key: dict[tuple[str, str], list[Entity]] = {}
        self.by_words: dict[tuple[str, frozenset[str]], list[Entity]] = {}
        self.by_acronym: dict[tuple[str, str], list[Entity]] = {}
        self.by_prefix: dict[tuple[str, str], dict] = {}  #: (kind, first 24 chars) -> names
        for kind, entities in (("organisation", gaz.organisations), ("programme", gaz.programmes)):
            for e in entities.values():
                for a in e.acronyms:
                    self.by_acronym.setdefault((kind, a), []).append(e)
                # the entry's own names ("Government of X" is generated for every country
                # and every name of it: discovery reads governments by their country)
                for s in (e.label, *as_tuple(e.data.get("variants"))):
                    for n in {s, re.sub(r"\s*\([^()]*\)$", "", s)}:  # "X (Uganda)" names X
                        self._add(self.by_key, (kind, _key(n)), e)
                        self._add(self.by_words, (kind, _words_key(n, forms)), e)
                        prefix = self.by_prefix.setdefault((kind, _key(n)[:24]), {})
                        self._add(prefix, (kind, _key(n)), e)

    @staticmethod
    def _add(index: dict, key, e: Entity) -> None:
        bucket = index.setdefault(key, [])
        if e not in bucket:
            bucket.append(e)

    def written_at(self, text: str, c: Candidate) -> Entity | None:
        """A gazetteer name written from the candidate's start on, spacing and case aside,
        that the gazetteer's pattern missed ("the United Nations Office of ..." matched as
        "the United Nations")."""
        here = _key(text[c.start : c.start + 400])
        for (_, key), entities in self.by_prefix.get((c.kind, _key(c.name)[:24]), {}).items():
            if len(entities) == 1 and here.startswith(key) and len(key) > len(_key(c.name)):
                after = here[len(key) : len(key) + 1]
                if not after or not after.isalnum():
                    return entities[0]
        return None

    def index(self, kind: str):
        return self.gaz.entity_index(kind)

    def entry(self, c: Candidate, here: list[str]) -> tuple[Entity | None, bool]:
        """(the gazetteer entry the candidate names, whether its name is a gazetteer name at
        all): a name shared by bodies of several countries is left out where the passage's
        countries cannot decide, as the gazetteer does."""
        context = tuple([c.country] if c.country else here)
        named = False
        for name in (c.name, *c.also):
            for index, key in (
                (self.by_key, _key(name)),
                (self.by_words, _words_key(name, self.forms)),
            ):
                entities = index.get((c.kind, key))
                if entities:
                    named = True
                    e = choose(entities, context)
                    if e is not None:
                        return e, True
        if not named and c.acronym and (c.kind, c.acronym) in self.by_acronym:
            e = choose(self.by_acronym[(c.kind, c.acronym)], context)
            if e is not None and not (c.country and e.countries and c.country not in e.countries):
                return e, True
        return None, named


_KNOWN: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _known(gaz: Gazetteer, forms: Forms) -> Known:
    """The gazetteer's names by key, computed once per gazetteer (a build of several
    reports reads them for each)."""
    cached = _KNOWN.get(gaz)
    if cached is None or cached.forms is not forms:
        cached = _KNOWN[gaz] = Known(gaz, forms)
    return cached


# -- judging a name ----------------------------------------------------------------------------


def _has_word(name: str, word: str, case: bool = True) -> bool:
    flags = 0 if case else re.IGNORECASE
    return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", name, flags) is not None


def _countries_in_name(name: str, gaz: Gazetteer, forms: Forms, kind: str) -> list[str]:
    """The countries a name states; a nationality adjective says whose a body is
    ("Swedish ... Agency"), not where a programme runs ("Belgian Survival Fund")."""
    found = list(dict.fromkeys(m.key for m in gaz.countries_in(name)))
    if kind != "organisation":
        return found
    for adj, iso3 in sorted(forms.adjectives.items(), key=lambda kv: -len(kv[0])):
        if _has_word(name, adj, case=False) and iso3 not in found:
            found.append(iso3)
            break
    return found


def _specific(c: Candidate, gaz: Gazetteer, forms: Forms) -> bool:
    """Does the name hold a word that tells which body it is ("Rastra", "Survival",
    "Promotion")? Countries, heads, generic words and known names do not."""
    head = c.name.find(c.head) if c.head else -1
    taken = [
        (m.start, m.end)
        for m in gaz.mentions(c.name)
        if m.kind not in ("country", "region") or m.start < head  # "University of Laos"
    ]
    for m in re.finditer(r"[^\W_][\w\-’']*", c.name):
        w = re.sub(r"^[dlDL]['’]", "", m.group(0)).rstrip("'’").removesuffix("'s")
        w = w.removesuffix("’s")
        if not w[:1].isupper() or any(s <= m.start() < e for s, e in taken):
            continue
        if w in forms.generic or w in forms.stop_words or forms.is_head(w):
            continue
        if w.casefold() in forms.adjectives_cf:
            continue
        if w in forms.international and len(c.name.split()) < 3:
            continue  # "Global Fund" says what, "African Development Fund" which
        return True
    return False


def _set_country(c: Candidate, gaz: Gazetteer, forms: Forms, here: list[str]) -> None:
    """From the name; else from the body it belongs to ("X of the Ministry of Health");
    else, for a national body without an international word, from the place heading."""
    in_name = _countries_in_name(c.name, gaz, forms, c.kind)
    if len(in_name) == 1:
        c.country, c.country_from_name = in_name[0], True
        if c.org_kind == "government-body" and c.country in forms.donors:
            c.org_kind = "donor-government"  # "Norwegian Agency for Development Cooperation"
        return
    if not in_name and c.country_after:  # "... of Burkina Faso" right after the name
        c.country = c.country_after[0]
        return
    if in_name or c.kind != "organisation":
        return
    if c.parent is not None:  # "EAC Council of Ministers": the EAC's, of the EAC's kind
        parent = gaz.organisations.get(c.parent)
        c.country = parent.countries[0] if parent and parent.countries else None
        if parent and parent.data.get("kind") in forms.inherited_kinds:
            c.org_kind = parent.data["kind"]
        return
    if any(_has_word(c.name, w) for w in forms.international):
        return
    if c.org_kind in forms.national_kinds and len(here) == 1:
        c.country = here[0]


def _government(c: Candidate, gaz: Gazetteer) -> Entity | None:
    """ "Government of X", "Afghan Government", "Gouvernement du Niger": the gazetteer's
    government of the country the name states."""
    gov = None
    if c.country_from_name:
        gov = gaz.organisations.get(f"government-{c.country.lower()}")
    if gov is None:
        c.reason = "a government that names no country"
    return gov


def _fund(c: Candidate, gaz: Gazetteer, forms: Forms, here: list[str]) -> None:
    """ "International Fund for Agricultural Development" is a body, not a programme."""
    if c.kind == "programme" and c.head in ("Fund", "Fonds"):
        for first, kind in forms.fund_organisations.items():
            if _key(c.name).startswith(_key(first) + " "):
                c.kind, c.org_kind = "organisation", kind
                _set_country(c, gaz, forms, here)
                return


def _why_not(c: Candidate, gaz: Gazetteer, forms: Forms, named: bool) -> str | None:
    """Why a name that is no gazetteer entry is no new entity either (None: it is one)."""
    if named:
        return "a gazetteer name that this passage's countries do not resolve"
    if c.head in forms.acronym_only and not c.acronym:
        return f"'{c.head}' names a body only with an acronym defined for it"
    if c.how == "introduced" and not c.acronym:
        return "introduced like a programme, but with no programme's form or acronym"
    if not c.acronym and not _specific(c, gaz, forms):
        return "too generic: no word of the name tells which body"
    return None


def judge(c: Candidate, text: str, gaz: Gazetteer, known: Known, forms: Forms, here: list[str]):
    """The gazetteer entry the candidate names, "new" for a new entity, or None (with the
    reason set on the candidate)."""
    if c.reason is not None:
        return None
    if c.entry is not None:  # the name holds a gazetteer entry as its head
        return c.entry
    for prefix, why in forms.not_names:
        if _key(c.name).startswith(_key(prefix)):
            c.reason = why
            return None
    _set_country(c, gaz, forms, here)
    if c.government:
        return _government(c, gaz)
    _fund(c, gaz, forms, here)
    entry, named = known.entry(c, here)
    if entry is None and (longer := known.written_at(text, c)) is not None:
        c.entry = entry = longer
    if entry is not None:
        return entry
    c.reason = _why_not(c, gaz, forms, named)
    return "new" if c.reason is None else None


# -- the entities ------------------------------------------------------------------------------


def _slug(c: Candidate, gaz: Gazetteer) -> str:
    """The name's slug; a national body whose name states no country carries its country,
    so that namesakes of two countries ("Ministry of Health") stay apart."""
    base = iris.slugify(c.name)
    if c.kind == "organisation" and c.country and not c.country_from_name:
        base = f"{c.country.lower()}-{base}"
    taken = gaz.organisations if c.kind == "organisation" else gaz.programmes
    return base if base not in taken else f"{base}-discovered"


class _Found:
    """The discovered entities by name and acronym, merged as they are read."""

    def __init__(self) -> None:
        self.by_key: dict[tuple[str, str, str | None], str] = {}
        self.entities: dict[str, Entity] = {}

    def add(self, c: Candidate, gaz: Gazetteer, who: dict | None) -> Entity:
        # one entity per name (or acronym) and country: "Ministry of Health" or "ANPE" of
        # Niger and of Mali are two bodies
        keys = [(c.kind, _key(n), c.country) for n in (c.name, *c.also)]
        keys += [(c.kind, c.acronym, c.country)] if c.acronym else []
        slug = next((self.by_key[k] for k in keys if k in self.by_key), None)
        if slug is None:
            slug = _slug(c, gaz)
            data: dict = {"slug": slug, "label": c.name, "discovered": True}
            if c.kind == "organisation":
                data["kind"] = c.org_kind or "other"
            if c.country:
                data["country"] = c.country
            if who:
                data["implementedBy"] = [who]
            countries = (c.country,) if c.country else ()
            self.entities[slug] = Entity(slug, c.kind, c.name, (), (), countries, data)
        e = self.entities[slug]
        acronyms = tuple(dict.fromkeys((*e.acronyms, *([c.acronym] if c.acronym else []))))
        names = [n for n in (c.name, *c.also) if n != e.label]
        variants = tuple(dict.fromkeys((*e.variants, *names)))
        if acronyms != e.acronyms or variants != e.variants:
            e.data.update({"acronym": list(acronyms)} if acronyms else {})
            e.data.update({"variants": list(variants)} if variants else {})
            e = self.entities[slug] = replace(e, acronyms=acronyms, variants=variants)
        for k in keys:
            self.by_key.setdefault(k, slug)
        return e


def _implementer(c: Candidate, p: Passage, gaz: Gazetteer, forms: Forms, reporter) -> dict | None:
    """The organisation a programme's sentence says implements it ("implemented by the
    Ministry of Health"), with the sentence as its quote; None for the reporter."""
    if c.kind != "programme":
        return None
    s, e = sentence_at(p.text, c.start)
    sentence = p.text[s:e]
    m = forms.implementer.search(sentence)
    if m is None:
        return None
    for o in gaz.organisations_in(sentence):
        if o.start == m.end() and (reporter is None or o.iri != reporter.iri):
            return {"org": o.key, "quote": sentence}
    return None


def _reporter_named(c: Candidate, reporter) -> bool:
    return reporter is not None and any(
        reporter.names.fullmatch(n) for n in (c.name, c.acronym) if n
    )


def discover(
    doc: Document,
    gaz: Gazetteer,
    countries: dict[int, list[str]],
    reporter=None,
    forms: Forms | None = None,
) -> Discovery:
    """Read every passage of `doc` for names. `countries`: passage n -> its heading's
    countries; `reporter`: the reporting organisation (entities.Reporter), never discovered.
    Organisations are settled before programmes, so that a programme's implementer may be
    a body discovered in the same report."""
    forms = forms or load_forms()
    known = _known(gaz, forms)
    ordinary = {w for p in doc.passages for w in re.findall(r"\b[a-zà-ÿ][\w\-]*", p.text)}
    out = Discovery(gaz)
    found = _Found()
    variants: dict[str, list[str]] = {}
    read = []
    for p in doc.passages:
        here = countries.get(p.n, [])
        for c in read_passage(p, own_text(p, doc.passages), gaz, here, forms, ordinary):
            out.candidates.append(c)
            read.append((p, here, c))
            out.mentions += [(p.n, m) for m in c.holds]
    for kind in ("organisation", "programme"):
        orgs_so_far = extend(gaz, list(found.entities.values()), variants)
        for p, here, c in read:
            if c.kind != kind:
                continue
            _settle(c, p, here, gaz, orgs_so_far, known, forms, reporter, found, variants, out)
    out.entities = list(found.entities.values())
    out.gazetteer = extend(gaz, out.entities, variants)
    return out


def _settle(c, p, here, gaz, orgs_so_far, known, forms, reporter, found, variants, out) -> None:
    """Decide one candidate: a gazetteer entry (maybe a new spelling of it), a new entity,
    or ignored; its span becomes a mention of what it names."""
    if _reporter_named(c, reporter):
        c.status, c.reason, c.iri = "gazetteer", "the reporting organisation", reporter.iri
        return
    verdict = judge(c, p.text, gaz, known, forms, here)
    if verdict is None:
        return
    if isinstance(verdict, Entity):
        e = verdict
        if e.data.get("place_name") and known.index(c.kind).names_a_place(p.text, c.start, c.end):
            c.reason = "a place here (an organisation's name after a locative word)"
            return
        c.status, c.iri = "gazetteer", e.iri
        surface = c.name  # single-spaced, a bracketed acronym inside aside
        if c.entry is None and surface not in e.surfaces and surface != c.acronym:
            variants.setdefault(e.slug, []).append(surface)
            c.variant_of = e.slug
    else:
        e = found.add(c, gaz, _implementer(c, p, orgs_so_far, forms, reporter))
        c.status, c.iri = "discovered", e.iri
    if c.entry is None:
        surface = p.text[c.start : c.span_end]
        out.mentions.append((p.n, Match(e.slug, c.kind, e.iri, c.start, c.span_end, surface)))
