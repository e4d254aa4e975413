"""Contributions in Turtle, JSON-LD and CSV: every kind of error the shapes and the boundary
rules must catch, in each format where it can be written, with the message a user reads;
names resolved against the built graph; the CSV template round trip into a store."""

from __future__ import annotations

import csv
import io
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import pytest

from poagraph import iris, paths, store
from poagraph.contributions.check import check, validate_contribution
from poagraph.contributions.config import CONTEXT_URL, csv_columns
from poagraph.contributions.read import parse_contribution
from poagraph.contributions.reference import open_reference, reference_from_store
from poagraph.contributions.resolve import mint_blank_nodes
from poagraph.validation.render import render, to_text

PASSAGE_TEXT = "In 2005 the programme trained 120 nurses in Niamey."

TTL_PREFIXES = """\
@prefix poa: <https://w3id.org/poagraph/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix country: <https://w3id.org/poagraph/id/country/> .
@prefix commitment: <https://w3id.org/poagraph/id/bpoa/commitment/> .
"""


def turtle(outcome=None, programme=None, organisation=None, extra="") -> bytes:
    """A small valid Turtle contribution, with properties replaced (None removes one)."""
    o = {
        "poa:status": "poa:Achieved",
        "poa:reportedBy": "<organisation/epo>",
        "poa:outcomeOf": "<programme/p>",
        "poa:country": "country:NER",
        "poa:addresses": "commitment:3",
        "poa:value": "120",
        "poa:unit": '"nurses trained"',
        "poa:startYear": '"2005"^^xsd:gYear',
        "poa:evidence": "<passage/1>",
        "poa:quote": '"trained 120 nurses"',
    } | (outcome or {})
    p = {
        "rdfs:label": '"Nurse training"@en',
        "poa:implementedBy": "<organisation/epo>",
    } | (programme or {})
    org = {"rdfs:label": '"Example Partner Organisation"@en'} | (organisation or {})

    def resource(iri: str, cls: str, props: dict) -> str:
        body = "".join(f" ;\n    {k} {v}" for k, v in props.items() if v is not None)
        return f"{iri} a {cls}{body} .\n"

    return (
        TTL_PREFIXES
        + resource("<organisation/epo>", "poa:Organisation", org)
        + resource("<programme/p>", "poa:Programme", p)
        + resource(
            "<passage/1>",
            "poa:Passage",
            {"dcterms:source": "<https://example.org/r.pdf>", "poa:text": f'"{PASSAGE_TEXT}"'},
        )
        + resource("<outcome/1>", "poa:Outcome", o)
        + extra
    ).encode()


def jsonld(outcome=None, programme=None, organisation=None, extra=()) -> bytes:
    """The same contribution in JSON-LD with the published context."""
    o = {
        "@id": "outcome/1",
        "@type": "Outcome",
        "status": "Achieved",
        "reportedBy": "organisation/epo",
        "outcomeOf": "programme/p",
        "country": "id:country/NER",
        "addresses": "id:bpoa/commitment/3",
        "value": 120,
        "unit": "nurses trained",
        "startYear": "2005",
        "evidence": "passage/1",
        "quote": "trained 120 nurses",
    } | (outcome or {})
    p = {
        "@id": "programme/p",
        "@type": "Programme",
        "label": {"@value": "Nurse training", "@language": "en"},
        "implementedBy": "organisation/epo",
    } | (programme or {})
    org = {
        "@id": "organisation/epo",
        "@type": "Organisation",
        "label": {"@value": "Example Partner Organisation", "@language": "en"},
    } | (organisation or {})
    passage = {
        "@id": "passage/1",
        "@type": "Passage",
        "source": "https://example.org/r.pdf",
        "text": PASSAGE_TEXT,
    }
    nodes = [{k: v for k, v in n.items() if v is not None} for n in (org, p, passage, o)]
    return json.dumps({"@context": CONTEXT_URL, "@graph": nodes + list(extra)}).encode()


