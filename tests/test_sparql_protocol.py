"""/sparql against a real `poagraph serve`: formats, negotiation, errors, limits, caching."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest
import requests
from _endpoint import running_server
from pyoxigraph import BlankNode, Literal, NamedNode, Quad, Store
from rdflib import Dataset, Graph, URIRef
from rdflib import Literal as RLiteral
from rdflib.query import Result

pytestmark = [
    pytest.mark.server,
    # rdflib's JSON-LD, N-Quads and TriG parsers use its own deprecated ConjunctiveGraph
    pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib"),
]

EX = "http://example.org/"
G1, G2 = NamedNode(EX + "graph/1"), NamedNode(EX + "graph/2")
LABEL = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
VALUE = NamedNode(EX + "value")
#: A literal that needs escaping in every format: quotes, comma, tab, newline, markup.
TRICKY = 'a "quoted", \t tabbed\nline <b>&amp;</b>'
ROWS = 30  # subjects in graph 2; the server caps results at MAX_ROWS=25


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("protocol") / "store"
    store = Store(str(path))
    store.add(Quad(NamedNode(EX + "a"), LABEL, Literal(TRICKY), G1))
    store.add(Quad(NamedNode(EX + "a"), LABEL, Literal("Bonjour", language="fr"), G1))
    store.add(Quad(NamedNode(EX + "a"), VALUE, Literal("4400", datatype=_xsd("integer")), G1))
    store.add(Quad(NamedNode(EX + "a"), NamedNode(EX + "node"), BlankNode("n1"), G1))
    for i in range(ROWS):
        store.add(
            Quad(NamedNode(f"{EX}item/{i}"), VALUE, Literal(str(i), datatype=_xsd("integer")), G2)
        )
    store.flush()
    del store
    with running_server(path, env={"POAGRAPH_MAX_ROWS": "25"}) as base:
        yield base + "/sparql"


def _xsd(name: str) -> NamedNode:
    return NamedNode("http://www.w3.org/2001/XMLSchema#" + name)


LABELS = f"SELECT ?label WHERE {{ <{EX}a> <{LABEL.value}> ?label }} ORDER BY ?label"


# --- result formats ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [
        ("application/sparql-results+json", "json"),
        ("application/sparql-results+xml", "xml"),
        ("text/tab-separated-values", "tsv"),
    ],
)
def test_select_formats_round_trip_the_data(endpoint: str, accept: str, rdflib_format: str) -> None:
    r = requests.get(endpoint, params={"query": LABELS}, headers={"Accept": accept}, timeout=30)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith(accept)
    result = Result.parse(io.BytesIO(r.content), format=rdflib_format)
    labels = {row[0] for row in result}
    assert labels == {RLiteral(TRICKY), RLiteral("Bonjour", lang="fr")}


def test_csv_has_plain_values_and_quotes_what_needs_it(endpoint: str) -> None:
    r = requests.get(endpoint, params={"query": LABELS, "format": "csv"}, timeout=30)
    assert r.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode(), newline="")))
    assert rows[0] == ["label"]
    assert sorted(v for (v,) in rows[1:]) == sorted([TRICKY, "Bonjour"])


def test_ask_in_json_and_xml(endpoint: str) -> None:
    ask = f"ASK {{ ?s <{VALUE.value}> 4400 }}"
    r = requests.get(endpoint, params={"query": ask}, timeout=30)
    assert r.json() == {"head": {}, "boolean": True}
    r = requests.get(
        endpoint,
        params={"query": ask},
        headers={"Accept": "application/sparql-results+xml"},
        timeout=30,
    )
    root = ElementTree.fromstring(r.content)
    assert root.find("{http://www.w3.org/2005/sparql-results#}boolean").text == "true"


GRAPH_FORMATS = [
    ("text/turtle", "turtle"),
    ("application/n-triples", "nt"),
    ("application/rdf+xml", "xml"),
    ("application/ld+json", "json-ld"),
]


@pytest.mark.parametrize(("accept", "rdflib_format"), GRAPH_FORMATS)
def test_construct_formats_round_trip_the_data(
    endpoint: str, accept: str, rdflib_format: str
) -> None:
    query = f"CONSTRUCT WHERE {{ <{EX}a> ?p ?o }}"
    r = requests.post(endpoint, data={"query": query}, headers={"Accept": accept}, timeout=30)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith(accept)
    graph = Graph().parse(data=r.content, format=rdflib_format)
    assert len(graph) == 4
    assert (URIRef(EX + "a"), URIRef(LABEL.value), RLiteral(TRICKY)) in graph


@pytest.mark.parametrize(
    ("accept", "rdflib_format"), [("application/n-quads", "nquads"), ("application/trig", "trig")]
)
def test_construct_in_dataset_formats(endpoint: str, accept: str, rdflib_format: str) -> None:
    query = f"CONSTRUCT WHERE {{ <{EX}a> ?p ?o }}"
    r = requests.post(
        endpoint,
        data=query.encode(),
        headers={"Accept": accept, "Content-Type": "application/sparql-query"},
        timeout=30,
    )
    assert r.status_code == 200
    dataset = Dataset().parse(data=r.content, format=rdflib_format)
    assert len(list(dataset.quads())) == 4


# --- negotiation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
        ("application/sparql-results+json;q=0, text/*;q=0.2", "text/csv"),
        ("text/tab-separated-values;q=0.9, text/csv;q=0.8", "text/tab-separated-values"),
        ("application/json", "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
        ("", "application/sparql-results+json"),
    ],
)
def test_accept_q_values_choose_the_format(endpoint: str, accept: str, expected: str) -> None:
    r = requests.get(endpoint, params={"query": LABELS}, headers={"Accept": accept}, timeout=30)
    assert r.status_code == 200
    assert r.headers["Content-Type"].split(";")[0] == expected


def test_format_parameter_overrides_accept(endpoint: str) -> None:
    r = requests.get(
        endpoint,
        params={"query": LABELS, "format": "tsv"},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    assert r.headers["Content-Type"].startswith("text/tab-separated-values")


def test_nothing_acceptable_is_406(endpoint: str) -> None:
    r = requests.get(
        endpoint, params={"query": LABELS}, headers={"Accept": "image/png"}, timeout=30
    )
    assert r.status_code == 406
    assert r.json()["status"] == 406
    r = requests.get(endpoint, params={"query": LABELS, "format": "yaml"}, timeout=30)
    assert r.status_code == 406


# --- dataset ----------------------------------------------------------------------------------


COUNT = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{VALUE.value}> ?v }}"


def count(endpoint: str, query: str, **params) -> int:
    r = requests.get(endpoint, params={"query": query, **params}, timeout=30)
    assert r.status_code == 200, r.text
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


def test_default_graph_is_the_union_of_named_graphs(endpoint: str) -> None:
    assert count(endpoint, COUNT) == ROWS + 1


def test_from_and_default_graph_uri_restrict_the_dataset(endpoint: str) -> None:
    from_g1 = f"SELECT (COUNT(*) AS ?n) FROM <{G1.value}> WHERE {{ ?s <{VALUE.value}> ?v }}"
    assert count(endpoint, from_g1) == 1
    assert count(endpoint, COUNT, **{"default-graph-uri": G2.value}) == ROWS
    graph_query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s <{VALUE.value}> ?v }} }}"
    assert count(endpoint, graph_query, **{"named-graph-uri": G1.value}) == 1


# --- errors -----------------------------------------------------------------------------------


def assert_error(r: requests.Response, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"error", "status"}
    assert body["status"] == status
    assert isinstance(body["error"], str) and body["error"]
    return body


@pytest.mark.parametrize("query", ["CLEAR XYZ", "", "PREFIX ex: <http://example.org/>"])
def test_text_that_is_neither_query_nor_update_is_400(endpoint: str, query: str) -> None:
    assert_error(requests.get(endpoint, params={"query": query}, timeout=30), 400)


def test_syntax_error_is_400_with_the_parser_position(endpoint: str) -> None:
    body = assert_error(
        requests.get(endpoint, params={"query": "SELECT * WHERE { ?s ?p }"}, timeout=30), 400
    )
    assert "1:" in body["error"]  # line:column from the parser


def test_unknown_content_type_is_415(endpoint: str) -> None:
    assert_error(
        requests.post(endpoint, data=b"ASK {}", headers={"Content-Type": "text/plain"}, timeout=30),
        415,
    )


@pytest.mark.parametrize(
    "send",
    [
        lambda e: requests.get(e, params={"update": "CLEAR ALL"}, timeout=30),
        lambda e: requests.post(e, data={"update": "CLEAR ALL"}, timeout=30),
        lambda e: requests.post(
            e, data=b"CLEAR ALL", headers={"Content-Type": "application/sparql-update"}, timeout=30
        ),
        # an update sent where a query belongs is still an update, not a syntax error
        lambda e: requests.get(e, params={"query": "DELETE WHERE { ?s ?p ?o }"}, timeout=30),
        lambda e: requests.post(
            e,
            data=b"PREFIX ex: <http://example.org/> INSERT DATA { ex:a ex:b 1 }",
            headers={"Content-Type": "application/sparql-query"},
            timeout=30,
        ),
    ],
    ids=["get", "form", "direct", "as-query-get", "as-query-direct"],
)
def test_updates_are_403(endpoint: str, send) -> None:
    assert_error(send(endpoint), 403)
    assert count(endpoint, COUNT) == ROWS + 1


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_are_405(endpoint: str, method: str) -> None:
    assert_error(requests.request(method, endpoint, timeout=30), 405)


def test_oversize_body_is_413(endpoint: str) -> None:
    query = "ASK {} #" + "x" * (2 * 1024 * 1024)
    r = requests.post(
        endpoint,
        data=query.encode(),
        headers={"Content-Type": "application/sparql-query"},
        timeout=30,
    )
    assert_error(r, 413)


def test_bad_graph_iri_is_400(endpoint: str) -> None:
    params = {"query": "ASK {}", "default-graph-uri": "not an iri"}
    body = assert_error(requests.get(endpoint, params=params, timeout=30), 400)
    assert "default-graph-uri" in body["error"]


def test_head_is_get_without_a_body(endpoint: str) -> None:
    r = requests.head(endpoint, params={"query": LABELS, "format": "csv"}, timeout=30)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/csv")
    assert r.content == b""


def test_long_get_queries_pass_and_oversize_ones_are_refused(endpoint: str) -> None:
    """Regression: gunicorn's default 4 KB request line would refuse long GET queries. URLs
    up to 64 KiB pass; the server refuses longer ones (414, or 431 past its head buffer)
    before the app reads them: longer queries are POSTed."""
    long_query = "ASK {} # " + "x" * 60_000
    assert requests.get(endpoint, params={"query": long_query}, timeout=30).status_code == 200
    for size in (70_000, 2 * 1024 * 1024):
        huge_query = "ASK {} # " + "x" * size
        r = requests.get(endpoint, params={"query": huge_query}, timeout=30)
        assert r.status_code in (414, 431)


def test_bad_timeout_parameter_is_400(endpoint: str) -> None:
    assert_error(
        requests.get(endpoint, params={"query": "ASK {}", "timeout": "soon"}, timeout=30), 400
    )


def test_browsers_get_an_html_error_page_with_the_message_escaped(endpoint: str) -> None:
    r = requests.get(
        endpoint,
        params={"query": "SELECT <script>alert(1)</script>"},
        headers={"Accept": "text/html"},
        timeout=30,
    )
    assert r.status_code == 400
    assert r.headers["Content-Type"].startswith("text/html")
    assert "<script>alert" not in r.text


# --- limits, caching, CORS, service description -------------------------------------------------


def test_results_over_max_rows_are_cut_and_flagged(endpoint: str) -> None:
    query = f"SELECT ?s WHERE {{ ?s <{VALUE.value}> ?v }}"
    r = requests.get(endpoint, params={"query": query}, timeout=30)
    assert r.headers.get("X-Poagraph-Truncated") == "true"
    assert len(r.json()["results"]["bindings"]) == 25
    # in the head, where every JSON results reader accepts it (a `link`), not after the rows
    assert r.json()["head"]["link"] == ["urn:poagraph:truncated"]
    assert "truncated" not in r.json()
    r = requests.get(endpoint, params={"query": query + " LIMIT 10"}, timeout=30)
    assert "X-Poagraph-Truncated" not in r.headers
    assert "link" not in r.json()["head"]
    construct = f"CONSTRUCT WHERE {{ ?s <{VALUE.value}> ?v }}"
    r = requests.get(endpoint, params={"query": construct, "format": "nt"}, timeout=30)
    assert r.headers.get("X-Poagraph-Truncated") == "true"
    assert len(r.content.decode().strip().splitlines()) == 25


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_exactly_max_rows_is_not_cut(endpoint: str, fmt: str) -> None:
    """Regression: the Rust fast path and the row-by-row path agree on the boundary."""
    query = f"SELECT ?s WHERE {{ ?s <{VALUE.value}> ?v }} ORDER BY ?s"
    at_cap = requests.get(
        endpoint, params={"query": query + " LIMIT 25", "format": fmt}, timeout=30
    )
    assert "X-Poagraph-Truncated" not in at_cap.headers
    over = requests.get(endpoint, params={"query": query + " LIMIT 26", "format": fmt}, timeout=30)
    assert over.headers.get("X-Poagraph-Truncated") == "true"
    assert len(Result.parse(io.BytesIO(at_cap.content), format=fmt)) == 25
    assert len(Result.parse(io.BytesIO(over.content), format=fmt)) == 25


def test_etag_gives_304_on_repeat(endpoint: str) -> None:
    r = requests.get(endpoint, params={"query": LABELS}, timeout=30)
    etag = r.headers["ETag"]
    again = requests.get(
        endpoint, params={"query": LABELS}, headers={"If-None-Match": etag}, timeout=30
    )
    assert again.status_code == 304
    assert again.content == b""
    other = requests.get(
        endpoint,
        params={"query": LABELS, "format": "csv"},
        headers={"If-None-Match": etag},
        timeout=30,
    )
    assert other.status_code == 200
    assert other.headers["ETag"] != etag


def test_volatile_queries_are_not_cached(endpoint: str) -> None:
    query = "SELECT (RAND() AS ?r) WHERE {}"
    first = requests.get(endpoint, params={"query": query}, timeout=30)
    second = requests.get(endpoint, params={"query": query}, timeout=30)
    assert "ETag" not in first.headers
    assert first.json() != second.json()


def test_cors_for_reads(endpoint: str) -> None:
    r = requests.get(
        endpoint,
        params={"query": "ASK {}"},
        headers={"Origin": "http://elsewhere.example"},
        timeout=30,
    )
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in r.headers
    pre = requests.options(
        endpoint,
        headers={"Origin": "http://elsewhere.example", "Access-Control-Request-Method": "POST"},
        timeout=30,
    )
    assert pre.status_code == 204
    assert "POST" in pre.headers["Access-Control-Allow-Methods"]


def test_service_description_by_accept(endpoint: str) -> None:
    r = requests.get(endpoint, headers={"Accept": "text/turtle"}, timeout=30)
    assert r.status_code == 200
    graph = Graph().parse(data=r.content, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert (None, URIRef(sd + "endpoint"), URIRef(endpoint)) in graph
    names = {str(o) for o in graph.objects(None, URIRef(sd + "name"))}
    assert names == {G1.value, G2.value}
    r = requests.get(endpoint, headers={"Accept": "application/rdf+xml"}, timeout=30)
    assert len(Graph().parse(data=r.content, format="xml")) == len(graph)


def test_browsers_without_a_query_go_to_the_query_page(endpoint: str) -> None:
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    r = requests.get(endpoint, headers={"Accept": browser}, allow_redirects=False, timeout=30)
    assert r.status_code == 303
    assert r.headers["Location"].endswith("/query")


def test_every_route_errors_in_the_json_shape(endpoint: str, tmp_path: Path) -> None:
    """Each route of the app, sent a method it does not take, answers in the one JSON shape."""
    from poagraph.web import create_app

    app = create_app({"STORE": str(tmp_path / "none"), "TESTING": True})
    base = endpoint.removesuffix("/sparql")
    rules = [r for r in app.url_map.iter_rules() if r.endpoint != "static"]
    assert any(r.rule == "/sparql" for r in rules)
    for rule in rules:
        path = re.sub(r"<[^>]+>", "x", rule.rule)
        r = requests.request(
            "PATCH", base + path, headers={"Accept": "application/json"}, timeout=30
        )
        assert_error(r, 405)
    assert_error(
        requests.get(base + "/no/such/route", headers={"Accept": "application/json"}, timeout=30),
        404,
    )
    # a query error comes in the same shape as a routing error
    assert json.loads(
        requests.get(endpoint, params={"query": "ASK {"}, timeout=30).content
    ).keys() == {"error", "status"}
