"""Linked-data pages at /id/...: HTML for browsers, RDF by Accept, twins, 404s, escaping.

Two apps: one on the hand-written sample (tests/data/web-sample.trig, plus hostile literals)
for exact checks, one on the full build of the bundled report for the real pages.
Expected answers are computed from the store with pyoxigraph, never copied from the pages.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib
from markupsafe import escape
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store, parse
from ui_support import BROWSER, ID, POA, close_app, local, make_app, memory_copy, sample_store
from ui_support import section as page_section

RDFS_LABEL = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
REPORT_GRAPH = NamedNode("https://w3id.org/poagraph/graph/report/iom-bpoa-review")

AFG = ID + "country/AFG"
RQA = ID + "programme/rqa"
OUTCOME = ID + "report/iom-bpoa-review/outcome/1"
PASSAGE = ID + "report/iom-bpoa-review/passage/63"

EVIL_ORG = ID + "organisation/evil"
EVIL_PASSAGE = ID + "report/iom-bpoa-review/passage/999"
EVIL_OUTCOME = ID + "report/iom-bpoa-review/outcome/999"
SCRIPT = "<script>document.title='pwned'</script>"

RDF_MEDIA = {
    "text/turtle": RdfFormat.TURTLE,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "application/ld+json": RdfFormat.JSON_LD,
    "application/rdf+xml": RdfFormat.RDF_XML,
}


def _hostile() -> list[Quad]:
    """Literals full of markup: pages must show them as text, never run them."""
    n = NamedNode

    def q(s: str, p: str, o) -> Quad:
        return Quad(n(s), n(p), o, REPORT_GRAPH)

    return [
        q(EVIL_ORG, RDF_TYPE.value, n(POA + "Organisation")),
        q(EVIL_ORG, RDFS_LABEL.value, Literal(f"{SCRIPT} & <b>Co</b>")),
        q(EVIL_PASSAGE, RDF_TYPE.value, n(POA + "Passage")),
        q(EVIL_PASSAGE, POA + "text", Literal(f"Before {SCRIPT} the <b>bold</b> words & after.")),
        q(EVIL_PASSAGE, POA + "inReport", n(ID + "report/iom-bpoa-review")),
        q(EVIL_OUTCOME, RDF_TYPE.value, n(POA + "Outcome")),
        q(EVIL_OUTCOME, POA + "evidence", n(EVIL_PASSAGE)),
        q(EVIL_OUTCOME, POA + "quote", Literal("the <b>bold</b> words")),
        q(EVIL_OUTCOME, POA + "reportedBy", n(EVIL_ORG)),
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


# --- HTML pages -----------------------------------------------------------------------------


def test_country_page_shows_its_programmes_and_outcomes(client, sample):
    html = _html(client, local(AFG))
    assert "<h1>Afghanistan</h1>" in html
    programmes = page_section(html, "programmes")
    outcomes = page_section(html, "outcomes")
    country = NamedNode(AFG)
    expected_programmes = {
        q.subject.value
        for q in sample.quads_for_pattern(None, NamedNode(POA + "country"), country, None)
        if any(sample.quads_for_pattern(q.subject, RDF_TYPE, NamedNode(POA + "Programme"), None))
    }
    expected_outcomes = {
        q.subject.value
        for q in sample.quads_for_pattern(None, NamedNode(POA + "country"), country, None)
        if any(sample.quads_for_pattern(q.subject, RDF_TYPE, NamedNode(POA + "Outcome"), None))
    }
    assert expected_programmes and expected_outcomes
    for iri in expected_programmes:
        assert f'href="{local(iri)}"' in programmes
    for iri in expected_outcomes:
        assert f'href="{local(iri)}"' in outcomes
    assert "Return of Qualified Afghans" in programmes  # labelled, not a bare IRI


def test_outcome_page_marks_the_quote_inside_its_passage(client, sample):
    html = _html(client, local(OUTCOME))
    text = next(sample.quads_for_pattern(NamedNode(PASSAGE), NamedNode(POA + "text"), None))
    quote = next(sample.quads_for_pattern(NamedNode(OUTCOME), NamedNode(POA + "quote"), None))
    text, quote = text.object.value, quote.object.value
    start = text.index(quote)
    evidence = page_section(html, "evidence")
    marked = (
        f'{escape(text[:start])}<mark class="quote">{escape(quote)}</mark>'
        f"{escape(text[start + len(quote) :])}"
    )
    assert marked in evidence
    # the passage's context: its report, place and action, as local links
    for predicate in ("inReport", "country", "addresses"):
        pattern = (NamedNode(PASSAGE), NamedNode(POA + predicate), None)
        target = next(sample.quads_for_pattern(*pattern))
        assert f'href="{local(target.object.value)}"' in evidence, predicate
    assert f'href="{local(PASSAGE)}"' in evidence


def test_programme_page_shows_evidence_and_outcomes(client):
    html = _html(client, local(RQA))
    assert "<h1>Return of Qualified Afghans</h1>" in html
    assert "<mark" in page_section(html, "evidence")
    assert f'href="{local(OUTCOME)}"' in page_section(html, "outcomes")


def test_passage_page_marks_each_fact_quoted_from_it(client, sample):
    html = _html(client, local(PASSAGE))
    quote = next(sample.quads_for_pattern(NamedNode(OUTCOME), NamedNode(POA + "quote"), None))
    passage = page_section(html, "passage")
    assert f'<a class="quote" href="{local(OUTCOME)}"' in passage
    assert f"<mark>{escape(quote.object.value)}</mark>" in passage


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