def csv_rows(*changes: dict) -> bytes:
    """A CSV contribution from the template: one row per dict of changed cells."""
    base = {
        "organisation": "Example Partner Organisation",
        "country": "Niger",
        "commitment": "3",
        "programme": "Nurse training",
        "counted": "nurses trained",
        "value": "120",
        "start_year": "2005",
        "end_year": "2005",
        "status": "achieved",
        "source": "https://example.org/r.pdf",
        "quote": PASSAGE_TEXT,
    }
    out = io.StringIO()
    writer = csv.DictWriter(out, [c["name"] for c in csv_columns()])
    writer.writeheader()
    for change in changes or ({},):
        writer.writerow(base | change)
    return out.getvalue().encode()


@dataclass
class Case:
    """One kind of error, written in each format where it can be, and what the user reads."""

    name: str
    message: str  #: a substring of the message
    ttl: dict = field(default_factory=dict)  #: keyword arguments of turtle()
    jsonld: dict | None = None  #: keyword arguments of jsonld(); None: not in JSON-LD
    csv: dict | None = None  #: changed cells of the CSV row; None: not in CSV
    column: str = ""  #: the CSV column the message names
    severity: str = "Violation"


CASES = [
    Case(
        "outcome without country",
        "does not say in which country",
        ttl={"outcome": {"poa:country": None}},
        jsonld={"outcome": {"country": None}},
        csv={"country": ""},
        column="country",
    ),
    Case(
        "unknown country IRI",
        "not a country of the UN reference data",
        ttl={"outcome": {"poa:country": "country:XXX"}},
        jsonld={"outcome": {"country": "id:country/XXX"}},
        csv={"country": "https://w3id.org/poagraph/id/country/XXX"},
        column="country",
    ),
    Case(
        "unknown country name",
        "not a country of the UN reference data",
        ttl={"outcome": {"poa:country": '"Atlantis"'}},
        jsonld={"outcome": {"country": {"@value": "Atlantis"}}},
        csv={"country": "Atlantis"},
        column="country",
    ),
    Case(
        "outcome without value",
        "has no value",
        ttl={"outcome": {"poa:value": None}},
        jsonld={"outcome": {"value": None}},
        csv={"value": ""},
        column="value",
    ),
    Case(
        "negative value",
        "must be one number, zero or more",
        ttl={"outcome": {"poa:value": "-5"}},
        jsonld={"outcome": {"value": -5}},
        csv={"value": "-5"},
        column="value",
    ),
    Case(
        "value that is not a number",
        "must be one number, zero or more",
        ttl={"outcome": {"poa:value": '"many"'}},
        jsonld={"outcome": {"value": "many"}},
        csv={"value": "many"},
        column="value",
    ),
    Case(
        "outcome without unit",
        "does not say what it counts",
        ttl={"outcome": {"poa:unit": None}},
        jsonld={"outcome": {"unit": None}},
        csv={"counted": ""},
        column="counted",
    ),
    Case(
        "money without currency",
        "amount of money without a currency",
        ttl={"outcome": {"poa:unit": '"US dollars granted"'}},
        jsonld={"outcome": {"unit": "US dollars granted"}},
        csv={"counted": "US dollars granted"},
        column="currency",
    ),
    Case(
        "currency not ISO 4217",
        "ISO 4217 code",
        ttl={"outcome": {"poa:currency": '"dollars"'}},
        jsonld={"outcome": {"currency": "dollars"}},
        csv={"currency": "dollars"},
        column="currency",
    ),
    Case(
        "outcome without evidence",
        "There is no evidence",
        ttl={"outcome": {"poa:evidence": None, "poa:quote": None}},
        jsonld={"outcome": {"evidence": None, "quote": None}},
        csv={"source": "", "quote": ""},
        column="source",
    ),
    Case(
        "status neither achieved nor planned",
        "The status must say once whether the result happened",
        ttl={"outcome": {"poa:status": '"done"'}},
        jsonld={"outcome": {"status": {"@value": "done"}}},
        csv={"status": "done"},
        column="status",
    ),
    Case(
        "two statuses",
        "The status must say once whether the result happened",
        ttl={"outcome": {"poa:status": "poa:Achieved , poa:Planned"}},
        jsonld={"outcome": {"status": ["Achieved", "Planned"]}},
    ),
    Case(
        "commitment outside 1-7",
        "not a commitment (1 to 7) or an action",
        ttl={"outcome": {"poa:addresses": "commitment:9"}},
        jsonld={"outcome": {"addresses": "id:bpoa/commitment/9"}},
        csv={"commitment": "9"},
        column="commitment",
    ),
    Case(
        "action not in the scheme",
        "not a commitment (1 to 7) or an action",
        ttl={
            "outcome": {
                "poa:addresses": "<https://w3id.org/poagraph/id/bpoa/commitment/3/action/x>"
            }
        },
        jsonld={"outcome": {"addresses": "id:bpoa/commitment/3/action/x"}},
        csv={"action": "Helping nobody in particular with anything"},
        column="action",
    ),
    Case(
        "programme without label",
        "The programme has no name",
        ttl={"programme": {"rdfs:label": None}},
        jsonld={"programme": {"label": None}},
    ),
    Case(
        "programme without implementing organisation",
        "does not say who implements it",
        ttl={"programme": {"poa:implementedBy": None}},
        jsonld={"programme": {"implementedBy": None}},
        csv={"organisation": "", "programme": "Another programme"},
        column="organisation",
    ),
    Case(
        "year outside the decade",
        "lies outside 2001-2010",
        ttl={"outcome": {"poa:startYear": '"1998"^^xsd:gYear'}},
        jsonld={"outcome": {"startYear": "1998"}},
        csv={"start_year": "1998"},
        column="start_year",
    ),
    Case(
        "year that is not a year",
        "one year written as four digits",
        ttl={"outcome": {"poa:endYear": '"2005-2006"'}},
        jsonld={"outcome": {"endYear": "2005-2006"}},
        csv={"end_year": "2005-2006"},
        column="end_year",
    ),
    Case(
        "quote not in its passage",
        "The quote is not in the passage it cites",
        ttl={"outcome": {"poa:quote": '"trained 150 nurses"'}},
        jsonld={"outcome": {"quote": "trained 150 nurses"}},
    ),
    Case(
        "two labels in the same language",
        "two labels in the same language",
        ttl={"organisation": {"rdfs:label": '"Example Partner Organisation"@en , "EPO"@en'}},
        jsonld={
            "organisation": {
                "label": [
                    {"@value": "Example Partner Organisation", "@language": "en"},
                    {"@value": "EPO", "@language": "en"},
                ]
            }
        },
    ),
    Case(
        "statement about a country",
        "You cannot change reference data",
        ttl={"extra": 'country:ETH rdfs:label "Abyssinia"@en .\n'},
        jsonld={"extra": [{"@id": "id:country/ETH", "label": "Abyssinia"}]},
    ),
    Case(
        "statement about a commitment",
        "You cannot change reference data",
        ttl={"extra": "commitment:3 poa:number 8 .\n"},
        jsonld={"extra": [{"@id": "id:bpoa/commitment/3", "number": 8}]},
    ),
    Case(
        "a new country",
        "cannot create a new Country",
        ttl={"extra": '<country/atlantis> a poa:Country ; rdfs:label "Atlantis"@en .\n'},
        jsonld={"extra": [{"@id": "country/atlantis", "@type": "Country", "label": "A"}]},
    ),
    Case(
        "a new commitment",
        "cannot create a new Commitment",
        ttl={"extra": "<commitment/8> a poa:Commitment ; poa:number 8 .\n"},
        jsonld={"extra": [{"@id": "commitment/8", "@type": "Commitment", "number": 8}]},
    ),
    Case(
        "statement about a passage of a report",
        "already described in report iom-bpoa-review",
        ttl={"extra": f'<{iris.passage("iom-bpoa-review", 1)}> poa:text "x" .\n'},
        jsonld={"extra": [{"@id": "id:report/iom-bpoa-review/passage/1", "text": "x"}]},
    ),
    Case(
        "statement about an ontology term",
        "already described in the ontology",
        ttl={"extra": 'poa:Outcome rdfs:label "Result"@en .\n'},
        jsonld={"extra": [{"@id": "poa:Outcome", "label": "Result"}]},
    ),
    Case(
        "resource in a reserved namespace",
        "lies in a namespace your contribution does not own",
        ttl={"extra": '<https://w3id.org/poagraph/id/programme/mine> rdfs:label "x"@en .\n'},
        jsonld={"extra": [{"@id": "id:programme/mine", "label": "x"}]},
    ),
]


