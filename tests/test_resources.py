"""Linked-data pages at /id/...: HTML for browsers, RDF by Accept, twins, 404s, escaping.

Two apps: one on the hand-written sample (tests/data/web-sample.trig, plus hostile literals)
for exact checks, one on the full build of the bundled report for the real pages.
Expected answers are computed from the store with pyoxigraph, never copied from the pages.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib
from markupsafe import escape
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store, Variable, parse
from ui_support import BROWSER, ID, POA, close_app, local, make_app, memory_copy, sample_store
from ui_support import section as page_section

from poagraph import paths

RDFS_LABEL = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
REPORT_GRAPH = NamedNode("https://w3id.org/poagraph/graph/report/iom-bpoa-review")

OA = "http://www.w3.org/ns/oa#"
AFG = ID + "country/AFG"
COD, RWA, BDI = (ID + f"country/{c}" for c in ("COD", "RWA", "BDI"))
RQA = ID + "programme/rqa"
HSF = ID + "programme/human-security-fund-ethiopia"
SRS = ID + "organisation/eth-somali-regional-state"
REPORT = ID + "report/iom-bpoa-review/"
PLANNED = REPORT + "outcome/18"  # "350 highly qualified Afghans to be placed": a target
RETURNED = REPORT + "outcome/2"  # "It has assisted over 4,400 migrants": done, years inferred
FUND = REPORT + "outcome/5"  # "has received a Human Security Fund of about \\$ 1.4 Million"
JOINT = REPORT + "outcome/25"  # "4 permanent returns", MIDA Great Lakes: COD, RWA, BDI
UNDATED = REPORT + "event/17"  # "meeting of Experts on Post-Conflict Reconstruction"
PASSAGE = REPORT + "passage/100"
ETHIOPIA_PASSAGE = REPORT + "passage/37"

EVIL_ORG = ID + "organisation/evil"
EVIL_PASSAGE = ID + "report/iom-bpoa-review/passage/999"
EVIL_OUTCOME = ID + "report/iom-bpoa-review/outcome/999"
EVIL_ANNOTATION = ID + "report/iom-bpoa-review/annotation/999"
SCRIPT = "<script>document.title='pwned'</script>"

RDF_MEDIA = {
    "text/turtle": RdfFormat.TURTLE,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "application/ld+json": RdfFormat.JSON_LD,
    "application/rdf+xml": RdfFormat.RDF_XML,
}


def _hostile() -> list[Quad]:
    """Literals full of markup: pages must show them as text, never run them. The outcome
    has a poa:quote without an annotation (found by its words), the organisation an
    annotation without offsets."""
    n = NamedNode

    def q(s: str, p: str, o) -> Quad:
        return Quad(n(s), n(p), o, REPORT_GRAPH)

    target = EVIL_ANNOTATION + "/target"
    return [
        q(EVIL_ORG, RDF_TYPE.value, n(POA + "Organisation")),
        q(EVIL_ORG, RDFS_LABEL.value, Literal(f"{SCRIPT} & <b>Co</b>", language="en")),
        q(EVIL_PASSAGE, RDF_TYPE.value, n(POA + "Passage")),
        q(EVIL_PASSAGE, POA + "text", Literal(f"Before {SCRIPT} the <b>bold</b> words & after.")),
        q(EVIL_PASSAGE, POA + "inReport", n(ID + "report/iom-bpoa-review")),
        q(EVIL_OUTCOME, RDF_TYPE.value, n(POA + "Outcome")),
        q(EVIL_OUTCOME, POA + "evidence", n(EVIL_PASSAGE)),
        q(EVIL_OUTCOME, POA + "quote", Literal("the <b>bold</b> words")),
        q(EVIL_OUTCOME, POA + "reportedBy", n(EVIL_ORG)),
        q(EVIL_ANNOTATION, RDF_TYPE.value, n(OA + "Annotation")),
        q(EVIL_ANNOTATION, OA + "hasBody", n(EVIL_ORG)),
        q(EVIL_ANNOTATION, OA + "hasTarget", n(target)),
        q(target, OA + "hasSource", n(EVIL_PASSAGE)),
        q(target, OA + "hasSelector", n(target + "/quote")),
        q(target + "/quote", OA + "exact", Literal(f"Before {SCRIPT}", language="en")),
    ]


@pytest.fixture(scope="module")
def sample_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sample_store(tmp_path_factory.mktemp("sample") / "store", _hostile())


@pytest.fixture(scope="module")
def sample(sample_path: Path) -> Store:
    """The sample data in memory, to compute expected answers."""
    return memory_copy(sample_path)


@pytest.fixture(scope="module")
def client(sample_path: Path) -> Iterator:
    app = make_app(sample_path)
    yield app.test_client()
    close_app(app)


@pytest.fixture(scope="module")
def source() -> str:
    return (paths.SOURCES / "iom-bpoa-review.md").read_text(encoding="utf-8")


def _html(client, path: str) -> str:
    response = client.get(path, headers=BROWSER)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def _triples_about(store: Store, iri: str) -> set[tuple[str, str, str]]:
    """Distinct triples with `iri` as subject, over all graphs, as N-Triples strings."""
    node = NamedNode(iri)
    return {
        (str(q.subject), str(q.predicate), str(q.object))
        for q in store.quads_for_pattern(node, None, None, None)
    }


def _triples_to(store: Store, iri: str) -> set[tuple[str, str, str]]:
    node = NamedNode(iri)
    return {
        (str(q.subject), str(q.predicate), str(q.object))
        for q in store.quads_for_pattern(None, None, node, None)
    }


def _one(store: Store, s: str, p: str) -> str:
    return next(store.quads_for_pattern(NamedNode(s), NamedNode(p), None)).object.value


def _annotations(store: Store, body: str) -> list[dict]:
    """The annotations of `body`: passage, exact words and offsets, read from the store."""
    rows = store.query(
        """PREFIX oa: <http://www.w3.org/ns/oa#>
        SELECT ?body ?a ?passage ?exact ?start ?end WHERE {
          ?a oa:hasBody ?body ; oa:hasTarget ?t . ?t oa:hasSource ?passage ;
             oa:hasSelector ?q , ?p . ?q oa:exact ?exact . ?p oa:start ?start ; oa:end ?end }""",
        substitutions={Variable("body"): NamedNode(body)},
        use_default_graph_as_union=True,
    )
    return [
        {
            "annotation": r["a"].value,
            "passage": r["passage"].value,
            "exact": r["exact"].value,
            "start": int(r["start"].value),
            "end": int(r["end"].value),
        }
        for r in rows
    ]


# --- the sample itself -----------------------------------------------------------------------


def test_the_sample_quotes_the_report_at_its_offsets(sample, source):
    """Hand-written data, but every passage and annotation is the report's own words."""
    texts = sample.query(
        "SELECT ?p ?t ?s ?e { ?p <https://w3id.org/poagraph/ontology#text> ?t ;"
        " <https://w3id.org/poagraph/ontology#startOffset> ?s ;"
        " <https://w3id.org/poagraph/ontology#endOffset> ?e }",
        use_default_graph_as_union=True,
    )
    checked = 0
    for row in texts:
        assert source[int(row["s"].value) : int(row["e"].value)] == row["t"].value
        checked += 1
    assert checked >= 5
    bodies = {
        q.object.value for q in sample.quads_for_pattern(None, NamedNode(OA + "hasBody"), None)
    }
    for body in bodies - {EVIL_ORG}:
        for a in _annotations(sample, body):
            assert source[a["start"] : a["end"]] == a["exact"], a["annotation"]


