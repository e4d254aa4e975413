"""The named things of a report: who wrote it, the organisations and regions it names.

Each step takes what it reads (the gazetteer, the evidence noted so far) and returns its
records with the organisations and regions it brought in; what ends in the graph is what
the passages name plus what a stated fact needs. Nothing from the report is stated on a
shared resource (a country, a region's evidence): the passages keep their mentions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from poagraph import iris, reference
from poagraph.errors import MappingsError

from .annotations import Wording, check_label, mark_inferred
from .evidence import Evidence, Span, as_list, find_quote
from .gazetteer import Entity, Gazetteer, Match
from .report import Document

#: What may surround the organisation's names in the title: "the", brackets, commas.
_AROUND_NAMES = re.compile(r"(?:\s|[(),]|\bthe\b)*", re.IGNORECASE)


def reporting_organisation(doc: Document, gaz: Gazetteer) -> str:
    """The IRI of the organisation that wrote the report, for the Report and every Outcome.

    A gazetteer organisation wins when the title names it and nothing else: its full name,
    an acronym, or both ("International Organization for Migration (IOM)"). Otherwise the
    IRI is minted from the name as the title writes it."""
    name = doc.organisation
    hits = gaz.organisations_in(name)
    rest = name
    for h in reversed(hits):
        rest = rest[: h.start] + " " + rest[h.end :]
    if len({h.iri for h in hits}) == 1 and _AROUND_NAMES.fullmatch(rest):
        return hits[0].iri
    return iris.organisation(iris.slugify(name))


#: "Ruritanian Development Agency (RDA)": a name with its acronym in brackets.
_NAME_AND_ACRONYM = re.compile(r"(?P<name>.+?)\s*\((?P<acronym>[^()]+)\)")


def reporter_records(doc: Document, gaz: Gazetteer, reporter: str) -> list[dict]:
    """A reporting organisation the gazetteers do not know is described from the title
    (label, and acronym where the title gives one), so that the Report and every Outcome
    point at an Organisation of the graph; a known one has its gazetteer record."""
    if reporter.rsplit("/", 1)[-1] in gaz.organisations:
        return []
    m = _NAME_AND_ACRONYM.fullmatch(doc.organisation)
    rec: dict = {
        "@id": reporter,
        "@type": "Organisation",
        "label": m["name"] if m else doc.organisation,
        "organisationKind": organisation_kind("other"),
    }
    if m:
        rec["acronym"] = [m["acronym"]]
    return [rec]


def organisation_kind(kind: str) -> str:
    return f"{reference.ORGANISATION_KIND_SCHEME}/{kind}"


@dataclass
class Named:
    """Records of one step and the organisations and regions (slugs) they name."""

    records: list[dict] = field(default_factory=list)
    organisations: set[str] = field(default_factory=set)
    regions: set[str] = field(default_factory=set)


def known_organisation(gaz: Gazetteer, slug: str, where: str) -> Entity:
    """The gazetteer organisation `slug`, which a fact of a mappings file names."""
    if slug not in gaz.organisations:
        raise MappingsError(f"{where}: unknown organisation {slug!r}")
    return gaz.organisations[slug]


def name_organisation(out: Named, evidence: Evidence, org: Entity, span: Span | None) -> str:
    """An organisation named by a programme or event fact is in the graph even if no
    passage names it on its own; the fact's words are then its evidence too."""
    out.organisations.add(org.slug)
    if span is not None and org.iri not in evidence:
        evidence.note(org.iri, span)
    return org.iri


# -- the reporting organisation's names ----------------------------------------------------


@dataclass(frozen=True)
class Reporter:
    """The reporting organisation: its IRI and its names (whole words), to tell whether a
    sentence names it."""

    iri: str
    names: re.Pattern[str]


def reporter(doc: Document, gaz: Gazetteer) -> Reporter:
    """The reporting organisation with its names (gazetteer names, or the title's name and
    acronym)."""
    iri = reporting_organisation(doc, gaz)
    return Reporter(iri, _reporter_pattern(doc, gaz, iri))


def _reporter_pattern(doc: Document, gaz: Gazetteer, reporter: str) -> re.Pattern[str]:
    e = gaz.organisations.get(reporter.rsplit("/", 1)[-1])
    if e is not None and e.iri == reporter:
        names = list(e.surfaces)
    else:
        m = _NAME_AND_ACRONYM.fullmatch(doc.organisation)
        names = [doc.organisation, *([m["name"], m["acronym"]] if m else [])]
    return names_pattern(names)


def names_pattern(names: Iterable[str]) -> re.Pattern[str]:
    """Any of `names` as whole words, longest first; ' also matches the typographic ’."""
    names = sorted({n.replace("’", "'") for n in names if n}, key=len, reverse=True)
    alternatives = "|".join(re.escape(n).replace("'", "['’]") for n in names)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