@pytest.fixture(scope="module")
def ref(built_store_path: Path):
    reference = open_reference(built_store_path)
    yield reference
    del reference.db


def _find(report, case: Case):
    return [r for r in report.results if case.message in r.message]


def test_cases_are_all_collected():
    assert len(CASES) == 27
    assert sum(c.jsonld is not None for c in CASES) == 27
    assert sum(c.csv is not None for c in CASES) == 16


@pytest.mark.parametrize("fmt", ["ttl", "jsonld", "csv"])
def test_the_base_contribution_conforms(ref, fmt):
    data = {"ttl": turtle(), "jsonld": jsonld(), "csv": csv_rows()}[fmt]
    report = validate_contribution(data, fmt, reference=ref, source=f"base.{fmt}")
    assert report.conforms, to_text(report)
    assert report.results == []  # not even a warning


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_error_in_turtle(ref, case):
    report = validate_contribution(turtle(**case.ttl), "ttl", reference=ref, source="c.ttl")
    found = _find(report, case)
    assert found, to_text(report)
    assert found[0].severity == case.severity
    assert case.message in render(report, "text")
    assert not report.conforms


@pytest.mark.parametrize("case", [c for c in CASES if c.jsonld is not None], ids=lambda c: c.name)
def test_error_in_jsonld(ref, case):
    report = validate_contribution(jsonld(**case.jsonld), "jsonld", reference=ref)
    found = _find(report, case)
    assert found, to_text(report)
    assert found[0].severity == case.severity
    assert not report.conforms