# --- HTML pages -----------------------------------------------------------------------------


def test_country_page_shows_its_programmes_and_outcomes(client, sample):
    html = _html(client, local(AFG))
    assert "<h1>Afghanistan</h1>" in html
    programmes = page_section(html, "programmes")
    outcomes = page_section(html, "outcomes")
    expected_programmes = _of_class_with(sample, "Programme", "country", AFG)
    expected_outcomes = _of_class_with(sample, "Outcome", "country", AFG)
    assert expected_programmes and expected_outcomes
    for iri in expected_programmes:
        assert f'href="{local(iri)}"' in programmes
    for iri in expected_outcomes:
        assert f'href="{local(iri)}"' in outcomes
    # labelled in the page's language: the sample also names RQA in French
    assert "Return of Qualified Afghans" in programmes
    assert "Retour des Afghans" not in programmes


def _row(section: str, iri: str) -> str:
    """The table row of `iri` in a page section."""
    match = re.search(rf'<tr[^>]*>\s*<td><a href="{re.escape(local(iri))}".*?</tr>', section, re.S)
    assert match, f"no row for {iri}"
    return match.group(0)


def test_country_page_gives_each_outcome_its_status(client):
    outcomes = page_section(_html(client, local(AFG)), "outcomes")
    # "Currently IOM Afghanistan is implementing 4 RQA projects to support ... deployment of
    # 350 highly qualified Afghans to be placed into key jobs": a target
    assert '<td class="status">Planned</td>' in _row(outcomes, PLANNED)
    # "It has assisted over 4,400 migrants to voluntarily return home": done
    assert '<td class="status">Achieved</td>' in _row(outcomes, RETURNED)
    assert "1 achieved, 1 planned" in outcomes


