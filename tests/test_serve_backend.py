"""`poagraph serve --backend URL`: the endpoint, the pages and the catalogue served from a
remote SPARQL store (Oxigraph server and Virtuoso, started on loopback by conftest.py),
over real HTTP; and the VALUES blocks that stand for substitutions there
(web/query/values.py) compared with pyoxigraph's substitutions on every query that binds a
value.
"""

from __future__ import annotations

import itertools
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from _endpoint import server_process
from pyoxigraph import Literal, QueryBoolean, QuerySolutions, RdfFormat, Store, Variable
from SPARQLWrapper import JSON, SPARQLWrapper
from test_contributions_http import EPO, bearer, body, tokens_file

from poagraph import catalogue, iris
from poagraph.backends import RemoteBackend
from poagraph.web.pages.pagedata import QUERIES
from poagraph.web.query.values import with_values

pytestmark = pytest.mark.server

POA = iris.POA
SLE = iris.ID + "country/SLE"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f . ?g ?s ?h }"
JSON_RESULTS = {"Accept": "application/sparql-results+json"}


# --- VALUES blocks give the answers of substitutions ----------------------------------------


def _answers(store: Store, text: str, **kwargs):
    result = store.query(text, use_default_graph_as_union=True, **kwargs)
    if isinstance(result, QueryBoolean):
        return bool(result)
    if isinstance(result, QuerySolutions):
        names = [v.value for v in result.variables]
        return sorted(
            tuple(str(row[n]) if row[n] is not None else "" for n in names) for row in result
        )
    return sorted(str(t) for t in result)