@pytest.mark.parametrize("case", [c for c in CASES if c.csv is not None], ids=lambda c: c.name)
def test_error_in_csv_names_row_and_column(ref, case):
    data = csv_rows({}, case.csv)  # the error is in the second data row: row 3
    report = validate_contribution(data, "csv", reference=ref, source="c.csv")
    found = _find(report, case)
    assert found, to_text(report)
    assert found[0].severity == case.severity
    assert found[0].location == f"row 3, column {case.column}"
    assert "[row 3]" in to_text(report) and f"<- column {case.column}" in to_text(report)
    assert not report.conforms


@pytest.mark.parametrize("fmt", ["ttl", "jsonld"])
def test_flagged_years_outside_the_decade_pass(ref, fmt):
    if fmt == "ttl":
        data = turtle(outcome={"poa:startYear": '"1998"^^xsd:gYear', "poa:outsideDecade": "true"})
    else:
        data = jsonld(outcome={"startYear": "1998", "outsideDecade": "true"})
    report = validate_contribution(data, fmt, reference=ref)
    assert report.conforms, to_text(report)


@pytest.mark.parametrize("fmt", ["ttl", "jsonld", "csv"])
def test_an_outcome_without_status_is_only_a_warning(ref, fmt):
    """A partner may not say whether a result happened: the outcome is accepted, with a
    warning that it is not counted in totals (DESIGN §2: "Contributed outcomes may lack
    it")."""
    data = {
        "ttl": lambda: turtle(outcome={"poa:status": None}),
        "jsonld": lambda: jsonld(outcome={"status": None}),
        "csv": lambda: csv_rows({"status": ""}),
    }[fmt]()
    report = validate_contribution(data, fmt, reference=ref, source=f"s.{fmt}")
    assert report.conforms, to_text(report)
    [warning] = report.warnings
    assert warning.message.startswith("The outcome does not say whether it happened (achieved)")
    assert "it is not counted in totals" in warning.message
    if fmt == "csv":
        assert warning.location == "row 2, column status"


def test_csv_status_is_either_word_in_any_case(ref):
    """achieved / planned, whatever the case, become poa:Achieved and poa:Planned."""
    data = csv_rows({"status": "ACHIEVED"}, {"status": "Planned", "country": "Mali"})
    c = parse_contribution(data, "csv", source="status.csv")
    report, triples = check(c, ref)
    assert report.conforms and report.results == [], to_text(report)
    statuses = {
        (t.subject.value.rsplit("/", 1)[-1], t.object)
        for t in triples
        if t.predicate.value == iris.poa("status")
    }
    assert statuses == {
        ("row-2", ox.NamedNode(iris.poa("Achieved"))),
        ("row-3", ox.NamedNode(iris.poa("Planned"))),
    }


