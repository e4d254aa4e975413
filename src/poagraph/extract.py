"""Turn a parsed report into records: JSON-LD node objects keyed by the poa: local names.

One record per resource (report, passage, action, region, country evidence, organisation,
programme, event, outcome, theme links). Every extracted fact points to the passage that
states it (`evidence`) and quotes its exact words (`quote`, a substring of that passage's
text). What is found comes from the gazetteers and curated data in mappings/; this module
only walks the document.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import iris, paths, reference, themes
from .gazetteer import Entity, Gazetteer, Match, passage_countries
from .report import Document, Passage, ReportError
from .sentences import sentence_at


class ExtractError(ReportError):
    """Curated data does not fit the report (a quote not in the text, an unknown slug, a
    place heading no gazetteer knows). A ReportError, so the CLI reports it as a user error."""


def organisation_kind(kind: str) -> str:
    return f"{reference.ORGANISATION_KIND_SCHEME}/{kind}"


@dataclass
class _Found:
    """What the passages say about one resource: where it is named, and the first words."""

    evidence: dict[int, None] = field(default_factory=dict)  #: passage n, in order
    quotes: dict[str, None] = field(default_factory=dict)
    surfaces: dict[str, None] = field(default_factory=dict)

    def add(self, passage: Passage, quote: str | None, surface: str | None = None) -> None:
        """A name found again in the same passage adds no second quote; a curated
        statement (no surface) always does."""
        again = passage.n in self.evidence
        self.evidence.setdefault(passage.n)
        if quote and not (again and surface):
            self.quotes.setdefault(quote)
        if surface:
            self.surfaces.setdefault(surface)


class _Extraction:
    def __init__(self, doc: Document, gaz: Gazetteer, events_file: Path):
        self.doc, self.gaz, self.events_file = doc, gaz, events_file
        self.countries = passage_countries(doc, gaz)
        self.found: dict[str, _Found] = {}  #: resource IRI -> what passages say about it
        self.mentions: dict[int, list[Match]] = {}
        self.heading_region: dict[int, str] = {}  #: passage n -> region of its heading

    # -- helpers ---------------------------------------------------------------------------
    def passage_iri(self, p: Passage) -> str:
        return iris.passage(self.doc.slug, p.n)

    def note(self, iri: str, p: Passage, quote: str | None, surface: str | None = None) -> None:
        self.found.setdefault(iri, _Found()).add(p, quote, surface)

    def sentence(self, p: Passage, m: Match) -> str:
        s, e = sentence_at(p.text, m.start)
        return p.text[s:e]

    def locate(self, quote: str) -> Passage | None:
        """The first passage whose text holds `quote` exactly."""
        for p in self.doc.passages:
            if quote in p.text:
                return p
        return None

    def evidence_fields(self, iri: str) -> dict:
        f = self.found.get(iri)
        if not f:
            return {}
        return {
            "evidence": [iris.passage(self.doc.slug, n) for n in f.evidence],
            "quote": list(f.quotes),
        }

    # -- steps -----------------------------------------------------------------------------
    def reporting_organisation(self) -> str:
        """The IRI of the organisation the title names (gazetteer first, else minted)."""
        hits = self.gaz.organisations_in(self.doc.organisation)
        if hits:
            return hits[0].iri
        return iris.organisation(iris.slugify(self.doc.organisation))

    def report(self, reporter: str) -> dict:
        rec = {
            "@id": iris.report(self.doc.slug),
            "@type": "Report",
            "title": self.doc.title,
            "label": self.doc.title,
            "reportedBy": reporter,
        }
        year = self.doc.metadata.get("year")
        if year:
            rec["issued"] = {"@value": str(year), "@type": "xsd:gYear"}
        return rec

    def passages(self) -> list[dict]:
        actions = {a.n: a for a in self.doc.actions}
        records = []
        for p in self.doc.passages:
            countries = self.countries.get(p.n, [])
            found = self.gaz.mentions(p.text, countries)
            self.mentions[p.n] = found
            for m in found:
                self.note(m.iri, p, self.sentence(p, m), m.surface)
            rec: dict = {
                "@id": self.passage_iri(p),
                "@type": ["Passage", "Footnote"] if p.kind == "footnote" else "Passage",
                "text": p.text,
                "startOffset": p.start,
                "endOffset": p.end,
                "inReport": iris.report(self.doc.slug),
            }
            if p.action is not None:
                a = actions[p.action]
                rec["addresses"] = iris.action(a.commitment, a.title)
            elif p.commitment is not None:
                rec["addresses"] = iris.commitment(p.commitment)
            if countries:
                rec["country"] = [iris.country(c) for c in countries]
            if p.place is not None:
                ref = self.gaz.resolve_place(p.place.heading)
                if ref.region:
                    rec["region"] = iris.region(ref.region)
                    self.heading_region[p.n] = ref.region
            if found:
                rec["mentions"] = list(dict.fromkeys(m.iri for m in found))
            if p.footnote is not None:
                rec["footnoteNumber"] = p.footnote
            records.append(rec)
        return records

    def actions(self) -> list[dict]:
        return [
            {
                "@id": iris.action(a.commitment, a.title),
                "@type": ["Action", "skos:Concept"],
                "prefLabel": a.title,
                "broader": iris.commitment(a.commitment),
                "inScheme": iris.BPOA,
            }
            for a in self.doc.actions
        ]

    def programmes(self, reporter: str) -> list[dict]:
        records = []
        for e in self.gaz.programmes.values():
            relations: dict[str, list[str]] = {}
            for key in ("implementedBy", "partner", "fundedBy"):
                for item in e.data.get(key) or []:
                    org, quote = (
                        (item, None) if isinstance(item, str) else (item["org"], item.get("quote"))
                    )
                    self.check_org(org, f"programmes.yaml {e.slug} {key}")
                    p = None
                    if quote is not None:
                        p = self.locate(quote)
                        if p is None:  # a fact of another report: not stated here
                            continue
                        self.note(e.iri, p, quote)
                    relations.setdefault(key, []).append(self.gaz.organisations[org].iri)
                    self.ensure_org(org, p, quote)
            for quote in _as_list(e.data.get("quote")):
                p = self.locate(quote)
                if p is not None:
                    self.note(e.iri, p, quote)
            if e.iri not in self.found:
                continue  # the report does not name or describe it
            if "implementedBy" not in e.data:
                relations["implementedBy"] = [reporter]
            rec = self.entity_record(e, "Programme")
            rec.update({k: list(dict.fromkeys(v)) for k, v in relations.items() if v})
            # Where it runs: the gazetteer's countries, and the place headings of the
            # passages that name it.
            countries, regions = list(e.countries), [e.data.get("region")]
            for n in self.found[e.iri].evidence:
                countries += self.countries.get(n, [])
                regions.append(self.heading_region.get(n))
            if countries:
                rec["country"] = [iris.country(c) for c in dict.fromkeys(countries)]
            regions = [r for r in dict.fromkeys(regions) if r]
            if regions:
                rec["region"] = [iris.region(r) for r in regions]
                self.regions_used.update(regions)
            if e.data.get("partOf"):
                rec["isPartOf"] = iris.programme(e.data["partOf"])
            for key in ("startYear", "endYear"):
                if e.data.get(key):
                    rec[key] = {"@value": str(e.data[key]), "@type": "xsd:gYear"}
            records.append(rec)
        return records

    def check_org(self, slug: str, where: str) -> None:
        if slug not in self.gaz.organisations:
            raise ExtractError(f"{where}: unknown organisation {slug!r}")

    def ensure_org(self, slug: str, p: Passage | None = None, quote: str | None = None) -> None:
        """An organisation named by a programme or event fact is in the graph even if no
        passage names it on its own; the fact's passage is then its evidence too."""
        self.orgs_used.add(slug)
        iri = self.gaz.organisations[slug].iri
        if p is not None and iri not in self.found:
            self.note(iri, p, quote)

    def entity_record(self, e: Entity, rdf_type: str) -> dict:
        f = self.found.get(e.iri, _Found())
        shown = {e.label, *e.acronyms}
        # Seen spellings of its own names only: a group surface ("Governments of Ireland
        # and Norway") names several bodies and is no label of any.
        own = {v.replace("’", "'") for v in e.surfaces}
        seen = [v for v in f.surfaces if v.replace("’", "'") in own]
        alt = [v for v in (*_as_list(e.data.get("variants")), *seen) if v not in shown]
        rec: dict = {"@id": e.iri, "@type": rdf_type, "label": e.label}
        if alt:
            rec["altLabel"] = list(dict.fromkeys(alt))
        if e.acronyms:
            rec["acronym"] = list(e.acronyms)
        rec.update(self.evidence_fields(e.iri))
        return rec

    def organisations(self) -> list[dict]:
        records, kinds = [], reference.organisation_kinds()
        for e in self.gaz.organisations.values():
            if e.iri not in self.found and e.slug not in self.orgs_used:
                continue
            rec = self.entity_record(e, "Organisation")
            kind = e.data.get("kind", "other")
            if kind not in kinds:
                raise ExtractError(f"organisations.yaml {e.slug}: unknown kind {kind!r}")
            rec["organisationKind"] = organisation_kind(kind)
            if e.countries:
                rec["country"] = iris.country(e.countries[0])
            records.append(rec)
        return records

    def events(self) -> list[dict]:
        data = _read_yaml(self.events_file) or {}
        records = []
        footnotes = {p.footnote: p for p in self.doc.footnotes}
        for n, ev in enumerate(data.get(self.doc.slug) or [], 1):
            where = f"{self.events_file.name} {self.doc.slug}[{n}] {ev.get('label')!r}"
            missing = [k for k in ("label", "date", "quote") if not ev.get(k)]
            if missing:
                raise ExtractError(f"{where}: missing {', '.join(missing)}")
            iri = iris.event(self.doc.slug, n)
            quotes = [str(q) for q in _as_list(ev.get("quote"))]
            if not quotes:
                raise ExtractError(f"{where}: an event needs at least one quote")
            located = [(q, self.locate(q)) for q in quotes]
            for q, p in located:
                if p is None:
                    raise ExtractError(f"{where}: quote not found in the report: {q!r}")
            first_quote, first = located[0]
            for q, p in located:
                self.note(iri, p, q)
            participants: list[str] = []
            for item in _as_list(ev.get("participants")):
                participants.append(self.participant(item, where, first, first_quote))
            sources = ev.get("participants_from") or {}
            for kind, numbers in sources.items():
                for number in numbers:
                    fp = footnotes.get(number)
                    if fp is None:
                        raise ExtractError(f"{where}: the report has no footnote {number}")
                    # The footnote is evidence too: its words (after the mark) are quoted.
                    self.note(iri, fp, fp.text.lstrip("¹²³⁴⁵⁶⁷⁸⁹⁰ "))
                    if kind == "countries":
                        hits = self.gaz.countries_in(fp.text)
                    elif kind == "organisations":
                        hits = self.gaz.organisations_in(fp.text)
                        self.orgs_used.update(h.key for h in hits)
                    else:
                        raise ExtractError(f"{where}: participants_from {kind!r}?")
                    participants.extend(h.iri for h in hits)
            rec: dict = {"@id": iri, "@type": "Event", "label": ev["label"]}
            rec["date"] = _date_literal(str(ev["date"]), where)
            if ev.get("endDate"):
                rec["endDate"] = _date_literal(str(ev["endDate"]), where)
            if ev.get("country"):
                rec["country"] = [iris.country(c) for c in _as_list(ev["country"])]
            if ev.get("region"):
                rec["region"] = iris.region(ev["region"])
                self.regions_used.add(ev["region"])
            if participants:
                rec["participant"] = list(dict.fromkeys(participants))
            funders = []
            for slug in _as_list(ev.get("fundedBy")):
                self.check_org(slug, where)
                self.ensure_org(slug, first, first_quote)
                funders.append(self.gaz.organisations[slug].iri)
            if funders:
                rec["fundedBy"] = funders
            rec.update(self.evidence_fields(iri))
            records.append(rec)
        return records

    def participant(self, item: str, where: str, p: Passage, quote: str) -> str:
        if item in self.gaz.organisations:
            self.ensure_org(item, p, quote)
            return self.gaz.organisations[item].iri
        if len(item) == 3 and item.isupper():
            return iris.country(item)
        raise ExtractError(f"{where}: participant {item!r} is neither an organisation nor ISO3")

    def regions(self) -> list[dict]:
        for p in self.doc.passages:
            if p.place is not None:
                ref = self.gaz.resolve_place(p.place.heading)
                if ref.region:
                    self.regions_used.add(ref.region)
        for ms in self.mentions.values():
            self.regions_used.update(m.key for m in ms if m.kind == "region")
        records = []
        for slug in sorted(self.regions_used):
            r = self.gaz.regions.get(slug)
            if r is None:
                raise ExtractError(f"unknown region {slug!r}")
            rec: dict = {"@id": r.iri, "@type": "Region", "label": r.label}
            if r.variants:
                rec["altLabel"] = list(r.variants)
            if r.countries:
                rec["includesCountry"] = [iris.country(c) for c in r.countries]
            rec.update(self.evidence_fields(r.iri))
            records.append(rec)
        return records

    def country_evidence(self) -> list[dict]:
        """Where each country is named (the Country resources live in the vocab graph)."""
        iso3s = dict.fromkeys(
            m.key for ms in self.mentions.values() for m in ms if m.kind == "country"
        )
        return [{"@id": iris.country(c), **self.evidence_fields(iris.country(c))} for c in iso3s]

    def check_places(self) -> None:
        """Every place heading names known countries or a known region: an unknown one
        would silently leave its passages without a place."""
        for p in self.doc.passages:
            if p.place is None:
                continue
            ref = self.gaz.resolve_place(p.place.heading)
            if not ref.resolved or not (ref.countries or ref.region or ref.is_general):
                unknown = ", ".join(repr(u) for u in ref.unresolved) or repr(p.place.heading)
                raise ExtractError(
                    f"place heading {p.place.heading!r} names no known country or region "
                    f"({unknown}): add it to mappings/countries.yaml (aliases) or regions.yaml",
                    self.doc.path,
                    _line_of(self.doc.text, p.place.start),
                )

    def run(self) -> list[dict]:
        self.check_places()
        self.orgs_used: set[str] = set()
        self.regions_used: set[str] = set()
        reporter = self.reporting_organisation()
        reporter_slug = reporter.rsplit("/", 1)[-1]
        if reporter_slug in self.gaz.organisations:
            self.orgs_used.add(reporter_slug)
        records = [self.report(reporter), *self.passages(), *self.actions()]
        programmes = self.programmes(reporter)
        events = self.events()
        records += [*programmes, *events, *self.organisations(), *self.regions()]
        records += self.country_evidence()
        records += _outcomes(self.doc, self.gaz, self.countries)
        present = [
            r["@id"] for r in records if {"Action", "Programme"} & set(_as_list(r.get("@type")))
        ]
        records += themes.theme_records(present)
        return records