def test_totals_count_achieved_outcomes_only(client):
    totals = page_section(_html(client, local(AFG)), "totals")
    assert "4,400" in totals and "migrants returned" in totals
    assert "350" not in totals  # the target is no result


@pytest.mark.parametrize(
    ("country", "others"),
    [
        (COD, ["Burundi", "Rwanda"]),
        (RWA, ["Burundi", "Democratic Republic of the Congo"]),
        (BDI, ["Democratic Republic of the Congo", "Rwanda"]),
    ],
)
def test_a_joint_outcome_is_shared_on_each_country_page_and_counted_once(client, country, others):
    """ "a second phase was launched which resulted in 77 short or long-term missions,
    4 permanent returns": one result of MIDA Great Lakes, for the three countries together."""
    html = _html(client, local(country))
    row = _row(page_section(html, "outcomes"), JOINT)
    shared = re.search(r'<td class="countries">(.*?)</td>', row, re.S).group(1)
    assert re.findall(r">([^<]+)</a>", shared) == others  # the others, in English
    assert "stated jointly with other countries" in page_section(html, "outcomes")
    totals = page_section(html, "totals")
    total_row = re.search(r"<tr><td[^>]*>([^<]*)</td><td>permanent returns</td>(.*?)</tr>", totals)
    assert total_row.group(1) == "4"  # once, not 4 per country
    assert re.findall(r'<td class="number">(\d+)</td>', total_row.group(2)) == ["1", "1"]


def test_outcome_page_marks_the_words_at_their_offsets(client, sample):
    html = _html(client, local(PLANNED))
    (annotation,) = _annotations(sample, PLANNED)
    text = _one(sample, annotation["passage"], POA + "text")
    offset = int(_one(sample, annotation["passage"], POA + "startOffset"))
    start, end = annotation["start"] - offset, annotation["end"] - offset
    evidence = page_section(html, "evidence")
    marked = (
        f'{escape(text[:start])}<mark class="quote">{escape(text[start:end])}</mark>'
        f"{escape(text[end:])}"
    )
    assert marked in evidence
    assert f"characters {annotation['start']}–{annotation['end']}" in evidence
    assert f'href="{local(annotation["annotation"])}"' in evidence
    # the passage's context: its report, place and action, as local links
    for predicate in ("inReport", "country", "addresses"):
        target = _one(sample, annotation["passage"], POA + predicate)
        assert f'href="{local(target)}"' in evidence, predicate
    assert f'href="{local(annotation["passage"])}"' in evidence