def test_names_resolve_to_the_graph(ref):
    """Countries by name or code, commitments by number, organisations and programmes the
    report already holds by name or acronym."""
    data = csv_rows(
        {"country": "ethiopia", "organisation": "IOM", "programme": "VARRP"},
        {"country": "NPL", "commitment": "7"},
    )
    c = parse_contribution(data, "csv", source="names.csv")
    report, triples = check(c, ref)
    assert report.conforms, to_text(report)
    objects = {(t.predicate.value.rsplit("#")[-1], t.object.value) for t in triples}
    assert ("country", iris.country("ETH")) in objects
    assert ("country", iris.country("NPL")) in objects
    assert ("addresses", iris.commitment(7)) in objects
    assert ("reportedBy", iris.organisation("iom")) in objects
    assert ("outcomeOf", iris.programme("varrp")) in objects
    # the known programme is linked, not described again
    assert not any(t.subject.value == iris.programme("varrp") for t in triples)


def test_exact_names_win_and_ambiguous_names_are_reported(ref):
    # "Guinea" is exactly one country's name, though three others start with it
    report = validate_contribution(csv_rows({"country": "Guinea"}), "csv", reference=ref)
    assert report.conforms, to_text(report)
    report = validate_contribution(csv_rows({"country": "United States"}), "csv", reference=ref)
    [result] = report.violations
    assert "names more than one resource" in result.message
    assert "USA" in result.message and "UMI" in result.message
    assert result.location == "row 2, column country"


def test_blank_node_only_contribution_validates_and_gets_iris_when_accepted(ref):
    data = (
        TTL_PREFIXES
        + """
        [] a poa:Outcome ;
            poa:reportedBy [ a poa:Organisation ; rdfs:label "Example Partner"@en ] ;
            poa:country "Niger" ; poa:value 7 ; poa:unit "schools built" ;
            poa:evidence [ a poa:Passage ; dcterms:source <https://example.org/r.pdf> ;
                           poa:text "We built 7 schools." ] ;
            poa:quote "7 schools" .
        """
    ).encode()
    c = parse_contribution(data, "ttl", source="blank.ttl", contribution_id="b1")
    report, triples = check(c, ref)
    assert report.conforms, to_text(report)
    minted = mint_blank_nodes(triples, c.namespace)
    subjects = sorted({t.subject.value for t in minted})
    base = f"{iris.ID}contribution/b1/"
    assert subjects == [base + "organisation/b2", base + "outcome/b1", base + "passage/b3"]
    assert not any(isinstance(t.object, ox.BlankNode) for t in minted)


def test_semicolon_separated_csv(ref):
    data = csv_rows().decode().replace(",", ";").encode()
    report = validate_contribution(data, "csv", reference=ref)
    assert report.conforms, to_text(report)


def test_worked_examples(ref):
    examples = paths.ROOT / "contributions" / "examples"
    for name in ("valid.ttl", "valid.jsonld", "valid.csv"):
        report = validate_contribution(examples / name, reference=ref)
        assert report.conforms, to_text(report)
    for name in ("invalid.ttl", "invalid.jsonld", "invalid.csv"):
        report = validate_contribution(examples / name, reference=ref)
        assert len(report.violations) >= 6, to_text(report)
    template = (paths.ROOT / "contributions" / "template.csv").read_text().strip()
    assert template.split(",") == [c["name"] for c in csv_columns()]


def test_csv_round_trip_into_the_store(built_store_path: Path, tmp_path: Path):
    """A valid CSV contribution validates, converts to RDF, loads as its own named graph,
    and its outcomes answer SPARQL; a second contribution cannot change the first."""
    store_path = tmp_path / "store"
    shutil.copytree(built_store_path, store_path)
    data = csv_rows(
        {"country": "Niger", "value": "120"},
        {"country": "Mali", "value": "75", "counted": "midwives trained", "quote": "75 midwives."},
    )
    db = store.open_store(store_path, create=False)
    try:
        ref = reference_from_store(db)  # check against this very store
        c = parse_contribution(data, "csv", source="round.csv", contribution_id="c1")
        report, triples = check(c, ref)
        assert report.conforms, to_text(report)
        graph = ox.NamedNode(iris.contribution_graph("c1"))
        store.replace_graph(db, graph, triples)
        rows = db.query(
            """PREFIX poa: <https://w3id.org/poagraph/ontology#>
            SELECT ?iso3 ?value ?unit ?quote WHERE {
              ?o a poa:Outcome ; poa:country ?c ; poa:value ?value ; poa:unit ?unit ;
                 poa:quote ?quote .
              ?c poa:iso3 ?iso3 .
              FILTER (STRSTARTS(STR(?o), "https://w3id.org/poagraph/id/contribution/c1/"))
            } ORDER BY ?iso3""",
            use_default_graph_as_union=True,
        )
        found = [(r["iso3"].value, int(r["value"].value), r["unit"].value) for r in rows]
        assert found == [("MLI", 75, "midwives trained"), ("NER", 120, "nurses trained")]

        intruder = turtle(extra=f"<{iris.ID}contribution/c1/outcome/row-2> poa:value 9999 .\n")
        c2 = parse_contribution(intruder, "ttl", source="c2.ttl", contribution_id="c2")
        report2, _ = check(c2, ref)
        assert any("already described in contribution c1" in r.message for r in report2.violations)
    finally:
        del db


