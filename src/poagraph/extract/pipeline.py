"""Turn a parsed report into records: JSON-LD node objects keyed by the poa: local names.

One record per resource (report, passage, action, programme, event, organisation, region,
country evidence, outcome, theme links). Every extracted fact points to the passage that
states it (`evidence`) and quotes its exact words (`quote`). What is found comes from the
gazetteers and curated data in mappings/; this package only walks the document.

The steps run in the order below, each given what it reads: the evidence ledger is filled
by the passages (what they name), then the programmes' and events' facts; the records of
organisations, regions and countries are written from it last.
"""

from __future__ import annotations

from pathlib import Path

from poagraph import paths

from . import document, entities, themes
from .events import events
from .evidence import Evidence, as_list
from .gazetteer import Gazetteer, passage_countries
from .outcomes import extract_outcomes
from .report import Document


def extract(doc: Document, gaz: Gazetteer, events_file: Path | None = None) -> list[dict]:
    """Every record of one report. Raises errors.ReportError when the report or the curated
    data does not fit, errors.MappingsError when a file under mappings/ is malformed."""
    document.check_places(doc, gaz)
    countries = passage_countries(doc, gaz)
    evidence = Evidence(doc)
    reporter = entities.reporting_organisation(doc, gaz)
    passages = document.passages(doc, gaz, countries, evidence)
    programmes = entities.programmes(
        doc, gaz, countries, passages.heading_region, reporter, evidence
    )
    found_events = events(doc, gaz, Path(events_file or paths.MAPPINGS / "events.yaml"), evidence)

    organisations = programmes.organisations | found_events.organisations
    reporter_slug = reporter.rsplit("/", 1)[-1]
    if reporter_slug in gaz.organisations:
        organisations.add(reporter_slug)
    regions = {
        *passages.heading_region.values(),
        *entities.mentioned(passages.mentions, "region"),
        *programmes.regions,
        *found_events.regions,
    }
    records = [
        document.report_record(doc, reporter),
        *entities.reporter_records(doc, gaz, reporter),
        *passages.records,
        *document.actions(doc),
        *programmes.records,
        *found_events.records,
        *entities.organisations(gaz, evidence, organisations),
        *entities.regions(gaz, evidence, regions),
        *entities.country_evidence(evidence, passages.mentions),
        *extract_outcomes(doc, gaz, countries),
    ]
    present = [r["@id"] for r in records if {"Action", "Programme"} & set(as_list(r.get("@type")))]
    return records + themes.theme_records(present)