def test_outcome_page_shows_status_and_what_was_inferred(client, sample):
    planned = _html(client, local(PLANNED))
    assert re.search(r'<p class="status status-planned">Status: <a [^>]+>planned</a>', planned)
    html = _html(client, local(RETURNED))
    assert re.search(r'<p class="status status-achieved">Status: <a [^>]+>achieved</a>', html)
    inferences = page_section(html, "inferences")
    note = _one(sample, RETURNED, "http://www.w3.org/2004/02/skos/core#editorialNote")
    assert str(escape(note)) in inferences
    assert 'href="/ontology#startYear"' in inferences and 'href="/ontology#endYear"' in inferences
    # the inferred properties are flagged where their values are listed
    rows = re.findall(r'<tr class="inferred">\s*<th scope="row"><a href="([^"]+)"', html)
    assert sorted(rows) == ["/ontology#endYear", "/ontology#startYear"]
    assert 'class="inferred"' not in planned  # nothing inferred there


def test_programme_page_shows_evidence_relations_and_outcomes(client, sample):
    html = _html(client, local(HSF))
    assert "<h1>Human Security Fund project (Ethiopia)</h1>" in html
    assert "<mark" in page_section(html, "evidence")
    assert f'href="{local(FUND)}"' in page_section(html, "outcomes")
    relations = page_section(html, "relations")
    # "... has received a Human Security Fund of about \\$ 1.4 Million USD from the Japanese
    # Government.": funded by the Government of Japan, in those words, tidied
    row = re.search(r"<tr><td>.*?funded by.*?</tr>", relations, re.S).group(0)
    assert 'href="/id/organisation/government-jpn"' in row
    assert "about $ 1.4 Million USD from the Japanese Government." in row
    assert "\\$" not in html
    (words,) = _annotations(sample, _statement(sample, HSF, "fundedBy"))
    assert f"characters {words['start']}–{words['end']}" in row
    assert f'href="{local(words["passage"])}"' in row


def _statement(store: Store, subject: str, predicate: str) -> str:
    rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    for q in store.quads_for_pattern(None, NamedNode(rdf + "subject"), NamedNode(subject)):
        if _one(store, q.subject.value, rdf + "predicate") == POA + predicate:
            return q.subject.value
    raise AssertionError(f"no statement {subject} {predicate}")


def test_organisation_and_undated_event_pages_show_their_evidence(client, sample, source):
    for iri in (SRS, UNDATED):
        html = _html(client, local(iri))
        evidence = page_section(html, "evidence")
        (annotation,) = _annotations(sample, iri)
        assert f"characters {annotation['start']}–{annotation['end']}" in evidence, iri
        assert "<mark" in evidence
    # "... capacity building initiatives, the development\n\nand rehabilitation of social
    # service facilities": a page break inside the sentence, gone on the page
    exact = _annotations(sample, SRS)[0]["exact"]
    assert "development\n\nand" in exact
    html = _html(client, local(SRS))
    assert "the development and rehabilitation of social service facilities" in html
    assert "development\n" not in html


def test_passage_page_marks_each_claim_stated_in_it(client, sample):
    html = _html(client, local(ETHIOPIA_PASSAGE))
    passage = page_section(html, "passage")
    stated = page_section(html, "stated")
    bodies = {
        q.object.value
        for t in sample.quads_for_pattern(
            None, NamedNode(OA + "hasSource"), NamedNode(ETHIOPIA_PASSAGE)
        )
        for a in sample.quads_for_pattern(None, NamedNode(OA + "hasTarget"), t.subject)
        for q in sample.quads_for_pattern(a.subject, NamedNode(OA + "hasBody"), None)
    }
    assert len(bodies) >= 5
    for body in bodies:
        assert f'href="{local(body)}"' in stated, body
    # the words several claims share are one mark, linked to a resource before a relation
    assert re.search(
        r'<a class="quote" href="/id/(organisation|programme|report/[^"]+/outcome)/', passage
    )
    assert "\\$" not in passage and "$ 1.4 Million USD" in passage
    assert "Human Security Fund project (Ethiopia) — funded by — Government of Japan" in stated


