"""The records of the document itself: the report, its passages (with what each names, and
the place its heading gives it) and its actions."""

from __future__ import annotations

import re
from dataclasses import dataclass

from poagraph import iris
from poagraph.errors import ReportError

from .annotations import mark_inferred
from .evidence import Evidence
from .gazetteer import Gazetteer, Match, PlaceRef
from .report import Document, Passage, line_of

#: What a passage's names are evidence of: countries and regions are shared resources on
#: which a report states nothing (the passage keeps them as poa:mentions).
EVIDENCED = ("organisation", "programme")


#: How to make a heading's place known, at the end of each place warning.
_ADD_PLACE = "add it to mappings/countries.yaml (aliases) or mappings/regions.yaml"


def check_places(doc: Document, gaz: Gazetteer) -> list[ReportError]:
    """What the place headings leave unplaced, one error per heading (file:line): a heading
    naming no known country or region (its passages carry none), the unknown parts of one
    naming some ("Niger and Atlantis": Niger is kept), the regions after the first of one
    naming several. The build prints them as warnings, or raises the first (--strict)."""
    out = []
    for place in doc.places:
        ref = gaz.resolve_place(place.heading)
        problem = _place_problem(place.heading, ref, gaz)
        if problem:
            out.append(ReportError(problem, doc.path, line_of(doc.text, place.start)))
    return out


def _place_problem(heading: str, ref: PlaceRef, gaz: Gazetteer) -> str | None:
    if ref.is_general:
        return None
    if not (ref.countries or ref.regions):
        return f"place heading {heading!r} names no known country or region: {_ADD_PLACE}"
    if ref.unresolved:
        unknown = ", ".join(repr(u) for u in ref.unresolved)
        return (
            f"place heading {heading!r}: {unknown} names no known country or region: {_ADD_PLACE}"
        )
    if len(ref.regions) > 1:
        first = gaz.regions[ref.regions[0]].label
        return (
            f"place heading {heading!r} names several regions; its passages are placed in "
            f"the first, {first!r}, only: add the heading to mappings/regions.yaml as one region"
        )
    return None


def report_record(doc: Document, reporter: str) -> dict:
    """The report; its year (dcterms:issued) comes from the metadata and is marked inferred
    unless the title or the lines before the first commitment write it."""
    rec = {
        "@id": iris.report(doc.slug),
        "@type": "Report",
        "title": doc.title,
        "label": doc.title,
        "reportedBy": reporter,
    }
    year = doc.metadata.get("year")
    if year:
        rec["issued"] = {"@value": str(year), "@type": "xsd:gYear"}
        front = doc.text[: doc.commitments[0].start] if doc.commitments else ""
        # a year inside a range ("the decade 2001-2010") does not date the report
        written = re.compile(rf"(?<![\d–-]){re.escape(str(year))}(?![\d–-])")
        if not (written.search(front) or written.search(doc.title)):
            mark_inferred(
                rec,
                ["issued"],
                f"the year {year} is from the report's metadata; the report does not date itself",
            )
    return rec


@dataclass
class Passages:
    """The passage records, and what the later steps need of the passages."""

    records: list[dict]
    mentions: dict[int, list[Match]]  #: passage n -> what the gazetteers find in it
    heading_region: dict[int, str]  #: passage n -> the region its place heading names
    addresses: dict[int, str]  #: passage n -> the action (or commitment) it sits under


def passages(
    doc: Document, gaz: Gazetteer, countries: dict[int, list[str]], evidence: Evidence
) -> Passages:
    """One record per passage; every organisation or programme it names is noted as evidence
    of it (its sentence)."""
    actions = {a.n: a for a in doc.actions}
    out = Passages([], {}, {}, {})
    for p in doc.passages:
        here = countries.get(p.n, [])
        found = gaz.mentions(p.text, here)
        out.mentions[p.n] = found
        for m in found:
            if m.kind in EVIDENCED:
                evidence.note_mention(p, m)
        rec = _passage_record(doc, p)
        if p.action is not None:
            a = actions[p.action]
            rec["addresses"] = iris.action(a.commitment, a.title)
        elif p.commitment is not None:
            rec["addresses"] = iris.commitment(p.commitment)
        if "addresses" in rec:
            out.addresses[p.n] = rec["addresses"]
        if here:
            rec["country"] = [iris.country(c) for c in here]
        region = gaz.resolve_place(p.place.heading).region if p.place is not None else None
        if region:
            rec["region"] = iris.region(region)
            out.heading_region[p.n] = region
        if found:
            rec["mentions"] = list(dict.fromkeys(m.iri for m in found))
        if p.footnote is not None:
            rec["footnoteNumber"] = p.footnote
        out.records.append(rec)
    return out


def _passage_record(doc: Document, p: Passage) -> dict:
    return {
        "@id": iris.passage(doc.slug, p.n),
        "@type": ["Passage", "Footnote"] if p.kind == "footnote" else "Passage",
        "text": p.text,
        "startOffset": p.start,
        "endOffset": p.end,
        "inReport": iris.report(doc.slug),
    }


def actions(doc: Document) -> list[dict]:
    return [
        {
            "@id": iris.action(a.commitment, a.title),
            "@type": ["Action", "skos:Concept"],
            "prefLabel": a.title,
            "broader": iris.commitment(a.commitment),
            "inScheme": iris.BPOA,
        }
        for a in doc.actions
    ]
