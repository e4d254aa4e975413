"""The programmes a report names or describes (programmes.yaml), with who implements, funds
and partners in them, the actions they address and where they run.

A programme's describing passages are those holding words that describe its work: a
curated quote of programmes.yaml (its `quote`, or the quote of one of its relations) or
the sentence of one of its outcomes. Without any (a programme the gazetteer only names),
the passages that name it by a full name (label or variant, not the acronym alone). Its
poa:addresses are the actions (or commitments) of those passages and its countries the
stated ones plus their place headings: a passing mention elsewhere ties it to nothing.
"""

from __future__ import annotations

import re

from poagraph import iris

from .annotations import Wording, mark_inferred, statement
from .entities import (
    Named,
    Reporter,
    entity_record,
    known_organisation,
    name_organisation,
    names_pattern,
)
from .evidence import Evidence, Span, find_quote
from .gazetteer import Entity, Gazetteer
from .report import Document

RELATIONS = ("implementedBy", "partner", "fundedBy")


def programmes(
    doc: Document,
    gaz: Gazetteer,
    places: dict[int, tuple[list[str], str | None, str | None]],
    reporter: Reporter,
    evidence: Evidence,
    outcome_spans: dict[str, list[Span]],
    wording: Wording,
) -> Named:
    """The programme records. `places`: passage n -> (its heading's countries, its heading's
    region, the action or commitment it addresses); `reporter`: the reporting organisation
    (the implementer unless programmes.yaml names one); `outcome_spans`: programme IRI ->
    the words of its outcomes."""
    out = Named()
    for e in gaz.programmes.values():
        curated, relations, unquoted = _relations(doc, gaz, e, evidence, out)
        for quote in _quotes(e.data.get("quote")):
            span = find_quote(doc, quote)
            if span is not None:
                curated.append(evidence.note(e.iri, span))
        outcomes = outcome_spans.get(e.iri, [])
        if e.iri not in evidence and not outcomes:
            continue  # the report does not name or describe it
        for span in outcomes if e.iri not in evidence else ():
            evidence.note(e.iri, span)
        describing = (curated + outcomes) or _full_name_spans(e, evidence)
        rec = entity_record(e, "Programme", evidence, wording)
        if e.data.get("discovered"):
            rec["discovered"] = True
        if "implementedBy" not in e.data:
            relations["implementedBy"] = [reporter.iri]
            unquoted.append(("implementedBy", reporter.iri, reporter.names))
        for key, org, names in unquoted:
            _state_or_infer(rec, e, key, org, names, describing, evidence)
        rec.update({k: list(dict.fromkeys(v)) for k, v in relations.items() if v})
        rec.update(_where(e, describing, places, out))
        if e.data.get("partOf"):
            rec["isPartOf"] = iris.programme(e.data["partOf"])
        for key in ("startYear", "endYear"):
            if e.data.get(key):
                rec[key] = {"@value": str(e.data[key]), "@type": "xsd:gYear"}
        out.records.append(rec)
    return out


def _quotes(value) -> list[str]:
    if value is None:
        return []
    return [str(value)] if isinstance(value, str) else [str(v) for v in value]


def _relations(
    doc: Document, gaz: Gazetteer, e: Entity, evidence: Evidence, out: Named
) -> tuple[list[Span], dict[str, list[str]], list]:
    """implementedBy / partner / fundedBy -> organisation IRIs, for the facts the report
    states (a fact with a quote that is not in the text belongs to another report). Each
    quoted fact is a statement noted with its quote; a fact without a quote is returned in
    `unquoted` (key, organisation IRI, its names) to be found in the describing words."""
    curated: list[Span] = []
    relations: dict[str, list[str]] = {}
    unquoted: list = []
    for key in RELATIONS:
        for item in e.data.get(key) or []:
            slug, quote = (
                (item, None) if isinstance(item, str) else (item["org"], item.get("quote"))
            )
            org = known_organisation(gaz, slug, f"programmes.yaml {e.slug} {key}")
            span = None
            if quote is not None:
                span = find_quote(doc, str(quote))
                if span is None:
                    continue
                curated.append(evidence.note(e.iri, span))
                evidence.note(statement(e.iri, key, org.iri), span)
            else:
                unquoted.append((key, org.iri, names_pattern(org.surfaces)))
            relations.setdefault(key, []).append(org.iri)
            name_organisation(out, evidence, org, span)
    return curated, relations, unquoted


def _full_name_spans(e: Entity, evidence: Evidence) -> list[Span]:
    """The spans where a passage names the programme by its label or a variant."""

    def plain(name: str) -> str:  # a name cut by a page break is the same name
        return " ".join(name.replace("’", "'").split())

    full = {plain(n) for n in (e.label, *e.variants)} - set(e.acronyms)
    named = evidence.of(e.iri).named
    return [s for s, surface in named.items() if plain(surface) in full]


def _state_or_infer(
    rec: dict,
    e: Entity,
    key: str,
    org: str,
    names: re.Pattern[str],
    describing: list[Span],
    evidence: Evidence,
) -> None:
    """A relation without its own quote (the reporting organisation as implementer by
    default): stated by the describing words that name the organisation (the quote, or
    its sentence), inferred when none does."""
    stated: dict[int, Span] = {}
    for span in describing:
        for candidate in (span, evidence.sentences(span)):
            if span.passage not in stated and names.search(evidence.words(candidate)):
                stated[span.passage] = evidence.note(statement(e.iri, key, org), candidate)
    if stated:
        return
    if key == "implementedBy" and "implementedBy" not in e.data:
        reason = (
            "the reporting organisation, as the report's author: no sentence describing "
            "the programme says who implements it"
        )
    else:
        reason = f"given in mappings/programmes.yaml without the report's words ({e.slug})"
    mark_inferred(rec, [key], reason)


def _where(
    e: Entity,
    describing: list[Span],
    places: dict[int, tuple[list[str], str | None, str | None]],
    out: Named,
) -> dict:
    """poa:addresses, countries and regions: as stated, plus what the headings of the
    describing passages give; a global programme (`global: true`) runs in no country."""
    is_global = bool(e.data.get("global"))
    countries, regions, addresses = list(e.countries), [e.data.get("region")], []
    for n in dict.fromkeys(s.passage for s in describing):
        here, region, addressed = places.get(n, ([], None, None))
        addresses.append(addressed)
        if not is_global:
            countries += here
            regions.append(region)
    rec: dict = {}
    if addresses := [a for a in dict.fromkeys(addresses) if a]:
        rec["addresses"] = addresses
    if countries and not is_global:
        rec["country"] = [iris.country(c) for c in dict.fromkeys(countries)]
    if regions := [r for r in dict.fromkeys(regions) if r]:
        rec["region"] = [iris.region(r) for r in regions]
        out.regions.update(regions)
    return rec
