"""Extraction (report -> records) and mapping (records -> quads) on the bundled report."""

from __future__ import annotations

import re
from pathlib import Path

import pycountry
import pytest
from pyoxigraph import Literal, NamedNode, Store

from poagraph import iris, paths
from poagraph.errors import ReportError
from poagraph.extract import extract
from poagraph.extract.document import check_places
from poagraph.extract.gazetteer import Gazetteer, load_gazetteer, passage_countries
from poagraph.extract.report import Document, parse_report
from poagraph.mapping import MappingError, records_to_quads

POA = iris.POA
XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return load_gazetteer()


@pytest.fixture(scope="module")
def doc() -> Document:
    return parse_report(paths.BUNDLED_REPORTS[0])


@pytest.fixture(scope="module")
def records(doc: Document, gaz: Gazetteer) -> list[dict]:
    return extract(doc, gaz)


@pytest.fixture(scope="module")
def by_id(records: list[dict]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for r in records:
        out.setdefault(r["@id"], {}).update(r)
    return out


@pytest.fixture(scope="module")
def store(records: list[dict], doc: Document) -> Store:
    s = Store()
    s.extend(records_to_quads(records, iris.report_graph(doc.slug)))
    return s


def _typed(records: list[dict], rdf_type: str) -> list[dict]:
    return [
        r
        for r in records
        if rdf_type in ([r["@type"]] if isinstance(r.get("@type"), str) else r.get("@type", []))
    ]


# -- passages --------------------------------------------------------------------------------


def test_every_passage_text_is_the_source_slice(records: list[dict], doc: Document) -> None:
    source = paths.BUNDLED_REPORTS[0].read_text(encoding="utf-8")
    passages = _typed(records, "Passage")
    assert len(passages) == len(doc.passages) > 100
    for r in passages:
        assert source[r["startOffset"] : r["endOffset"]] == r["text"], r["@id"]


def test_passages_in_the_graph_equal_the_source_slice(store: Store) -> None:
    source = paths.BUNDLED_REPORTS[0].read_text(encoding="utf-8")
    rows = list(
        store.query(
            "PREFIX poa: <https://w3id.org/poagraph/ontology#> "
            "SELECT ?p ?t ?s ?e WHERE { GRAPH ?g { ?p a poa:Passage ; poa:text ?t ; "
            "poa:startOffset ?s ; poa:endOffset ?e } }"
        )
    )
    assert len(rows) > 100
    for row in rows:
        assert row["s"].datatype == NamedNode(XSD + "integer")
        assert source[int(row["s"].value) : int(row["e"].value)] == row["t"].value


def _annotated(records: list[dict], body: str) -> list[tuple[str, str]]:
    """(passage IRI, exact words) of every annotation whose body is `body`."""
    by_id = {r["@id"]: r for r in records}
    out = []
    for a in records:
        if a.get("@type") == "oa:Annotation" and a["hasBody"] == body:
            target = by_id[a["hasTarget"]]
            out.append((target["hasSource"], by_id[a["@id"] + "/quote"]["exact"]))
    return out


def test_only_outcomes_carry_a_quote_each_in_its_evidence_passage(
    records: list[dict], by_id: dict
) -> None:
    outcomes = _typed(records, "Outcome")
    assert len(outcomes) > 40
    for r in records:
        if "Outcome" not in _as_list(r.get("@type")):
            assert "quote" not in r and "evidence" not in r, r["@id"]
    for r in outcomes:
        (quote,) = _as_list(r["quote"])
        (passage,) = _as_list(r["evidence"])
        assert quote in by_id[passage]["text"], r["@id"]


def _event(records: list[dict], words: str) -> dict:
    (event,) = [
        r
        for r in _typed(records, "Event")
        if any(words in exact for _, exact in _annotated(records, r["@id"]))
    ]
    return event


def test_every_event_quote_is_the_words_of_one_of_its_annotations(
    records: list[dict], by_id: dict
) -> None:
    """Each curated quote of events.yaml is the exact words of an annotation of its event,
    in a passage that holds them."""
    import yaml

    data = yaml.safe_load((paths.MAPPINGS / "events.yaml").read_text(encoding="utf-8"))
    for n, ev in enumerate(data["iom-bpoa-review"], 1):
        annotated = _annotated(records, iris.event("iom-bpoa-review", n))
        for quote in _as_list(ev["quote"]):
            assert any(exact == quote for _, exact in annotated), (n, quote)
        assert all(exact in by_id[p]["text"] for p, exact in annotated)


def test_cotonou_cites_the_footnotes_of_its_participants(records: list[dict], by_id: dict) -> None:
    cotonou = _event(records, "in Cotonou, Benin")
    numbers = [by_id[p].get("footnoteNumber") for p, _ in _annotated(records, cotonou["@id"])]
    assert 1 in numbers and 2 in numbers


def test_passages_address_their_action_or_commitment(records: list[dict], doc: Document) -> None:
    actions = {iris.action(a.commitment, a.title) for a in doc.actions}
    for r, p in zip(_typed(records, "Passage"), doc.passages, strict=True):
        if p.action is not None:
            assert r["addresses"] in actions
        elif p.commitment is not None:
            assert r["addresses"] == iris.commitment(p.commitment)
        else:
            assert "addresses" not in r  # a footnote belongs to the report only


def test_footnotes_are_numbered(records: list[dict]) -> None:
    footnotes = _typed(records, "Footnote")
    assert sorted(r["footnoteNumber"] for r in footnotes) == [1, 2, 3]


def test_passage_countries_follow_the_heading(doc: Document, gaz: Gazetteer) -> None:
    pc = passage_countries(doc, gaz)
    by_heading: dict[str, set[tuple[str, ...]]] = {}
    for p in doc.passages:
        if p.place is not None:
            by_heading.setdefault(p.place.heading, set()).add(tuple(pc[p.n]))
    assert by_heading["DRC and Rwanda"] == {("COD", "RWA")}
    assert by_heading["Democratic Republic of Congo, Rwanda and Burundi"] == {("COD", "RWA", "BDI")}
    assert by_heading["Timor Leste"] == {("TLS",)}
    assert by_heading["West Africa"] == {()}
    assert by_heading["General activities"] == {()}


def test_region_heading_gives_the_passage_a_region(records: list[dict], doc: Document) -> None:
    west = [
        r
        for r, p in zip(_typed(records, "Passage"), doc.passages, strict=True)
        if p.place and p.place.heading == "West Africa"
    ]
    assert west and all(r["region"] == iris.region("west-africa") for r in west)


# -- organisations ---------------------------------------------------------------------------


def test_ministry_of_womens_affairs_differs_by_passage_country(
    records: list[dict], doc: Document, gaz: Gazetteer
) -> None:
    pc = passage_countries(doc, gaz)
    khm = gaz.organisations["khm-ministry-of-womens-affairs"].iri
    afg = gaz.organisations["afg-ministry-of-womens-affairs"].iri
    seen: dict[str, set[str]] = {khm: set(), afg: set()}
    for r, p in zip(_typed(records, "Passage"), doc.passages, strict=True):
        if "Ministry of Women" in p.text or "Women's Affairs" in p.text:
            for iri in seen:
                if iri in r.get("mentions", []):
                    seen[iri].update(pc[p.n])
    assert seen[khm] == {"KHM"}
    assert seen[afg] == {"AFG"}


def test_organisation_records(by_id: dict) -> None:
    iom = by_id[iris.organisation("iom")]
    assert iom["label"] == "International Organization for Migration"
    assert iom["acronym"] == ["IOM"]
    # in 2001-2010 IOM was an intergovernmental organisation outside the UN system
    assert iom["organisationKind"].endswith("/organisation-kind/intergovernmental")
    molsa = by_id[iris.organisation("eth-molsa")]
    assert molsa["country"] == iris.country("ETH")
    assert molsa["acronym"] == ["MOLSA"]
    report = by_id[iris.report("iom-bpoa-review")]
    assert report["reportedBy"] == iom["@id"]


# -- programmes ------------------------------------------------------------------------------


def test_cbmm_and_cbmmp_are_one_programme_with_its_countries(by_id: dict, records: list) -> None:
    cbmm = by_id[iris.programme("cbmmp")]
    assert set(cbmm["acronym"]) == {"CBMMP", "CBMM"}
    assert {iris.country(c) for c in ("UGA", "KEN", "TZA")} <= set(cbmm["country"])
    evidence_texts = [by_id[p]["text"] for p, _ in _annotated(records, cbmm["@id"])]
    assert any("CBMMP" in t for t in evidence_texts)
    assert any("CBMM project" in t for t in evidence_texts)
    assert not any(r["@id"].endswith("/programme/cbmm") for r in records)


def test_funders_and_partners(by_id: dict) -> None:
    def rel(slug: str, key: str) -> list[str]:
        return by_id[iris.programme(slug)].get(key, [])

    org = lambda slug: iris.organisation(slug)  # noqa: E731
    assert rel("rana", "fundedBy") == [org("european-commission")]
    assert rel("community-stabilisation-timor-leste", "fundedBy") == [org("european-commission")]
    assert rel("guinea-futa-micro-income-project", "fundedBy") == [org("government-bel")]
    assert rel("afghanistan-passport-project", "fundedBy") == [org("dima")]
    assert rel("human-security-fund-ethiopia", "fundedBy") == [org("government-jpn")]
    assert rel("rana", "implementedBy") == [org("iom")]
    assert rel("afghan-expatriate-services", "implementedBy") == [org("afg-iarcsc")]
    assert org("universite-libre-de-bruxelles") in rel("mida-great-lakes", "partner")


def test_emm_resolves_per_country(by_id: dict, records: list[dict]) -> None:
    def texts(slug: str) -> list[str]:
        found = [by_id[p]["text"] for p, _ in _annotated(records, iris.programme(slug))]
        assert found, slug
        return found

    assert all("Cambodia" in t for t in texts("emm-cambodia"))
    assert all("Enhanced Migration Management" in t for t in texts("emm-timor-leste"))
    assert not any("Cambodia" in t for t in texts("essentials-of-migration-management"))


# -- events ----------------------------------------------------------------------------------


def _footnote_one_countries() -> tuple[list[str], list[str]]:
    """Read footnote 1 straight from the source: its two lists of country names."""
    source = paths.BUNDLED_REPORTS[0].read_text(encoding="utf-8")
    m = re.search(r"¹ Participating LDCs were (.+?)\. Observer states were (.+?)\.", source)
    assert m, "footnote 1 not found"

    def names(text: str) -> list[str]:
        return [n.strip() for n in re.split(r",\s*|\s+and\s+", text) if n.strip()]

    return names(m.group(1)), names(m.group(2))


def _iso3(name: str) -> str:
    spelled = {"Laos": "LAO", "Sierra-Leone": "SLE", "Tanzania": "TZA"}
    spelled["Democratic Republic of Congo"] = "COD"
    return spelled.get(name) or pycountry.countries.lookup(name).alpha_3


def test_cotonou_conference_participants(by_id: dict, records: list[dict]) -> None:
    ldcs, observers = _footnote_one_countries()
    assert (len(ldcs), len(observers)) == (32, 2)
    expected = {iris.country(_iso3(n)) for n in ldcs + observers}
    assert len(expected) == 34
    cotonou = _event(records, "in Cotonou, Benin")
    countries = {p for p in cotonou["participant"] if "/country/" in p}
    assert countries == expected
    assert iris.country("GHA") in countries and iris.country("NGA") in countries
    orgs = {p for p in cotonou["participant"] if "/organisation/" in p}
    for slug in ("fonkoze", "african-development-bank", "afford-uk", "oecd", "uncdf", "iom"):
        assert iris.organisation(slug) in orgs
    assert cotonou["date"] == {"@value": "2006-02-09", "@type": "xsd:date"}
    assert cotonou["country"] == [iris.country("BEN")]


def test_events_are_dated_in_the_graph(store: Store) -> None:
    rows = list(
        store.query(
            "PREFIX poa: <https://w3id.org/poagraph/ontology#> "
            "SELECT ?e ?d WHERE { GRAPH ?g { ?e a poa:Event ; poa:date ?d } } ORDER BY ?d"
        )
    )
    kinds = {row["d"].datatype.value.rsplit("#", 1)[1] for row in rows}
    assert len(rows) >= 12
    assert kinds == {"date", "gYearMonth", "gYear"}


def test_a_curated_event_quote_missing_from_the_report_fails(
    doc: Document, gaz: Gazetteer, tmp_path: Path
) -> None:
    events = tmp_path / "events.yaml"
    events.write_text(
        "iom-bpoa-review:\n  - label: Imagined\n    date: '2006'\n"
        "    quote: [a conference held on the Moon]\n",
        encoding="utf-8",
    )
    with pytest.raises(ReportError, match=r"Imagined.*quote not found.*Moon"):
        extract(doc, gaz, events)


def test_an_undated_event_has_no_date_and_its_participant_is_stated(
    doc: Document, gaz: Gazetteer, tmp_path: Path
) -> None:
    """An undated meeting: "In the Asia Pacific Micro-Credit Summit held in Dhaka in 2004,
    IOM held an associated session on the issue." (here without its year, as a curator may
    list a meeting the report does not date)."""
    events = tmp_path / "events.yaml"
    quote = (
        "In the Asia Pacific Micro-Credit Summit held in Dhaka in 2004, IOM held an "
        "associated session on the issue."
    )
    events.write_text(
        "iom-bpoa-review:\n  - label: Asia Pacific Micro-Credit Summit\n"
        f"    participants: [iom]\n    quote:\n      - {quote!r}\n",
        encoding="utf-8",
    )
    recs = extract(doc, gaz, events)
    (event,) = _typed(recs, "Event")
    assert "date" not in event
    assert event["participant"] == [iris.organisation("iom")]
    assert [exact for _, exact in _annotated(recs, event["@id"])] == [quote]
    statements = [
        r["@id"]
        for r in recs
        if r.get("@type") == "rdf:Statement"
        and (r["statementSubject"], r["statementObject"])
        == (event["@id"], iris.organisation("iom"))
    ]
    assert [exact for st in statements for _, exact in _annotated(recs, st)] == [quote]


def _stated_by(recs: list[dict], event: str, obj: str) -> list[str]:
    """The exact words of the annotations of the statement (event, participant, obj)."""
    return [
        exact
        for r in recs
        if r.get("@type") == "rdf:Statement"
        and (r["statementSubject"], r["statementPredicate"], r["statementObject"])
        == (event, POA + "participant", obj)
        for _, exact in _annotated(recs, r["@id"])
    ]


@pytest.mark.parametrize(
    ("slug", "stated"),
    [("afg-ministry-of-womens-affairs", True), ("khm-ministry-of-womens-affairs", False)],
)
def test_an_event_participant_resolves_by_its_passage_heading(
    doc: Document, gaz: Gazetteer, tmp_path: Path, slug: str, stated: bool
) -> None:
    """Under the heading Afghanistan: "IOM organized awareness-raising activities among
    Afghan authorities, capacity building activities for the Ministry of Women's Affairs and
    counter trafficking training sessions for Afghan consular officials." The name there is
    Afghanistan's ministry: it states that one's participation, not Cambodia's ministry of
    the same name (which stays marked inferred)."""
    quote = "capacity building activities for the Ministry of Women's Affairs"
    here = [p for p in doc.passages if quote in p.text]
    assert here and all(passage_countries(doc, gaz)[p.n] == ["AFG"] for p in here)
    events = tmp_path / "events.yaml"
    events.write_text(
        "iom-bpoa-review:\n  - label: Capacity building of the Ministry\n"
        f"    participants: [{slug}]\n    quote:\n      - {quote!r}\n",
        encoding="utf-8",
    )
    recs = extract(doc, gaz, events)
    (event,) = _typed(recs, "Event")
    org = gaz.organisations[slug].iri
    assert event["participant"] == [org]
    assert (_stated_by(recs, event["@id"], org) == [quote]) is stated
    assert (POA + "participant" in event.get("inferred", [])) is not stated


# -- another report of the same layout -------------------------------------------------------


def test_another_report_extracts_without_code_change(gaz: Gazetteer) -> None:
    other = parse_report(Path(__file__).parent / "fixtures/reports/uncdf-bpoa-review.md")
    recs = extract(other, gaz)
    ids = {r["@id"] for r in recs}
    assert iris.programme("microlead") in ids
    assert not any("/event/" in i for i in ids)
    report = next(r for r in recs if r.get("@type") == "Report")
    assert report["reportedBy"] == iris.organisation("uncdf")
    microlead = next(r for r in recs if r["@id"] == iris.programme("microlead"))
    assert microlead["implementedBy"] == [iris.organisation("uncdf")]
    assert records_to_quads(recs, iris.report_graph(other.slug))


# -- who wrote the report --------------------------------------------------------------------

#: A report of the common layout whose title names its organisation as {organisation}.
_TITLED_REPORT = """Global review of the implementation of the Programme of Action for
the LDCs for the decade 2001-2010

**Report on {organisation} contribution to the implementation of the Programme
of Action**

Commitment 4: Building productive capacities to make globalization work for LDCs

▪ **Supporting the efforts of LDCs to manage labour migration**

General activities

As {organisation} reports, the organisation trained 45 migration officers from LDCs in 2009.

Nepal

In Nepal, it assisted over 1,200 returning migrants between 2008 and 2010.
"""


@pytest.mark.parametrize(
    ("organisation", "reporter"),
    [
        ("the International Organization for Migration (IOM)", iris.organisation("iom")),
        ("the International Organization for Migration", iris.organisation("iom")),
        ("IOM", iris.organisation("iom")),
        (
            "the Ruritanian Development Agency (RDA)",
            iris.organisation("ruritanian-development-agency-rda"),
        ),
    ],
)
def test_the_report_and_every_outcome_name_one_reporting_organisation(
    gaz: Gazetteer, tmp_path: Path, organisation: str, reporter: str
) -> None:
    path = tmp_path / "titled-bpoa-review.md"
    path.write_text(_TITLED_REPORT.format(organisation=organisation), encoding="utf-8")
    recs = extract(parse_report(path), gaz)
    report = next(r for r in recs if r.get("@type") == "Report")
    outcomes = _typed(recs, "Outcome")
    assert len(outcomes) == 2
    assert report["reportedBy"] == reporter
    assert {o["reportedBy"] for o in outcomes} == {reporter}
    organisations = {r["@id"]: r for r in _typed(recs, "Organisation")}
    assert reporter in organisations  # known or minted, the reporter is described


def test_a_reporter_no_gazetteer_knows_is_described_and_the_build_conforms(
    tmp_path: Path,
) -> None:
    """Regression: a minted reporting organisation had no Organisation record, so the
    shapes refused the graph ("Reported by must name an organisation")."""
    from poagraph.build import build

    path = tmp_path / "titled-bpoa-review.md"
    text = _TITLED_REPORT.format(organisation="the Ruritanian Development Agency (RDA)")
    path.write_text(text, encoding="utf-8")
    recs = extract(parse_report(path), load_gazetteer())
    [rda] = [r for r in _typed(recs, "Organisation") if "ruritanian" in r["@id"]]
    assert rda["label"] == "Ruritanian Development Agency"
    assert rda["acronym"] == ["RDA"]
    result = build([path], tmp_path / "store")
    assert result.reports[0].triples > 0


def test_extraction_imports_no_rdf_library() -> None:
    """extract/ turns text into plain records: the RDF is the mapping stage's job."""
    package = Path(__file__).parents[1] / "src/poagraph/extract"
    sources = sorted(package.glob("*.py"))
    assert len(sources) > 5
    rdf = re.compile(r"^\s*(?:import\s+pyoxigraph|from\s+pyoxigraph\b)|rdflib", re.MULTILINE)
    found = {p.name: rdf.findall(p.read_text(encoding="utf-8")) for p in sources}
    assert {name: hits for name, hits in found.items() if hits} == {}


# -- mapping ---------------------------------------------------------------------------------


def test_mapping_datatypes() -> None:
    g = NamedNode("https://example.org/g")
    rec = {
        "@id": "https://example.org/o/1",
        "@type": "Outcome",
        "value": 160000,
        "startYear": 2001,
        "endYear": {"@value": "2002", "@type": "xsd:gYear"},
        "quote": "a total of 160,000 IDPs",
        "country": [iris.country("SLE")],
    }
    dec = {"@id": "https://example.org/o/2", "value": 1.2}
    quads = records_to_quads([rec, dec], g.value)
    objects = {(q.subject.value, q.predicate.value): q.object for q in quads}
    assert all(q.graph_name == g for q in quads)
    assert objects[("https://example.org/o/1", POA + "value")] == Literal(
        "160000", datatype=NamedNode(XSD + "integer")
    )
    assert objects[("https://example.org/o/2", POA + "value")] == Literal(
        "1.2", datatype=NamedNode(XSD + "decimal")
    )
    assert objects[("https://example.org/o/1", POA + "startYear")] == Literal(
        "2001", datatype=NamedNode(XSD + "gYear")
    )
    assert objects[("https://example.org/o/1", POA + "country")] == NamedNode(iris.country("SLE"))
    assert objects[("https://example.org/o/1", POA + "quote")] == Literal("a total of 160,000 IDPs")


def test_mapping_refuses_undeclared_keys_and_bad_iris() -> None:
    g = NamedNode("https://example.org/g")
    with pytest.raises(MappingError, match=r"https://example.org/x.*'contry'"):
        records_to_quads([{"@id": "https://example.org/x", "contry": "AFG"}], g.value)
    with pytest.raises(MappingError, match=r"country is not an absolute IRI.*'<https"):
        records_to_quads(
            [{"@id": "https://example.org/x", "country": f"<{iris.country('AFG')}>"}], g.value
        )


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def test_alt_labels_are_own_names_only(by_id: dict) -> None:
    """Regression: a surface naming two governments became an altLabel of each."""
    irl = by_id[iris.organisation("government-irl")]
    assert "Governments of Ireland and Norway" not in irl.get("altLabel", [])
    uga = by_id[iris.organisation("government-uga")]
    assert uga["acronym"] == ["GoU"]
    assert "Government of Uganda" in [uga["label"], *uga.get("altLabel", [])]


def test_actions_are_skos_concepts_under_their_commitment(store: Store, doc: Document) -> None:
    rows = list(
        store.query(
            "PREFIX poa: <https://w3id.org/poagraph/ontology#> "
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
            "SELECT ?a ?c ?label WHERE { GRAPH ?g { ?a a poa:Action, skos:Concept ; "
            "skos:broader ?c ; skos:prefLabel ?label ; skos:inScheme ?s } }"
        )
    )
    assert len(rows) == len(doc.actions) == 16
    assert {r["c"].value for r in rows} == {iris.commitment(a.commitment) for a in doc.actions}


def test_actions_and_programmes_carry_their_themes(by_id: dict) -> None:
    rana = by_id[iris.programme("rana")]
    mida = by_id[iris.programme("mida")]
    assert rana["subject"] and mida["subject"]
    assert all(s.startswith("http://metadata.un.org/") for s in rana["subject"])


def test_an_unknown_place_heading_is_a_clear_warning(gaz: Gazetteer, tmp_path: Path) -> None:
    """Not an error (issue 11): the section is kept without a place, the build warns (and
    stops with --strict: tests/test_places.py)."""
    source = paths.BUNDLED_REPORTS[0].read_text(encoding="utf-8")
    changed = source.replace("\nMauritania\n", "\nRuritania\n", 1)
    assert changed != source
    path = tmp_path / "iom-bpoa-review.md"
    path.write_text(changed, encoding="utf-8")
    line = changed[: changed.index("\nRuritania\n")].count("\n") + 2
    doc = parse_report(path)
    notes = [str(e) for e in check_places(doc, gaz)]
    assert len(notes) == 1
    assert notes[0].startswith(f"{path}:{line}: place heading 'Ruritania' names no known")
    records = extract(doc, gaz)
    under = [p for p in doc.passages if p.place and p.place.heading == "Ruritania"]
    placed = {r["@id"]: r for r in records if r.get("@type") == "Passage"}
    assert under and all("country" not in placed[iris.passage(doc.slug, p.n)] for p in under)
