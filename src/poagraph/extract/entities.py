"""The named things of a report: who wrote it, the programmes it describes, the
organisations and regions it names, and the countries it mentions.

Each step takes what it reads (the gazetteer, the evidence noted so far) and returns its
records with the organisations and regions it brought in; what ends in the graph is what
the passages name plus what a stated fact needs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from poagraph import iris, reference
from poagraph.errors import MappingsError

from .evidence import Evidence, as_list, locate
from .gazetteer import Entity, Gazetteer, Match
from .report import Document, Passage

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


def name_organisation(
    out: Named, evidence: Evidence, org: Entity, p: Passage | None, quote: str | None
) -> str:
    """An organisation named by a programme or event fact is in the graph even if no
    passage names it on its own; the fact's passage is then its evidence too."""
    out.organisations.add(org.slug)
    if p is not None and org.iri not in evidence:
        evidence.note(org.iri, p, quote)
    return org.iri


# -- programmes ------------------------------------------------------------------------------


def programmes(
    doc: Document,
    gaz: Gazetteer,
    countries: dict[int, list[str]],
    heading_region: dict[int, str],
    reporter: str,
    evidence: Evidence,
) -> Named:
    """The programmes the report names or describes (programmes.yaml facts whose quote is
    in the text), with who implements, funds and partners in them and where they run."""
    out = Named()
    for e in gaz.programmes.values():
        relations = _relations(doc, gaz, e, evidence, out)
        for quote in as_list(e.data.get("quote")):
            p = locate(doc, quote)
            if p is not None:
                evidence.note(e.iri, p, quote)
        if e.iri not in evidence:
            continue  # the report does not name or describe it
        if "implementedBy" not in e.data:
            relations["implementedBy"] = [reporter]
        rec = entity_record(e, "Programme", evidence)
        rec.update({k: list(dict.fromkeys(v)) for k, v in relations.items() if v})
        rec.update(_where_it_runs(e, evidence, countries, heading_region, out))
        if e.data.get("partOf"):
            rec["isPartOf"] = iris.programme(e.data["partOf"])
        for key in ("startYear", "endYear"):
            if e.data.get(key):
                rec[key] = {"@value": str(e.data[key]), "@type": "xsd:gYear"}
        out.records.append(rec)
    return out


def _relations(
    doc: Document, gaz: Gazetteer, e: Entity, evidence: Evidence, out: Named
) -> dict[str, list[str]]:
    """implementedBy / partner / fundedBy -> organisation IRIs, for the facts the report
    states (a fact with a quote that is not in the text belongs to another report)."""
    relations: dict[str, list[str]] = {}
    for key in ("implementedBy", "partner", "fundedBy"):
        for item in e.data.get(key) or []:
            slug, quote = (
                (item, None) if isinstance(item, str) else (item["org"], item.get("quote"))
            )
            org = known_organisation(gaz, slug, f"programmes.yaml {e.slug} {key}")
            p = None
            if quote is not None:
                p = locate(doc, quote)
                if p is None:
                    continue
                evidence.note(e.iri, p, quote)
            relations.setdefault(key, []).append(org.iri)
            name_organisation(out, evidence, org, p, quote)
    return relations


def _where_it_runs(
    e: Entity,
    evidence: Evidence,
    countries: dict[int, list[str]],
    heading_region: dict[int, str],
    out: Named,
) -> dict:
    """The gazetteer's countries and region, and the place headings of the passages that
    name the programme."""
    places, regions = list(e.countries), [e.data.get("region")]
    for n in evidence.of(e.iri).evidence:
        places += countries.get(n, [])
        regions.append(heading_region.get(n))
    rec: dict = {}
    if places:
        rec["country"] = [iris.country(c) for c in dict.fromkeys(places)]
    regions = [r for r in dict.fromkeys(regions) if r]
    if regions:
        rec["region"] = [iris.region(r) for r in regions]
        out.regions.update(regions)
    return rec


# -- organisations, regions, countries ----------------------------------------------------


def entity_record(e: Entity, rdf_type: str, evidence: Evidence) -> dict:
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
    rec.update(evidence.fields(e.iri))
    return rec


def organisations(gaz: Gazetteer, evidence: Evidence, used: set[str]) -> list[dict]:
    """Every gazetteer organisation a passage names, or a fact needs (`used` slugs)."""
    records, kinds = [], reference.organisation_kinds()
    for e in gaz.organisations.values():
        if e.iri not in evidence and e.slug not in used:
            continue
        rec = entity_record(e, "Organisation", evidence)
        kind = e.data.get("kind", "other")
        if kind not in kinds:
            raise MappingsError(f"organisations.yaml {e.slug}: unknown kind {kind!r}")
        rec["organisationKind"] = organisation_kind(kind)
        if e.countries:
            rec["country"] = iris.country(e.countries[0])
        records.append(rec)
    return records


def mentioned(mentions: dict[int, list[Match]], kind: str) -> list[str]:
    """The keys (slugs, ISO3 codes) of the mentions of one kind, in order of first mention."""
    return list(dict.fromkeys(m.key for ms in mentions.values() for m in ms if m.kind == kind))


def regions(gaz: Gazetteer, evidence: Evidence, used: Iterable[str]) -> list[dict]:
    """The records of the regions `used` (slugs), in slug order."""
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
        rec.update(evidence.fields(r.iri))
        records.append(rec)
    return records


def country_evidence(evidence: Evidence, mentions: dict[int, list[Match]]) -> list[dict]:
    """Where each country is named (the Country resources live in the vocab graph)."""
    iso3s = mentioned(mentions, "country")
    return [{"@id": iris.country(c), **evidence.fields(iris.country(c))} for c in iso3s]