def test_relation_page_is_named_by_its_parts(client, sample):
    statement = _statement(sample, HSF, "fundedBy")
    html = _html(client, local(statement))
    title = "Human Security Fund project (Ethiopia) — funded by — Government of Japan"
    assert f"<h1>{title}</h1>" in html
    assert "<mark" in page_section(html, "evidence")


def test_quotes_are_tidied_on_pages_and_exact_in_rdf_and_sparql(client, sample):
    """The report writes "about \\$ 1.4 Million USD" (a Markdown escape): a reader sees "$"."""
    quote = _one(sample, FUND, POA + "quote")
    assert "\\$ 1.4" in quote
    html = _html(client, local(FUND))
    assert "about $ 1.4 Million USD" in html and "\\$" not in html
    turtle = client.get(local(FUND), headers={"Accept": "application/n-triples"})
    got = {str(t.object) for t in parse(turtle.get_data(), format=RdfFormat.N_TRIPLES)}
    assert str(Literal(quote, language="en")) in got
    query = f"SELECT ?q WHERE {{ <{FUND}> <{POA}quote> ?q }}"
    for media in ("text/csv", "application/sparql-results+json"):
        response = client.get("/sparql", query_string={"query": query}, headers={"Accept": media})
        assert response.status_code == 200
        if media == "text/csv":
            assert list(csv.reader(io.StringIO(response.get_data(as_text=True))))[1] == [quote]
        else:
            assert response.get_json()["results"]["bindings"][0]["q"]["value"] == quote
    # a passage's page break is kept by /sparql too
    passage_text = _one(sample, ETHIOPIA_PASSAGE, POA + "text")
    assert "\n\n" in passage_text
    query = f"SELECT ?t WHERE {{ <{ETHIOPIA_PASSAGE}> <{POA}text> ?t }}"
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": "text/csv"})
    assert list(csv.reader(io.StringIO(response.get_data(as_text=True))))[1] == [passage_text]


def test_links_are_local_for_our_resources_and_external_for_others(client):
    html = _html(client, local(AFG))
    assert 'href="http://www.wikidata.org/entity/Q889"' in html
    assert 'href="/ontology#Country"' in html
    assert 'href="https://w3id.org/poagraph/id/' not in html
    assert 'href="https://w3id.org/poagraph/ontology#' not in html


def test_inverse_links_name_what_points_at_the_resource(client, sample):
    html = _html(client, local(AFG))
    inverse = html[html.index("<caption>Linked from</caption>") :]
    pointing = {s for s, _, _ in _triples_to(sample, AFG)}
    assert len(pointing) >= 3
    for subject in pointing:
        assert f'href="{local(subject.strip("<>"))}"' in inverse


def test_literals_are_escaped_everywhere(client):
    for path in (local(EVIL_ORG), local(EVIL_PASSAGE), local(EVIL_OUTCOME)):
        html = _html(client, path)
        assert "<script>document" not in html, path
        assert "&lt;script&gt;document.title=" in html, path
        assert "<b>" not in html, path
    title = re.search(r"<title>(.*?)</title>", _html(client, local(EVIL_ORG)), re.S).group(1)
    assert "&lt;script&gt;" in title
    # the quote is still found and marked, escaped, inside the escaped passage text
    evidence = page_section(_html(client, local(EVIL_OUTCOME)), "evidence")
    assert '<mark class="quote">the &lt;b&gt;bold&lt;/b&gt; words</mark>' in evidence
    # and an annotation without offsets by its words
    evidence = page_section(_html(client, local(EVIL_ORG)), "evidence")
    assert '<mark class="quote">Before &lt;script&gt;' in evidence


