"""Turn a parsed report into records: JSON-LD node objects keyed by the poa: local names.

One record per resource (report, passage, action, programme, event, organisation, region,
outcome, theme links), then the evidence: every claim that needs words (an outcome,
programme, organisation or event, and every implementedBy / partner / fundedBy /
participant / outcomeOf relation, as an rdf:Statement) is the body of W3C Web Annotations
pointing at the exact words of a passage. Only an Outcome keeps `evidence` + `quote`.
What is found comes from the gazetteers and curated data in mappings/; this package only
walks the document.

The steps run in the order below, each given what it reads: the outcomes first (their
words describe their programmes), then the passages (what they name), the programmes' and
events' facts; the records of organisations and regions are written from the ledger, and
the annotations last.
"""

from __future__ import annotations

from pathlib import Path

from poagraph import paths

from . import annotations, document, entities, themes
from .discovery import discover
from .events import events
from .evidence import Evidence, as_list
from .gazetteer import Gazetteer, passage_countries
from .outcomes import extract_outcomes
from .programmes import programmes
from .report import Document


def extract(doc: Document, gaz: Gazetteer, events_file: Path | None = None) -> list[dict]:
    """Every record of one report. Raises errors.ReportError when the report or the curated
    data does not fit, errors.MappingsError when a file under mappings/ is malformed."""
    countries = passage_countries(doc, gaz)
    evidence = Evidence(doc)
    wording = annotations.Wording(doc)
    reporter = entities.reporter(doc, gaz)
    found = discover(doc, gaz, countries, reporter)
    gaz = found.gazetteer  # the gazetteer plus what the text names by form
    outcomes = extract_outcomes(doc, gaz, countries)
    outcome_spans = annotations.note_outcomes(doc, outcomes, evidence)
    funders = _note_funders(outcomes, evidence)
    passages = document.passages(doc, gaz, countries, evidence)
    found.note(doc, evidence)
    entities.note_reporter(doc, gaz, reporter, evidence)
    places = {
        p.n: (countries.get(p.n, []), passages.heading_region.get(p.n), passages.addresses.get(p.n))
        for p in doc.passages
    }
    found_programmes = programmes(doc, gaz, places, reporter, evidence, outcome_spans, wording)
    events_path = Path(events_file or paths.MAPPINGS / "events.yaml")
    found_events = events(doc, gaz, events_path, evidence, wording, countries)

    organisations = found_programmes.organisations | found_events.organisations | funders
    reporter_slug = reporter.iri.rsplit("/", 1)[-1]
    if reporter_slug in gaz.organisations:
        organisations.add(reporter_slug)
    regions = {
        *passages.heading_region.values(),
        *entities.mentioned(passages.mentions, "region"),
        *found_programmes.regions,
        *found_events.regions,
    }
    records = [
        document.report_record(doc, reporter.iri),
        *entities.reporter_records(doc, gaz, reporter.iri),
        *passages.records,
        *document.actions(doc),
        *found_programmes.records,
        *found_events.records,
        *entities.organisations(gaz, evidence, organisations, wording),
        *entities.regions(doc, gaz, regions, wording),
        *outcomes,
    ]
    present = [r["@id"] for r in records if {"Action", "Programme"} & set(as_list(r.get("@type")))]
    return records + themes.theme_records(present) + annotations.annotation_records(evidence)


def _note_funders(outcomes: list[dict], evidence: Evidence) -> set[str]:
    """An outcome's funder ("USD 2 million from NORAD") is stated by the outcome's own
    words: the fundedBy relation is noted with them, and the funder is in the graph (with
    those words as its evidence when no passage names it otherwise).
    Returns the funders' slugs."""
    slugs: set[str] = set()
    for rec in outcomes:
        spans = list(evidence.of(rec["@id"]).spans)
        for org in as_list(rec.get("fundedBy")):
            if spans:
                evidence.note(annotations.statement(rec["@id"], "fundedBy", org), spans[0])
                if org not in evidence:  # named only by its country ("provided by Norway")
                    evidence.note(org, spans[0])
            slugs.add(org.rsplit("/", 1)[-1])
    return slugs