def note_reporter(doc: Document, gaz: Gazetteer, who: Reporter, evidence: Evidence) -> None:
    """A reporting organisation the gazetteers do not know: the passages that name it are
    its evidence (its sentence each), as a gazetteer hit would be."""
    if who.iri in evidence or who.iri.rsplit("/", 1)[-1] in gaz.organisations:
        return
    for p in doc.passages:
        for m in who.names.finditer(p.text):
            evidence.note_mention(p, Match("", "organisation", who.iri, *m.span(), m.group(0)))


# -- organisations and regions ---------------------------------------------------------------


def _surfaces_in(e: Entity, evidence: Evidence) -> list[str]:
    """The entity's names as the report writes them: where passages name it, else as the
    words of its evidence hold them."""
    found = evidence.of(e.iri)
    own = {v.replace("’", "'") for v in e.surfaces}
    if found.surfaces:
        # its own names first; a group surface ("Governments of Ireland and Norway") only
        # when the report never names it alone
        mine = [v for v in found.surfaces if v.replace("’", "'") in own]
        return mine or found.surfaces
    words = " ".join(evidence.words(s) for s in found.spans).replace("’", "'")
    return [s for s in e.surfaces if s.replace("’", "'") in words]


def entity_record(e: Entity, rdf_type: str, evidence: Evidence, wording: Wording) -> dict:
    """Label, variants and acronyms of a gazetteer entity; a label the report never writes
    is marked inferred."""
    f = evidence.of(e.iri)
    shown = {e.label, *e.acronyms}
    # Seen spellings of its own names only: a group surface ("Governments of Ireland
    # and Norway") names several bodies and is no label of any.
    own = {v.replace("’", "'") for v in e.surfaces}
    seen = [v for v in f.surfaces if v.replace("’", "'") in own]
    alt = [v for v in (*as_list(e.data.get("variants")), *seen) if v not in shown]
    rec: dict = {"@id": e.iri, "@type": rdf_type, "label": e.label}
    if alt:
        rec["altLabel"] = list(dict.fromkeys(alt))
    if e.acronyms:
        rec["acronym"] = list(e.acronyms)
    where = f"mappings/{e.kind}s.yaml"
    check_label(rec, wording, _surfaces_in(e, evidence), e.data.get("label_note"), where)
    return rec


def organisations(
    gaz: Gazetteer, evidence: Evidence, used: set[str], wording: Wording
) -> list[dict]:
    """Every gazetteer organisation a passage names, or a fact needs (`used` slugs)."""
    records, kinds = [], reference.organisation_kinds()
    for e in gaz.organisations.values():
        if e.iri not in evidence and e.slug not in used:
            continue
        rec = entity_record(e, "Organisation", evidence, wording)
        kind = e.data.get("kind", "other")
        if kind not in kinds:
            raise MappingsError(f"organisations.yaml {e.slug}: unknown kind {kind!r}")
        rec["organisationKind"] = organisation_kind(kind)
        if e.data.get("discovered"):
            rec["discovered"] = True
        if e.countries:
            rec["country"] = iris.country(e.countries[0])
        records.append(rec)
    return records


def mentioned(mentions: dict[int, list[Match]], kind: str) -> list[str]:
    """The keys (slugs, ISO3 codes) of the mentions of one kind, in order of first mention."""
    return list(dict.fromkeys(m.key for ms in mentions.values() for m in ms if m.kind == kind))


#: Why a region's members are what they are, when regions.yaml gives no `note`.
MEMBERS_NOTE = "the member list is curated in mappings/regions.yaml; the report does not list it"


def regions(doc: Document, gaz: Gazetteer, used: Iterable[str], wording: Wording) -> list[dict]:
    """The records of the regions `used` (slugs), in slug order. A member list is inferred
    unless its `stated` quote (the report's words listing the members) is in this report."""
    records = []
    for slug in sorted(set(used)):
        r = gaz.regions.get(slug)
        if r is None:
            raise MappingsError(f"unknown region {slug!r}")
        rec: dict = {"@id": r.iri, "@type": "Region", "label": r.label}
        if r.variants:
            rec["altLabel"] = list(r.variants)
        if r.countries:
            rec["includesCountry"] = [iris.country(c) for c in r.countries]
            stated = r.data.get("stated")
            if not (stated and find_quote(doc, str(stated))):
                mark_inferred(rec, ["includesCountry"], r.data.get("note") or MEMBERS_NOTE)
        used_names = [n for n in (r.label, *r.variants) if wording.writes(n)]
        check_label(rec, wording, used_names, r.data.get("label_note"), "mappings/regions.yaml")
        records.append(rec)
    return records