# --- content negotiation ---------------------------------------------------------------------


@pytest.mark.parametrize("media", list(RDF_MEDIA))
def test_rdf_by_accept_is_the_description_of_the_subject(client, sample, media):
    response = client.get(local(AFG), headers={"Accept": media})
    assert response.status_code == 200
    assert response.mimetype == media
    assert "Accept" in response.headers.get("Vary", "")
    got = {
        (str(t.subject), str(t.predicate), str(t.object))
        for t in parse(response.get_data(), format=RDF_MEDIA[media])
    }
    assert _triples_about(sample, AFG) <= got  # every statement about it
    assert _triples_to(sample, AFG) <= got  # and every statement pointing at it


@pytest.mark.parametrize(
    ("media", "fmt"), [("application/ld+json", "json-ld"), ("text/turtle", "turtle")]
)
@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
def test_rdflib_reads_the_rdf_views(client, media, fmt):
    response = client.get(local(RQA), headers={"Accept": media})
    graph = rdflib.Graph().parse(data=response.get_data(as_text=True), format=fmt)
    subject = rdflib.URIRef(RQA)
    label = rdflib.Literal("Return of Qualified Afghans", lang="en")
    assert (subject, rdflib.RDFS.label, label) in graph


def test_q_values_choose_the_format(client):
    accept = "text/turtle;q=0.5, application/ld+json;q=0.9, text/html;q=0.1"
    response = client.get(local(AFG), headers={"Accept": accept})
    assert response.mimetype == "application/ld+json"
    json.loads(response.get_data())


def test_any_type_gets_turtle_and_format_overrides_accept(client):
    assert client.get(local(AFG), headers={"Accept": "*/*"}).mimetype == "text/turtle"
    response = client.get(local(AFG) + "?format=nt", headers=BROWSER)
    assert response.mimetype == "application/n-triples"


def test_twins_are_announced_both_ways_and_each_serves_its_type(client):
    html_response = client.get(local(AFG), headers=BROWSER)
    html = html_response.get_data(as_text=True)
    alternates = re.findall(r'<link rel="alternate" type="([^"]+)" href="([^"]+)"', html)
    assert {media for media, _ in alternates} == set(RDF_MEDIA)
    for media, href in alternates:
        response = client.get(href.replace("&amp;", "&"))
        assert response.status_code == 200
        assert response.mimetype == media
        # RDF responses point back to the HTML page
        assert f'<{local(AFG)}>; rel="alternate"; type="text/html"' in response.headers["Link"]
    link = html_response.headers["Link"]
    for media in RDF_MEDIA:
        assert f'type="{media}"' in link


# --- errors ---------------------------------------------------------------------------------


def test_unknown_iri_is_404_json_for_api_clients(client):
    for accept in ("application/json", "text/turtle", "*/*"):
        response = client.get("/id/country/XXX", headers={"Accept": accept})
        assert response.status_code == 404
        body = response.get_json()
        assert body["status"] == 404
        assert ID + "country/XXX" in body["error"]
        assert set(body) == {"error", "status"}


def test_unknown_iri_is_404_html_page_for_browsers(client):
    response = client.get("/id/country/XXX", headers=BROWSER)
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "country/XXX" in response.get_data(as_text=True)


def test_path_that_is_no_iri_is_404(client):
    assert client.get("/id/a%20b%3Cc%3E", headers=BROWSER).status_code == 404