@pytest.mark.parametrize("fmt", ["ttl", "jsonld"])
def test_results_name_the_line_of_the_resource(ref, fmt):
    if fmt == "ttl":
        data = turtle(outcome={"poa:country": "country:XXX"}, extra='country:ETH poa:m49 "1" .\n')
        outcome_line, country_line = "<outcome/1> a poa:Outcome", "country:ETH poa:m49"
    else:
        pretty = json.dumps(json.loads(jsonld(outcome={"country": "id:country/XXX"})), indent=1)
        data = pretty.encode()
        outcome_line, country_line = '"@id": "outcome/1"', None
    lines = data.decode().splitlines()
    expected = next(n for n, line in enumerate(lines, 1) if outcome_line in line)
    report = validate_contribution(data, fmt, reference=ref, source=f"x.{fmt}")
    [result] = [r for r in report.results if "not a country" in r.message]
    assert result.location == f"line {expected}"
    assert f"[line {expected}]" in to_text(report)
    if country_line:
        [boundary] = [r for r in report.results if "cannot change reference data" in r.message]
        assert boundary.location == f"line {len(lines)}"


def test_terms_of_the_csv_mapping_and_the_context_are_declared():
    """Every poa: term the CSV template, its column list and the published JSON-LD context
    use is declared in the ontology."""
    import re

    import rdflib

    from poagraph.contributions.config import CSV_TEMPLATE, context

    ontology = rdflib.Graph()
    for name in ("poa.ttl", "bpoa.ttl"):
        ontology.parse(paths.ONTOLOGY / name, format="turtle")
    declared = {str(s) for s in ontology.subjects()}
    used = {iris.POA + t for t in re.findall(r"poa:([A-Za-z]+)", CSV_TEMPLATE.read_text())}
    used |= {c["property"] for c in csv_columns() if c["property"].startswith(iris.POA)}
    for key, value in context().items():
        if key.startswith("@") or (isinstance(value, str) and value[-1:] in "/#"):
            continue
        target = value.get("@id", key) if isinstance(value, dict) else value
        if ":" not in target:
            used.add(iris.POA + target)  # a term under @vocab
    assert len(used) >= 20
    assert sorted(used - declared) == []


def test_quote_checked_against_a_passage_of_the_report(ref):
    """Evidence may be a passage the graph already holds: the quote is checked against its
    text as the report has it."""
    passage = ox.NamedNode(iris.passage("iom-bpoa-review", 37))
    [text] = [
        q.object.value
        for q in ref.db.quads_for_pattern(passage, ox.NamedNode(iris.poa("text")), None)
    ]
    words = text.split()[3:11]
    quote = " ".join(words)
    assert quote in text
    ok = turtle(outcome={"poa:evidence": f"<{passage.value}>", "poa:quote": json.dumps(quote)})
    report = validate_contribution(ok, "ttl", reference=ref)
    assert report.conforms, to_text(report)
    wrong = json.dumps(quote.replace(words[1], words[1].upper() + "X"))
    bad = turtle(outcome={"poa:evidence": f"<{passage.value}>", "poa:quote": wrong})
    report = validate_contribution(bad, "ttl", reference=ref)
    assert [r.path_label for r in report.violations] == ["quote"]
    assert "The quote is not in the passage it cites" in report.violations[0].message