def _bound_queries() -> Iterator[tuple[str, str, str]]:
    """(file, query text, variable) of every page and catalogue query that binds a value."""
    for path in sorted(QUERIES.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        found = re.search(r"^# params: \?(\w+)", text, re.M)
        if found:
            yield path.name, text, found.group(1)
    for entry in catalogue.load():
        for param in entry.params:
            yield entry.name, entry.query, param.name


def test_values_blocks_answer_as_substitutions_on_every_query_that_binds(built_store_path):
    disk = Store.read_only(str(built_store_path))
    store = Store()
    store.bulk_extend(disk.quads_for_pattern(None, None, None, None))
    del disk

    def some(query: str, n: int = 4) -> list:
        rows = store.query(query, use_default_graph_as_union=True)
        return [row[0] for row in itertools.islice(rows, n)]

    kinds = [
        f"SELECT DISTINCT ?x WHERE {{ ?o <{POA}country> ?x }}",
        f"SELECT ?x WHERE {{ ?x a <{POA}Programme> }}",
        f"SELECT ?x WHERE {{ ?x a <{POA}Outcome> }}",
        f"SELECT ?x WHERE {{ ?x a <{POA}Passage> }}",
        f"SELECT ?x WHERE {{ ?x a <{POA}Report> }}",
        f"SELECT ?x WHERE {{ ?x a <{POA}Commitment> }}",
        "SELECT DISTINCT ?x WHERE { ?s a ?x }",
        "SELECT DISTINCT ?x WHERE { GRAPH ?x { } }",
    ]
    terms = [t for query in kinds for t in some(query)] + [Literal("2005"), Literal("1999")]
    checked = 0
    for name, text, variable in _bound_queries():
        for term in terms:
            expected = _answers(store, text, substitutions={Variable(variable): term})
            assert _answers(store, with_values(text, [(variable, str(term))])) == expected, (
                name,
                term,
            )
            checked += bool(expected)
    assert checked > 50  # the terms picked do find answers


def test_a_sub_select_projecting_the_variable_gets_its_own_block():
    text = (
        "SELECT ?s ?n WHERE { { SELECT ?s (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?s"
        " LIMIT 3 } }"
    )
    bound = with_values(text, [("s", "<http://example.org/a>")])
    assert bound.count("VALUES ?s { <http://example.org/a> }") == 2
    other = with_values(text, [("x", '"a"')])
    assert other.count("VALUES ?x") == 1  # the sub-SELECT does not project ?x


# --- the site on each remote store -----------------------------------------------------------


@pytest.fixture(scope="module")
def embedded(built_store_path: Path) -> Iterator[str]:
    with server_process(built_store_path) as server:
        yield server.base


@pytest.fixture(scope="module")
def secrets(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    path = tmp_path_factory.mktemp("tokens") / "tokens.toml"
    return path, tokens_file(path)


def _fill(remote, built_store_path: Path) -> None:
    """The bundled report's graphs written into the remote store through the backend."""
    disk = Store.read_only(str(built_store_path))
    graphs: dict[str, list] = {}
    for quad in disk.quads_for_pattern(None, None, None, None):
        graphs.setdefault(quad.graph_name.value, []).append(quad.triple)
    del disk
    RemoteBackend(remote).commit(graphs)


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def site(request, built_store_path: Path, tmp_path_factory, secrets) -> Iterator[str]:
    """`poagraph serve --backend URL` on the remote store, filled with the bundled report."""
    server = request.getfixturevalue(f"{request.param}_server")
    server.clear()
    _fill(server.remote, built_store_path)
    env = {**server.env, "POAGRAPH_TOKENS": str(secrets[0])}
    unused = tmp_path_factory.mktemp("unused") / "store"  # never built: the backend serves
    with server_process(unused, args=("--backend", server.url), env=env, ready_s=120) as web:
        assert not unused.exists()
        yield web.base


def _flavour(base: str) -> str:
    """The kind of remote store behind the site (its /health)."""
    return requests.get(f"{base}/health", timeout=60).json()["workers"]["backend"]


def _rows(base: str, path: str, **params) -> list[dict]:
    r = requests.get(f"{base}{path}", params={**params, "format": "json"}, timeout=60)
    assert r.status_code == 200, r.text
    return r.json()["results"]["bindings"]


#: GROUP_CONCAT columns of the catalogue: the order of their items is the engine's
LISTS = ("countries", "sharedWith")
#: Columns a store computes differently (docs/backends.md): Virtuoso 7.2's SUBSTR garbles
#: text with characters outside ASCII (the excerpts)
DIFFERS = {"virtuoso": {"excerpt"}}


def _plain(rows: list[dict], store: str = "") -> list[tuple]:
    """Rows as sorted (variable, type, value, lang) tuples: the datatypes of numbers may be
    named differently by each store (xsd:integer, xsd:int), their values may not; an empty
    GROUP_CONCAT is "" on Virtuoso and unbound on Oxigraph."""

    def value(name: str, term: dict) -> str:
        return " ".join(sorted(term["value"].split())) if name in LISTS else term["value"]

    skip = DIFFERS.get(store, set())
    return sorted(
        tuple(
            sorted(
                (k, v["type"], value(k, v), v.get("xml:lang", ""))
                for k, v in row.items()
                if k not in skip and not (k in LISTS and v["value"] == "")
            )
        )
        for row in rows
    )


def test_select_ask_and_construct(site: str) -> None:
    query = f"SELECT ?name WHERE {{ <{SLE}> <{iris.RDFS}label> ?name FILTER (lang(?name) = 'en') }}"
    r = requests.get(f"{site}/sparql", params={"query": query}, headers=JSON_RESULTS, timeout=60)
    assert r.status_code == 200, r.text
    assert [b["name"]["value"] for b in r.json()["results"]["bindings"]] == ["Sierra Leone"]

    ask = f"ASK {{ <{SLE}> a <{POA}Country> }}"
    r = requests.post(f"{site}/sparql", data={"query": ask}, headers=JSON_RESULTS, timeout=60)
    assert r.json() == {"head": {}, "boolean": True}

    construct = f"CONSTRUCT {{ <{SLE}> ?p ?o }} WHERE {{ <{SLE}> ?p ?o }}"
    r = requests.get(
        f"{site}/sparql", params={"query": construct}, headers={"Accept": "text/turtle"}, timeout=60
    )
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/turtle")
    graph = Store()
    graph.load(r.content, format=RdfFormat.TURTLE)
    assert Literal("SLE") in {q.object for q in graph}

    client = SPARQLWrapper(f"{site}/sparql")
    client.setQuery(f"SELECT ?iso3 WHERE {{ <{SLE}> <{POA}iso3> ?iso3 }}")
    client.setReturnFormat(JSON)
    answer = client.query().convert()
    assert answer["results"]["bindings"][0]["iso3"]["value"] == "SLE"


def test_row_caps_and_csv_rule_hold(site: str) -> None:
    r = requests.get(
        f"{site}/sparql",
        params={"query": "SELECT ?s WHERE { ?s ?p ?o }", "format": "csv"},
        timeout=60,
    )
    assert r.status_code == 200
    assert r.text.startswith("s\r\n") and r.text.count("\r\n") > 100


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("cq07-outcomes-of-country", {"country": "SLE"}),
        ("cq04-partners-in-country", {"country": "KHM"}),
        ("passages-mentioning-country", {"country": "AFG"}),
        ("outcomes-in-year", {"year": "2005"}),
        ("cq02-programmes-commitment-3", {}),
    ],
)
def test_catalogue_queries_give_the_embedded_rows(site: str, embedded: str, name, params) -> None:
    remote = _rows(site, f"/queries/{name}", **params)
    assert remote, f"{name}: no rows"
    store = _flavour(site)
    assert _plain(remote, store) == _plain(_rows(embedded, f"/queries/{name}", **params), store)