def test_unacceptable_type_is_406(client):
    response = client.get(local(AFG), headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert response.get_json()["status"] == 406


# --- the full build of the bundled report -----------------------------------------------------


@pytest.fixture(scope="module")
def built(built_store_path: Path) -> Store:
    return memory_copy(built_store_path)


@pytest.fixture(scope="module")
def built_client(built_store_path: Path) -> Iterator:
    app = make_app(built_store_path)
    yield app.test_client()
    close_app(app)


def _of_class_with(store: Store, cls: str, predicate: str, obj: str) -> set[str]:
    return {
        q.subject.value
        for q in store.quads_for_pattern(None, NamedNode(POA + predicate), NamedNode(obj), None)
        if any(store.quads_for_pattern(q.subject, RDF_TYPE, NamedNode(POA + cls), None))
    }


def test_built_afghanistan_page_lists_all_its_programmes_and_outcomes(built_client, built):
    html = _html(built_client, local(AFG))
    programmes = _of_class_with(built, "Programme", "country", AFG)
    outcomes = _of_class_with(built, "Outcome", "country", AFG)
    assert programmes, "the build has no programme in Afghanistan"
    assert outcomes, "the build has no outcome in Afghanistan"
    assert f"Programmes ({len(programmes)})" in html
    assert f"Outcomes ({len(outcomes)})" in html
    for iri in programmes:
        assert f'href="{local(iri)}"' in page_section(html, "programmes")
    for iri in outcomes:
        assert f'href="{local(iri)}"' in page_section(html, "outcomes")


def test_built_outcomes_show_their_quote_marked_in_their_passage(built_client, built):
    outcomes = {
        q.subject.value
        for q in built.quads_for_pattern(None, RDF_TYPE, NamedNode(POA + "Outcome"), None)
    }
    assert outcomes
    for iri in sorted(outcomes):
        html = _html(built_client, local(iri))
        evidence = page_section(html, "evidence")
        assert "<mark" in evidence, iri
        assert "Quote not found" not in html, iri
        status = _one(built, iri, POA + "status")
        assert f'<p class="status status-{status.rsplit("#", 1)[1].lower()}">' in html, iri


@pytest.mark.parametrize("cls", ["Programme", "Organisation", "Event"])
def test_built_claims_show_the_words_of_their_annotations(built_client, built, cls):
    """Every programme, organisation and event has its evidence: each annotation's words
    marked in its passage, with the offsets into the report."""
    members = sorted(
        q.subject.value
        for q in built.quads_for_pattern(None, RDF_TYPE, NamedNode(POA + cls), REPORT_GRAPH)
    )
    assert members
    for iri in members:
        annotations = _annotations(built, iri)
        assert annotations, f"{iri}: no annotation"
        html = _html(built_client, local(iri))
        evidence = "".join(re.findall(r'<section class="evidence">(.*?)</section>', html, re.S))
        for a in annotations:
            assert f"characters {a['start']}–{a['end']}" in evidence, (iri, a["annotation"])
        assert "<mark" in evidence and "not found" not in evidence, iri


def test_built_joint_result_is_shared_on_its_country_pages(built_client, built, source):
    """ "4 permanent returns" of MIDA Great Lakes: one outcome for DRC, Rwanda and Burundi."""
    words = "4 permanent returns"
    assert words in source
    (outcome,) = {
        q.subject.value
        for q in built.quads_for_pattern(None, NamedNode(POA + "quote"), None, None)
        if words in q.object.value
        and _one(built, q.subject.value, POA + "unit") == "permanent returns"
    }
    for country, others in ((COD, "Burundi, Rwanda"), (RWA, "Burundi, Democratic Republic")):
        row = _row(page_section(_html(built_client, local(country)), "outcomes"), outcome)
        shared = re.search(r'<td class="countries">(.*?)</td>', row, re.S).group(1)
        assert ", ".join(re.findall(r">([^<]+)</a>", shared)).startswith(others)


@pytest.mark.parametrize("country", [RWA, AFG])
def test_outcome_tables_download_as_csv_and_json(built_client, built, country):
    html = _html(built_client, local(country))
    outcomes = page_section(html, "outcomes")
    hrefs = re.findall(r'<a href="([^"]+)" type="([^"]+)" download>', outcomes)
    assert {media for _, media in hrefs} == {"text/csv", "application/json"}
    urls = {media: local(country) + href.replace("&amp;", "&") for href, media in hrefs}
    data = built_client.get(urls["application/json"])
    assert data.status_code == 200 and data.mimetype == "application/json"
    table = data.get_json()["outcomes"]
    expected = _of_class_with(built, "Outcome", "country", country)
    assert {r["outcome"] for r in table} == expected
    body = built_client.get(urls["text/csv"])
    assert body.status_code == 200 and body.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(body.get_data(as_text=True))))
    assert rows == [{k: str(v) for k, v in r.items()} for r in table]  # the same data
    assert all(country in r["countries"].split() for r in rows)
    for row in rows:  # the quote is the report's exact words, stored on the outcome
        assert row["quote"] == _one(built, row["outcome"], POA + "quote")