def extract(doc: Document, gaz: Gazetteer, events_file: Path | None = None) -> list[dict]:
    """Every record of one report. Raises ExtractError when curated data does not fit it."""
    return _Extraction(doc, gaz, Path(events_file or paths.MAPPINGS / "events.yaml")).run()


# -- the other engineers' parts, called when they exist --------------------------------------


def _outcomes(doc: Document, gaz: Gazetteer, countries: dict[int, list[str]]) -> list[dict]:
    """Outcome records from poagraph.outcomes (owned by the outcomes engineer)."""
    try:
        outcomes = importlib.import_module(f"{__package__}.outcomes")
    except ModuleNotFoundError as e:  # TODO(outcomes): remove once outcomes.py has landed
        if e.name != f"{__package__}.outcomes":
            raise
        return []
    return list(outcomes.extract_outcomes(doc, gaz, countries))


# -- small readers ---------------------------------------------------------------------------


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _as_list(value) -> list:
    if value is None:
        return []
    if isinstance(value, (str, int)):
        return [value]
    return list(value)


def _read_yaml(path: Path):
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except yaml.YAMLError as e:
        raise ExtractError(f"{path}: not valid YAML: {e}") from e


def _date_literal(value: str, where: str) -> dict:
    """2006-02-09 -> xsd:date, 2005-10 -> xsd:gYearMonth, 2003 -> xsd:gYear."""
    parts = value.split("-")
    kinds = {3: "xsd:date", 2: "xsd:gYearMonth", 1: "xsd:gYear"}
    if not all(x.isdigit() for x in parts) or len(parts) not in kinds or len(parts[0]) != 4:
        raise ExtractError(f"{where}: not a date (YYYY, YYYY-MM or YYYY-MM-DD): {value!r}")
    return {"@value": value, "@type": kinds[len(parts)]}