def test_a_country_page_and_an_outcome_page_show_their_data(site: str) -> None:
    page = requests.get(f"{site}/id/country/SLE", headers={"Accept": "text/html"}, timeout=60)
    assert page.status_code == 200, page.text[:500]
    assert "Sierra Leone" in page.text
    outcome = _rows(site, "/queries/cq07-outcomes-of-country", country="SLE")[0]
    local = outcome["outcome"]["value"][len(iris.ID) :]
    page = requests.get(f"{site}/id/{local}", headers={"Accept": "text/html"}, timeout=60)
    assert page.status_code == 200, page.text[:500]
    assert outcome["value"]["value"] in page.text
    assert outcome["quote"]["value"].split()[0] in page.text


def test_a_slow_query_is_stopped_at_the_limit(site: str) -> None:
    started = time.monotonic()
    r = requests.post(f"{site}/sparql", data={"query": RUNAWAY, "timeout": "2"}, timeout=60)
    elapsed = time.monotonic() - started
    assert r.status_code == 503, r.text
    assert "timeout" in r.json()["error"]
    assert elapsed < 2 + 8
    ask = requests.get(f"{site}/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=60)
    assert ask.status_code == 200 and ask.json()["boolean"] is True


def test_a_contribution_lands_in_the_remote_store_and_moves_the_cache(site: str, secrets) -> None:
    token = secrets[1]["epo"]
    count = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?o a <{POA}Outcome> ; <{POA}reportedBy> <{EPO}> }}"

    def outcomes() -> tuple[int, str]:
        r = requests.get(f"{site}/sparql", params={"query": count}, headers=JSON_RESULTS)
        assert r.status_code == 200, r.text
        return int(r.json()["results"]["bindings"][0]["n"]["value"]), r.headers["ETag"]

    before, etag = outcomes()
    sent = requests.post(
        f"{site}/contributions",
        data=body(77),
        headers={"Content-Type": "text/turtle", **bearer(token)},
        timeout=120,
    )
    assert sent.status_code == 201, sent.text
    after, moved = outcomes()  # the same query text: only a new cache version answers anew
    assert after > before and moved != etag
    graph = sent.json()["graph"]
    ask = f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    r = requests.get(f"{site}/sparql", params={"query": ask}, headers=JSON_RESULTS)
    assert r.json()["boolean"] is True
    listed = requests.get(f"{site}/contributions", headers={"Accept": "application/json"})
    assert sent.json()["id"] in {c["id"] for c in listed.json()["items"]}
    gone = requests.delete(f"{site}{sent.headers['Location']}", headers=bearer(token))
    assert gone.status_code == 204
    assert outcomes()[0] == before


@pytest.mark.parametrize("kind", ["oxigraph", "virtuoso"])
def test_a_store_that_goes_down_is_a_clear_503(kind: str, tmp_path: Path) -> None:
    from backends_support import START

    store = START[kind](tmp_path)
    try:
        with server_process(
            tmp_path / "unused", args=("--backend", store.url), env=store.env, ready_s=120
        ) as web:
            ok = requests.get(f"{web.base}/sparql", params={"query": "ASK {}"}, timeout=30)
            assert ok.status_code == 200
            store.stop()
            for path, params in (
                ("/sparql", {"query": "ASK { ?s ?p ?o }"}),
                ("/id/country/SLE", {}),
            ):
                r = requests.get(f"{web.base}{path}", params=params, timeout=60)
                assert r.status_code in (502, 503), (path, r.status_code, r.text[:300])
                message = r.json()["error"]
                assert "store" in message and "Traceback" not in message
                assert store.url not in message  # the operator's URL stays in the log
            health = requests.get(f"{web.base}/health", timeout=60)
            assert health.status_code == 503
    finally:
        if store.process.poll() is None:
            store.stop()


def test_serve_refuses_a_backend_that_does_not_answer(tmp_path: Path) -> None:
    from _endpoint import free_port, poagraph_command

    url = f"http://127.0.0.1:{free_port()}/query"
    result = subprocess.run(
        [*poagraph_command(), "serve", "--backend", url, "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "cannot reach" in result.stderr and "Traceback" not in result.stderr