def test_a_joint_outcome_in_the_download_names_all_its_countries(built_client):
    rows = built_client.get(local(RWA) + "?table=outcomes&format=json").get_json()["outcomes"]
    joint = [r for r in rows if r["unit"] == "permanent returns"]
    assert joint and set(joint[0]["countries"].split()) == {COD, RWA, BDI}
    assert joint[0]["status"] == "Achieved"


def test_pages_revalidate_with_etags(client):
    first = client.get(local(AFG), headers=BROWSER)
    etag = first.headers["ETag"]
    again = client.get(local(AFG), headers={**BROWSER, "If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    turtle = client.get(local(AFG), headers={"Accept": "text/turtle"})
    assert turtle.headers["ETag"] != etag  # each representation has its own


def test_report_page_lists_its_passages_in_reading_order(built_client, built):
    report = ID + "report/iom-bpoa-review"
    html = page_section(_html(built_client, local(report)), "contents")
    passages = [
        (
            int(
                next(
                    built.quads_for_pattern(q.subject, NamedNode(POA + "startOffset"), None)
                ).object.value
            ),
            q.subject.value,
        )
        for q in built.quads_for_pattern(None, NamedNode(POA + "inReport"), NamedNode(report), None)
    ]
    assert len(passages) > 50
    positions = [html.index(f'href="{local(iri)}"') for _, iri in sorted(passages)]
    assert positions == sorted(positions)  # every passage, in the order of the text


# --- named graphs -----------------------------------------------------------------------------


def test_graph_iri_dereferences_to_its_triples(client, sample):
    graph = "https://w3id.org/poagraph/graph/vocab"
    response = client.get("/graph/vocab", headers={"Accept": "application/n-triples"})
    assert response.status_code == 200
    got = {str(t) for t in parse(response.get_data(), format=RdfFormat.N_TRIPLES)}
    expected = {str(q.triple) for q in sample.quads_for_pattern(None, None, None, NamedNode(graph))}
    assert got == expected
    html = _html(client, "/graph/vocab")
    assert f"{len(expected):,} triples" in html
    assert 'href="/id/country/AFG"' not in html  # a summary, not a dump
    assert client.get("/graph/nothing", headers={"Accept": "application/json"}).status_code == 404


def test_home_and_void_link_the_graphs(client):
    home = _html(client, "/")
    assert '<a href="/graph/vocab">' in home
    void = rdflib.Graph().parse(
        data=client.get("/void", headers={"Accept": "text/turtle"}).get_data(as_text=True),
        format="turtle",
    )
    dumps = {str(o) for o in void.objects(None, rdflib.URIRef("http://rdfs.org/ns/void#dataDump"))}
    assert "http://localhost/graph/vocab?format=nt" in dumps
    for dump in dumps:
        response = client.get(dump.removeprefix("http://localhost"))
        assert response.status_code == 200 and response.mimetype == "application/n-triples"
