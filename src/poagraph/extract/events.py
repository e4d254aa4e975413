"""Dated events of a report (conferences, workshops), curated in mappings/events.yaml.

Each event is listed under its report's slug with a label, a date (optional: undated
meetings), the quotes that state it (each must be in the report), its participants
(organisation slugs or ISO3 codes, or "the countries / organisations of footnote N") and who
funded it. The quotes are the event's evidence; a participant or funder is stated by the
quote (or its sentence) that names it, and marked inferred when none does. Names in the
quotes resolve by the countries of their passage's heading, as everywhere: "Ministry of
Women's Affairs" under Cambodia is Cambodia's, not Afghanistan's.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml

from poagraph import iris
from poagraph.errors import MappingsError, ReportError

from . import yamlfiles
from .annotations import Wording, mark_inferred, statement
from .entities import Named, known_organisation, name_organisation
from .evidence import Evidence, Span, as_list, find_quote
from .gazetteer import Gazetteer, passage_countries
from .report import Document, Passage

#: Why an event's label is marked inferred, when events.yaml gives no `label_note`.
LABEL_NOTE = (
    "a name the curators gave it; the report does not write it (the report's words are in "
    "the event's annotations)"
)

_DATE_KINDS = {3: "xsd:date", 2: "xsd:gYearMonth", 1: "xsd:gYear"}


def events(
    doc: Document,
    gaz: Gazetteer,
    events_file: Path,
    evidence: Evidence,
    wording: Wording,
    heading: dict[int, list[str]] | None = None,
) -> Named:
    """The events of `doc` in `events_file`, in file order (IRIs iris.event(slug, n)).
    `heading`: each passage's place-heading countries (worked out when not given)."""
    out = Named()
    data = _read_yaml(events_file) or {}
    footnotes = {p.footnote: p for p in doc.footnotes}
    heading = heading if heading is not None else passage_countries(doc, gaz)
    for n, ev in enumerate(data.get(doc.slug) or [], 1):
        where = f"{events_file.name} {doc.slug}[{n}] {ev.get('label')!r}"
        iri = iris.event(doc.slug, n)
        said = _note_quotes(doc, ev, iri, where, evidence)
        rec = _event_record(ev, iri, where, out)
        participants = [
            _participant(gaz, heading, item, where, said, evidence, out, rec)
            for item in as_list(ev.get("participants"))
        ]
        for kind, numbers in (ev.get("participants_from") or {}).items():
            for number in numbers:
                fp = footnotes.get(number)
                if fp is None:
                    raise ReportError(f"{where}: the report has no footnote {number}")
                participants += _footnote_participants(
                    gaz, heading, kind, fp, where, evidence, out, iri
                )
        if participants:
            rec["participant"] = list(dict.fromkeys(participants))
        funders = []
        for slug in as_list(ev.get("fundedBy")):
            org = known_organisation(gaz, slug, where)
            names = _naming(gaz, heading, evidence, org.iri)
            span = _stated(rec, "fundedBy", org.iri, names, said, evidence)
            funders.append(name_organisation(out, evidence, org, span or said[0]))
        if funders:
            rec["fundedBy"] = funders
        if not wording.writes(rec["label"]):
            mark_inferred(rec, ["label"], ev.get("label_note") or LABEL_NOTE)
        out.records.append(rec)
    return out


def _note_quotes(doc: Document, ev: dict, iri: str, where: str, evidence: Evidence) -> list[Span]:
    """Note the event's quotes as its words; returns their spans, in file order."""
    missing = [k for k in ("label", "quote") if not ev.get(k)]
    if missing:
        raise MappingsError(f"{where}: missing {', '.join(missing)}")
    spans = []
    for q in (str(q) for q in as_list(ev.get("quote"))):
        span = find_quote(doc, q)
        if span is None:
            raise ReportError(f"{where}: quote not found in the report: {q!r}")
        spans.append(evidence.note(iri, span))
    return spans


def _naming(
    gaz: Gazetteer, heading: dict[int, list[str]], evidence: Evidence, iri: str
) -> Callable[[Span], bool]:
    """A test: do the words of a span name the organisation or country `iri`? A name that
    denotes a different body in each country resolves by the span's passage heading."""

    def names(span: Span) -> bool:
        text = evidence.words(span)
        here = heading.get(span.passage) or None
        hits = gaz.countries_in(text) + gaz.organisations_in(text, here)
        return any(h.iri == iri for h in hits)

    return names


def _stated(
    rec: dict,
    key: str,
    obj: str,
    names: Callable[[Span], bool],
    said: list[Span],
    evidence: Evidence,
) -> Span | None:
    """Note the relation (event, key, obj) with the event's words that name `obj` (a quote,
    or the sentence around it); inferred when none does. Returns the first span found."""
    first = None
    for span in said:
        for candidate in (span, evidence.sentences(span)):
            if names(candidate):
                evidence.note(statement(rec["@id"], key, obj), candidate)
                first = first or candidate
                break
    if first is None:
        mark_inferred(
            rec,
            [key],
            f"given in mappings/events.yaml; the event's quotes do not name {iris.curie(obj)}",
        )
    return first


def _participant(
    gaz: Gazetteer,
    heading: dict[int, list[str]],
    item: str,
    where: str,
    said: list[Span],
    evidence: Evidence,
    out: Named,
    rec: dict,
) -> str:
    if item in gaz.organisations:
        org = gaz.organisations[item]
        names = _naming(gaz, heading, evidence, org.iri)
        span = _stated(rec, "participant", org.iri, names, said, evidence)
        return name_organisation(out, evidence, org, span or said[0])
    if len(item) == 3 and item.isupper():
        country = iris.country(item)
        names = _naming(gaz, heading, evidence, country)
        _stated(rec, "participant", country, names, said, evidence)
        return country
    raise MappingsError(f"{where}: participant {item!r} is neither an organisation nor ISO3")


def _footnote_participants(
    gaz: Gazetteer,
    heading: dict[int, list[str]],
    kind: str,
    fp: Passage,
    where: str,
    evidence: Evidence,
    out: Named,
    iri: str,
) -> list[str]:
    """The countries or organisations a footnote lists; the footnote is evidence of the
    event and of each participation, its words (after the mark) quoted."""
    words = fp.text.rstrip()
    start = len(words) - len(words.lstrip("¹²³⁴⁵⁶⁷⁸⁹⁰ "))
    span = evidence.note(iri, Span(fp.n, start, len(words)))
    if kind == "countries":
        hits = gaz.countries_in(fp.text)
    elif kind == "organisations":
        hits = gaz.organisations_in(fp.text, heading.get(fp.n) or None)
        out.organisations.update(h.key for h in hits)
    else:
        raise MappingsError(f"{where}: participants_from {kind!r}?")
    for h in hits:
        evidence.note(statement(iri, "participant", h.iri), span)
    return [h.iri for h in hits]


def _event_record(ev: dict, iri: str, where: str, out: Named) -> dict:
    rec: dict = {"@id": iri, "@type": "Event", "label": ev["label"]}
    if ev.get("date"):
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
        return yamlfiles.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except yaml.YAMLError as e:
        raise MappingsError(f"not valid YAML: {e}", path) from e
