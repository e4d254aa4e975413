"""Real SPARQL clients against `poagraph serve`: SPARQLWrapper, rdflib's SPARQLStore, and
Oxigraph server (PyPI `oxigraph`) querying us through a SERVICE clause."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from _endpoint import oxigraph_server, running_server
from pyoxigraph import Literal, NamedNode, Quad, Store
from rdflib import Graph, URIRef
from rdflib import Literal as RLiteral
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, POST, TURTLE, XML, SPARQLWrapper

pytestmark = [
    pytest.mark.server,
    # SPARQLWrapper builds its RDF/XML results in rdflib's deprecated ConjunctiveGraph
    pytest.mark.filterwarnings("ignore::DeprecationWarning:SPARQLWrapper"),
]

EX = "http://example.org/"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
COUNTRIES = {"AFG": "Afghanistan", "NER": "Niger", "TLS": "Timor-Leste"}
SELECT = f"SELECT ?c ?label WHERE {{ ?c <{LABEL}> ?label }} ORDER BY ?c"
CONSTRUCT = f"CONSTRUCT WHERE {{ ?c <{LABEL}> ?label }}"


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory, remote: str) -> str:
    """`poagraph serve` with the countries, allowed to call the `remote` endpoint only."""
    path = tmp_path_factory.mktemp("clients") / "store"
    store = Store(str(path))
    graph = NamedNode(EX + "graph/countries")
    for code, name in COUNTRIES.items():
        store.add(Quad(NamedNode(EX + code), NamedNode(LABEL), Literal(name, language="en"), graph))
    store.flush()
    del store
    with running_server(path, env={"POAGRAPH_FEDERATION_ALLOW": json.dumps([remote])}) as base:
        yield base + "/sparql"


def wrapper(endpoint: str, query: str, fmt: str, method: str | None = None) -> SPARQLWrapper:
    sparql = SPARQLWrapper(endpoint)
    sparql.setQuery(query)
    sparql.setReturnFormat(fmt)
    if method:
        sparql.setMethod(method)
    return sparql


@pytest.mark.parametrize("method", [None, POST], ids=["get", "post"])
def test_sparqlwrapper_json(endpoint: str, method: str | None) -> None:
    result = wrapper(endpoint, SELECT, JSON, method).query().convert()
    labels = {b["c"]["value"]: b["label"]["value"] for b in result["results"]["bindings"]}
    assert labels == {EX + code: name for code, name in COUNTRIES.items()}
    assert {b["label"]["xml:lang"] for b in result["results"]["bindings"]} == {"en"}


def test_sparqlwrapper_xml(endpoint: str) -> None:
    document = wrapper(endpoint, SELECT, XML).query().convert()
    literals = [n.firstChild.data for n in document.getElementsByTagName("literal")]
    assert sorted(literals) == sorted(COUNTRIES.values())


def test_sparqlwrapper_csv(endpoint: str) -> None:
    body = wrapper(endpoint, SELECT, CSV).query().convert().decode()
    lines = body.strip().splitlines()
    assert lines[0] == "c,label"
    assert lines[1:] == [f"{EX}{code},{name}" for code, name in sorted(COUNTRIES.items())]


@pytest.mark.parametrize("fmt", [XML, TURTLE])
def test_sparqlwrapper_construct(endpoint: str, fmt: str) -> None:
    result = wrapper(endpoint, CONSTRUCT, fmt).query().convert()
    graph = result if isinstance(result, Graph) else Graph().parse(data=result, format="turtle")
    assert len(graph) == len(COUNTRIES)
    assert (URIRef(EX + "NER"), URIRef(LABEL), RLiteral("Niger", lang="en")) in graph


def test_rdflib_sparqlstore(endpoint: str) -> None:
    graph = Graph(store=SPARQLStore(endpoint, returnFormat="json"))
    rows = list(graph.query(SELECT))
    assert [str(row.label) for row in rows] == [COUNTRIES[c] for c in sorted(COUNTRIES)]
    triples = list(graph.triples((URIRef(EX + "TLS"), None, None)))
    assert triples == [(URIRef(EX + "TLS"), URIRef(LABEL), RLiteral("Timor-Leste", lang="en"))]


def test_oxigraph_server_queries_us_through_service(endpoint: str, tmp_path: Path) -> None:
    with oxigraph_server(tmp_path / "oxi") as oxigraph:
        query = f"SELECT ?label WHERE {{ SERVICE <{endpoint}> {{ <{EX}AFG> <{LABEL}> ?label }} }}"
        r = requests.post(
            f"{oxigraph}/query",
            data=query.encode(),
            headers={
                "Content-Type": "application/sparql-query",
                "Accept": "application/sparql-results+json",
            },
            timeout=30,
        )
    assert r.status_code == 200, r.text
    bindings = r.json()["results"]["bindings"]
    assert bindings == [{"label": {"type": "literal", "value": "Afghanistan", "xml:lang": "en"}}]


CAPITAL = EX + "capital"


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A second endpoint (Oxigraph server) holding data we do not have: capitals."""
    folder = tmp_path_factory.mktemp("remote")
    data = folder / "capitals.nt"
    data.write_text(
        f'<{EX}AFG> <{CAPITAL}> "Kabul" .\n<{EX}NER> <{CAPITAL}> "Niamey" .\n', encoding="utf-8"
    )
    with oxigraph_server(folder / "oxi", data) as base:
        yield base + "/query"


def test_our_service_clause_joins_another_endpoint(endpoint: str, remote: str) -> None:
    query = (
        f"SELECT ?name ?capital WHERE {{ ?c <{LABEL}> ?name . "
        f"SERVICE <{remote}> {{ ?c <{CAPITAL}> ?capital }} }} ORDER BY ?name"
    )
    r = requests.get(endpoint, params={"query": query}, timeout=30)
    assert r.status_code == 200, r.text
    rows = [(b["name"]["value"], b["capital"]["value"]) for b in r.json()["results"]["bindings"]]
    assert rows == [("Afghanistan", "Kabul"), ("Niger", "Niamey")]
    assert "ETag" not in r.headers  # remote data may change: never cached


def test_service_is_refused_unless_the_endpoint_is_allowed(tmp_path: Path, remote: str) -> None:
    path = tmp_path / "store"
    Store(str(path)).flush()
    with running_server(path) as base:  # FEDERATION_ALLOW is empty by default
        query = f"SELECT * WHERE {{ SERVICE <{remote}> {{ ?s ?p ?o }} }}"
        r = requests.get(base + "/sparql", params={"query": query}, timeout=30)
        assert r.status_code == 403
        assert remote in r.json()["error"]
        # the word in a string is not a SERVICE clause
        ask = 'ASK { FILTER("SERVICE" != "") }'
        assert requests.get(base + "/sparql", params={"query": ask}, timeout=30).status_code == 200
