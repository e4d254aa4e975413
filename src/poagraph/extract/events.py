"""Dated events of a report (conferences, workshops), curated in mappings/events.yaml.

Each event is listed under its report's slug with a label, a date, the quotes that state it
(each must be in the report), its participants (organisation slugs or ISO3 codes, or "the
countries / organisations of footnote N") and who funded it.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from poagraph import iris
from poagraph.errors import MappingsError, ReportError

from .entities import Named, known_organisation, name_organisation
from .evidence import Evidence, as_list, locate
from .gazetteer import Gazetteer
from .report import Document, Passage

_DATE_KINDS = {3: "xsd:date", 2: "xsd:gYearMonth", 1: "xsd:gYear"}


def events(doc: Document, gaz: Gazetteer, events_file: Path, evidence: Evidence) -> Named:
    """The events of `doc` in `events_file`, in file order (IRIs iris.event(slug, n))."""
    out = Named()
    data = _read_yaml(events_file) or {}
    footnotes = {p.footnote: p for p in doc.footnotes}
    for n, ev in enumerate(data.get(doc.slug) or [], 1):
        where = f"{events_file.name} {doc.slug}[{n}] {ev.get('label')!r}"
        iri = iris.event(doc.slug, n)
        first, first_quote = _note_quotes(doc, ev, iri, where, evidence)
        participants = [
            _participant(gaz, item, where, first, first_quote, evidence, out)
            for item in as_list(ev.get("participants"))
        ]
        for kind, numbers in (ev.get("participants_from") or {}).items():
            for number in numbers:
                fp = footnotes.get(number)
                if fp is None:
                    raise ReportError(f"{where}: the report has no footnote {number}")
                participants += _footnote_participants(gaz, kind, fp, iri, where, evidence, out)
        rec = _event_record(ev, iri, where, out)
        if participants:
            rec["participant"] = list(dict.fromkeys(participants))
        funders = [
            name_organisation(
                out, evidence, known_organisation(gaz, slug, where), first, first_quote
            )
            for slug in as_list(ev.get("fundedBy"))
        ]
        if funders:
            rec["fundedBy"] = funders
        rec.update(evidence.fields(iri))
        out.records.append(rec)
    return out


def _note_quotes(
    doc: Document, ev: dict, iri: str, where: str, evidence: Evidence
) -> tuple[Passage, str]:
    """Note the passages of the event's quotes; returns the first passage and quote (the
    evidence of the participants and funders the event names)."""
    missing = [k for k in ("label", "date", "quote") if not ev.get(k)]
    if missing:
        raise MappingsError(f"{where}: missing {', '.join(missing)}")
    quotes = [str(q) for q in as_list(ev.get("quote"))]
    if not quotes:
        raise MappingsError(f"{where}: an event needs at least one quote")
    located = [(q, locate(doc, q)) for q in quotes]
    for q, p in located:
        if p is None:
            raise ReportError(f"{where}: quote not found in the report: {q!r}")
    for q, p in located:
        evidence.note(iri, p, q)
    first_quote, first = located[0]
    return first, first_quote


def _participant(
    gaz: Gazetteer,
    item: str,
    where: str,
    p: Passage,
    quote: str,
    evidence: Evidence,
    out: Named,
) -> str:
    if item in gaz.organisations:
        return name_organisation(out, evidence, gaz.organisations[item], p, quote)
    if len(item) == 3 and item.isupper():
        return iris.country(item)
    raise MappingsError(f"{where}: participant {item!r} is neither an organisation nor ISO3")


def _footnote_participants(
    gaz: Gazetteer, kind: str, fp: Passage, iri: str, where: str, evidence: Evidence, out: Named
) -> list[str]:
    """The countries or organisations a footnote lists; the footnote is evidence of the
    event too, its words (after the mark) quoted."""
    evidence.note(iri, fp, fp.text.lstrip("¹²³⁴⁵⁶⁷⁸⁹⁰ "))
    if kind == "countries":
        hits = gaz.countries_in(fp.text)
    elif kind == "organisations":
        hits = gaz.organisations_in(fp.text)
        out.organisations.update(h.key for h in hits)
    else:
        raise MappingsError(f"{where}: participants_from {kind!r}?")
    return [h.iri for h in hits]


def _event_record(ev: dict, iri: str, where: str, out: Named) -> dict:
    rec: dict = {"@id": iri, "@type": "Event", "label": ev["label"]}
    rec["date"] = _date_literal(str(ev["date"]), where)
    if ev.get("endDate"):
        rec["endDate"] = _date_literal(str(ev["endDate"]), where)
    if ev.get("country"):
        rec["country"] = [iris.country(c) for c in as_list(ev["country"])]
    if ev.get("region"):
        rec["region"] = iris.region(ev["region"])
        out.regions.add(ev["region"])
    return rec


def _date_literal(value: str, where: str) -> dict:
    """2006-02-09 -> xsd:date, 2005-10 -> xsd:gYearMonth, 2003 -> xsd:gYear."""
    parts = value.split("-")
    if not all(x.isdigit() for x in parts) or len(parts) not in _DATE_KINDS or len(parts[0]) != 4:
        raise MappingsError(f"{where}: not a date (YYYY, YYYY-MM or YYYY-MM-DD): {value!r}")
    return {"@value": value, "@type": _DATE_KINDS[len(parts)]}


def _read_yaml(path: Path):
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except yaml.YAMLError as e:
        raise MappingsError(f"not valid YAML: {e}", path) from e
