"""The lean /sparql path (web/lean.py) answers exactly as the Flask view (web/sparql.py).

Each request goes twice to the same app: through `app.wsgi_app` (the LeanSparql middleware)
and through `app.wsgi_app.wsgi_app` (Flask's core, which never takes the lean path); status,
body and headers must be the same. A counting wrapper around Flask's core shows which
requests the lean path answered itself and which it handed over. The matrix runs with
queries in the web process (local.py) and with every query in a worker; the parameter reader
`lean._add` is checked against werkzeug's parsing of random query strings.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus, urlencode

import pytest
from flask import Flask
from werkzeug.test import EnvironBuilder, run_wsgi_app
from werkzeug.wrappers import Request

from poagraph.web import create_app, lean
from poagraph.web.store import get_service

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
GRAPH = "https://w3id.org/poagraph/graph/"
FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
MAX_ROWS = 20
MAX_QUERY_BYTES = 4096
MAX_BODY_BYTES = 64 * 1024

SELECT = (
    f"SELECT ?s ?label WHERE {{ ?s <{RDFS_LABEL}> ?label FILTER(isIRI(?s)) }}"
    " ORDER BY ?s ?label LIMIT 5"
)
ASK = "ASK { ?s a ?type }"
CONSTRUCT = (
    f"CONSTRUCT {{ ?s <{RDFS_LABEL}> ?label }} WHERE {{ ?s <{RDFS_LABEL}> ?label"
    " FILTER(isIRI(?s)) } ORDER BY ?s ?label LIMIT 5"
)
#: more rows than MAX_ROWS (the store has thousands of typed subjects)
MANY = "SELECT ?s ?type WHERE { ?s a ?type FILTER(isIRI(?s)) } ORDER BY ?s ?type"
MANY_TRIPLES = "CONSTRUCT WHERE { ?s a ?type }"
#: RAND() makes it volatile (no ETag, never cached); the FILTER keeps its answer fixed
VOLATILE = "SELECT ?s WHERE { ?s a ?type FILTER(isIRI(?s) && RAND() < 2) } ORDER BY ?s LIMIT 3"
DATASET = (
    "SELECT ?g (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
    " GROUP BY ?g ORDER BY ?g"
)
UNICODE = 'SELECT ("é€ ✓" AS ?text) WHERE {}'
RELATIVE = "SELECT (<relative> AS ?iri) WHERE {}"
SYNTAX_ERROR = "SELECT ?s WHERE { ?s ?p }"
UPDATE = "INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> }"
SERVICE = "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"
ESCAPED = 'SELECT ("\\u00e9" AS ?text) WHERE {}'
OVERSIZE = SELECT + " # " + "x" * MAX_QUERY_BYTES


# --- the harness --------------------------------------------------------------------------


class Counting:
    """A WSGI callable that counts the requests it passes on to `app`."""

    def __init__(self, app: Callable) -> None:
        self.app = app
        self.calls = 0

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        self.calls += 1
        return self.app(environ, start_response)


@dataclass
class Served:
    app: Flask
    lean: lean.LeanSparql  #: app.wsgi_app
    core: Callable  #: Flask's own wsgi_app, called directly
    flask_calls: Counting  #: app.wsgi_app.wsgi_app: what the lean path hands over


@dataclass
class Call:
    """One request: GET/POST/... on /sparql with parameters, headers and a body."""

    method: str = "GET"
    params: list[tuple[str, str]] | str = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    data: bytes | str | None = None
    content_type: str | None = None
    path: str = "/sparql"
    base_url: str | None = None
    #: environ entries set after the builder (None: removed)
    environ: dict[str, Any] = field(default_factory=dict)
    #: its answer has fresh blank nodes (the service description): compared without labels
    blank_nodes: bool = False

    def build(self) -> dict:
        query_string = self.params if isinstance(self.params, str) else urlencode(self.params)
        builder = EnvironBuilder(
            path=self.path,
            base_url=self.base_url,
            method=self.method,
            query_string=query_string,
            headers=self.headers,
            data=self.data,
            content_type=self.content_type,
        )
        try:
            environ = builder.get_environ()
        finally:
            builder.close()
        for name, value in self.environ.items():
            if value is None:
                environ.pop(name, None)
            else:
                environ[name] = value
        return environ


@dataclass
class Answer:
    status: str
    headers: list[tuple[str, str]]
    body: bytes

    @property
    def code(self) -> int:
        return int(self.status.split()[0])

    def header(self, name: str) -> str | None:
        values = [v for k, v in self.headers if k.lower() == name.lower()]
        assert len(values) <= 1, f"{name} sent {len(values)} times"
        return values[0] if values else None


def _run(wsgi_app: Callable, environ: dict) -> Answer:
    app_iter, status, headers = run_wsgi_app(wsgi_app, environ, buffered=True)
    return Answer(status, sorted(headers.to_wsgi_list()), b"".join(app_iter))


def exchange(served: Served, call: Call) -> tuple[Answer, Answer, bool]:
    """The lean path's answer, Flask's answer, and whether the lean path handed over."""
    before = served.flask_calls.calls
    through_lean = _run(served.lean, call.build())
    handed_over = served.flask_calls.calls > before
    through_flask = _run(served.core, call.build())
    return through_lean, through_flask, handed_over


MATTERS = (
    "Content-Type",
    "Vary",
    "ETag",
    "Cache-Control",
    "X-Poagraph-Truncated",
    "Access-Control-Allow-Origin",
    "Access-Control-Expose-Headers",
    "Content-Length",
)


def assert_same(through_lean: Answer, through_flask: Answer, blank_nodes: bool = False) -> None:
    assert through_lean.status == through_flask.status
    skip = {"content-length"} if blank_nodes else set()
    for name in MATTERS:
        if name.lower() not in skip:
            assert through_lean.header(name) == through_flask.header(name), name
    # nothing else differs either
    assert [h for h in through_lean.headers if h[0].lower() not in skip] == [
        h for h in through_flask.headers if h[0].lower() not in skip
    ]
    if blank_nodes:
        assert _labels_out(through_lean.body) == _labels_out(through_flask.body)
    else:
        assert through_lean.body == through_flask.body


def _labels_out(body: bytes) -> bytes:
    """`body` with each blank node label replaced by its rank of first appearance."""
    seen: dict[bytes, bytes] = {}
    return re.sub(rb"_:[0-9A-Za-z]+", lambda m: seen.setdefault(m[0], b"_:b%d" % len(seen)), body)


def _make_app(store: Path, **config: Any) -> Served:
    app = create_app(
        {
            "STORE": str(store),
            "TESTING": True,
            "EXECUTORS": 1,
            "MAX_ROWS": MAX_ROWS,
            "MAX_QUERY_BYTES": MAX_QUERY_BYTES,
            "MAX_BODY_BYTES": MAX_BODY_BYTES,
            **config,
        }
    )
    middleware = app.wsgi_app
    assert isinstance(middleware, lean.LeanSparql)
    core = middleware.wsgi_app
    counting = Counting(core)
    middleware.wsgi_app = counting
    service = get_service(app)
    service.start()
    if service.local is not None:  # wait for the web process's copy of the store
        deadline = time.monotonic() + 60
        while not service.local.ready and time.monotonic() < deadline:
            time.sleep(0.02)
        assert service.local.ready, "the local copy of the store never loaded"
    return Served(app, middleware, core, counting)


@pytest.fixture(scope="module", params=["local", "worker"])
def served(request: pytest.FixtureRequest, built_store_path: Path) -> Iterator[Served]:
    """The app on the bundled report's store, without a result cache (both paths compute
    every answer): queries in the web process where the bound allows, or all in a worker."""
    local_max_work = 1_000_000 if request.param == "local" else 0
    served = _make_app(built_store_path, CACHE_ENTRIES=0, LOCAL_MAX_WORK=local_max_work)
    assert (get_service(served.app).local is None) == (request.param == "worker")
    yield served
    get_service(served.app).close()


@pytest.fixture(scope="module")
def cached(built_store_path: Path) -> Iterator[Served]:
    """The app with its result cache (ETag revalidation needs it)."""
    served = _make_app(built_store_path)
    yield served
    get_service(served.app).close()


@pytest.fixture(scope="module")
def no_cors(built_store_path: Path) -> Iterator[Served]:
    """The app with CORS off and a BASE_URL of its own."""
    served = _make_app(
        built_store_path, CORS=False, CACHE_ENTRIES=0, BASE_URL="https://poagraph.example.org/x/"
    )
    yield served
    get_service(served.app).close()


# --- the request matrix -------------------------------------------------------------------


def get(query: str, accept: str | None = None, **extra: str) -> Call:
    params = [("query", query), *((k.replace("_", "-"), v) for k, v in extra.items())]
    return Call(params=params, headers={"Accept": accept} if accept is not None else {})


def form(pairs: list[tuple[str, str]], **kw: Any) -> Call:
    return Call(method="POST", data=urlencode(pairs), content_type=FORM, **kw)


def posted(body: bytes | str, content_type: str = SPARQL_QUERY, **kw: Any) -> Call:
    return Call(method="POST", data=body, content_type=content_type, **kw)


LEAN, FLASK = True, False

#: (id, request, status, answered by the lean path)
MATRIX: list[tuple[str, Call, int, bool]] = [
    # SELECT, ASK, CONSTRUCT by Accept
    ("select-json", get(SELECT, "application/sparql-results+json"), 200, LEAN),
    ("select-xml", get(SELECT, "application/sparql-results+xml"), 200, LEAN),
    ("select-csv", get(SELECT, "text/csv"), 200, LEAN),
    ("select-tsv", get(SELECT, "text/tab-separated-values"), 200, LEAN),
    ("select-any", get(SELECT, "*/*"), 200, LEAN),
    ("select-no-accept", get(SELECT), 200, LEAN),
    ("select-empty-accept", get(SELECT, ""), 200, LEAN),
    ("select-json-alias", get(SELECT, "application/json"), 200, LEAN),
    ("select-q-values", get(SELECT, "text/csv;q=0.5, application/sparql-results+xml"), 200, LEAN),
    ("select-browser", get(SELECT, BROWSER), 200, LEAN),
    ("select-not-acceptable", get(SELECT, "image/png"), 406, FLASK),
    ("ask-json", get(ASK, "application/sparql-results+json"), 200, LEAN),
    ("ask-xml", get(ASK, "application/sparql-results+xml"), 200, LEAN),
    ("ask-csv", get(ASK, "text/csv"), 200, LEAN),
    ("construct-turtle", get(CONSTRUCT, "text/turtle"), 200, LEAN),
    ("construct-n-triples", get(CONSTRUCT, "application/n-triples"), 200, LEAN),
    ("construct-any", get(CONSTRUCT, "*/*"), 200, LEAN),
    ("construct-browser", get(CONSTRUCT, BROWSER), 200, LEAN),
    ("construct-results-json", get(CONSTRUCT, "application/sparql-results+json"), 406, FLASK),
    # format= aliases
    ("format-json", get(SELECT, "text/csv", format="json"), 200, LEAN),
    ("format-xml", get(SELECT, format="xml"), 200, LEAN),
    ("format-csv", get(SELECT, format="csv"), 200, LEAN),
    ("format-tsv", get(SELECT, format="tsv"), 200, LEAN),
    ("format-media-type", get(SELECT, format="application/sparql-results+json"), 200, LEAN),
    ("format-empty", get(SELECT, "text/csv", format=""), 200, LEAN),
    ("format-ttl", get(CONSTRUCT, format="ttl"), 200, LEAN),
    ("format-nt", get(CONSTRUCT, format="nt"), 200, LEAN),
    ("format-unknown", get(SELECT, format="bogus"), 406, FLASK),
    (
        "format-twice",
        Call(params=[("query", SELECT), ("format", "csv"), ("format", "xml")]),
        200,
        LEAN,
    ),
    # the dataset
    (
        "dataset",
        get(
            DATASET,
            default_graph_uri=GRAPH + "ontology",
            named_graph_uri=GRAPH + "vocab",
        ),
        200,
        LEAN,
    ),
    (
        "dataset-several",
        Call(
            params=[
                ("query", DATASET),
                ("default-graph-uri", GRAPH + "ontology"),
                ("default-graph-uri", GRAPH + "vocab"),
                ("named-graph-uri", GRAPH + "vocab"),
                ("named-graph-uri", GRAPH + "report/iom-bpoa-review"),
            ]
        ),
        200,
        LEAN,
    ),
    # timeout=
    ("timeout-5", get(SELECT, timeout="5"), 200, LEAN),
    ("timeout-half-second", get(SELECT, timeout="0.5"), 200, LEAN),
    ("timeout-empty", get(SELECT, timeout=""), 200, LEAN),
    ("timeout-inf", get(SELECT, timeout="inf"), 200, LEAN),
    ("timeout-abc", get(SELECT, timeout="abc"), 400, FLASK),
    ("timeout-0", get(SELECT, timeout="0"), 400, FLASK),
    ("timeout-negative", get(SELECT, timeout="-1"), 400, FLASK),
    ("timeout-nan", get(SELECT, timeout="nan"), 400, FLASK),
    # query errors and refused requests
    ("syntax-error", get(SYNTAX_ERROR), 400, FLASK),
    ("syntax-error-browser", get(SYNTAX_ERROR, BROWSER), 400, FLASK),
    ("empty-query", get(""), 400, FLASK),
    ("update-as-query", get(UPDATE), 403, FLASK),
    ("over-max-query-bytes", get(OVERSIZE), 400, FLASK),
    ("service-refused", get(SERVICE), 403, FLASK),
    ("unicode-escape", get(ESCAPED), 200, FLASK),
    ("two-queries", Call(params=[("query", SELECT), ("query", ASK)]), 400, FLASK),
    ("query-and-update", Call(params=[("query", SELECT), ("update", UPDATE)]), 400, FLASK),
    ("unknown-parameter", get(SELECT, foo="bar"), 200, FLASK),
    ("no-query", Call(headers={"Accept": "text/turtle"}, blank_nodes=True), 200, FLASK),
    ("no-query-browser", Call(headers={"Accept": BROWSER}), 303, FLASK),
    ("query-string-over-max-body", get(SELECT, pad="x" * MAX_BODY_BYTES), 413, FLASK),
    # what the URL's bytes say
    ("percent-ff", Call(params="query=" + quote(SELECT).replace("LIMIT", "%FFLIMIT")), 400, FLASK),
    (
        "percent-ff-in-literal",
        Call(params="query=" + quote('SELECT ("') + "%FF" + quote('" AS ?x) WHERE {}')),
        200,
        FLASK,
    ),
    ("percent-utf8", Call(params="query=" + quote(UNICODE)), 200, LEAN),
    ("plus-as-space", Call(params="query=" + quote_plus(SELECT, safe="")), 200, LEAN),
    (
        "raw-utf8-bytes",
        Call(environ={"QUERY_STRING": "query=" + UNICODE.encode().decode("latin-1")}),
        200,
        LEAN,
    ),
    ("encoded-name", Call(params="%71uery=" + quote(SELECT)), 200, LEAN),
    ("empty-pairs", Call(params="&&query=" + quote(SELECT) + "&"), 200, LEAN),
    # POST
    ("post-form", form([("query", SELECT)]), 200, LEAN),
    (
        "post-form-everything",
        form(
            [("query", DATASET), ("named-graph-uri", GRAPH + "vocab"), ("timeout", "5")],
            params=[("default-graph-uri", GRAPH + "ontology"), ("format", "csv")],
        ),
        200,
        LEAN,
    ),
    (
        "post-form-charset",
        Call(
            method="POST",
            data=urlencode([("query", UNICODE)]),
            content_type=FORM + "; charset=UTF-8",
        ),
        200,
        LEAN,
    ),
    (
        "post-form-raw-utf8",
        Call(method="POST", data=b"query=" + UNICODE.encode(), content_type=FORM),
        200,
        LEAN,
    ),
    ("post-form-percent-ff", Call(method="POST", data="query=%FF", content_type=FORM), 400, FLASK),
    ("post-form-query-twice", form([("query", SELECT)], params=[("query", ASK)]), 400, FLASK),
    ("post-form-update", form([("update", UPDATE)]), 403, FLASK),
    ("post-form-no-query", form([("format", "json")]), 400, FLASK),
    (
        "post-form-over-max-body",
        form([("query", SELECT), ("pad", "x" * MAX_BODY_BYTES)]),
        413,
        FLASK,
    ),
    ("post-query", posted(UNICODE.encode()), 200, LEAN),
    (
        "post-query-charset-utf-8",
        posted(UNICODE.encode(), SPARQL_QUERY + "; charset=utf-8"),
        200,
        LEAN,
    ),
    (
        "post-query-charset-UTF-8",
        posted(UNICODE.encode(), SPARQL_QUERY + ";charset=UTF-8"),
        200,
        LEAN,
    ),
    (
        "post-query-charset-utf8",
        posted(UNICODE.encode(), SPARQL_QUERY + "; charset=utf8"),
        200,
        FLASK,
    ),
    (
        "post-query-latin-1",
        posted(UNICODE.encode("latin-1", "replace"), SPARQL_QUERY + "; charset=latin-1"),
        415,
        FLASK,
    ),
    ("post-query-not-utf8", posted(b'SELECT ("\xff" AS ?x) WHERE {}'), 400, FLASK),
    ("post-query-and-url-query", posted(SELECT, params=[("query", ASK)]), 400, FLASK),
    (
        "post-query-with-url-parameters",
        posted(DATASET, params=[("named-graph-uri", GRAPH + "vocab"), ("format", "tsv")]),
        200,
        LEAN,
    ),
    ("post-query-syntax-error", posted(SYNTAX_ERROR), 400, FLASK),
    ("post-query-update", posted(UPDATE), 403, FLASK),
    ("post-sparql-update", posted(UPDATE, "application/sparql-update"), 403, FLASK),
    ("post-text-plain", posted(SELECT, "text/plain"), 415, FLASK),
    ("post-no-content-type", Call(method="POST", data=SELECT), 415, FLASK),
    (
        "post-chunked",
        posted(
            SELECT,
            headers={"Transfer-Encoding": "chunked"},
            environ={"CONTENT_LENGTH": None, "wsgi.input_terminated": True},
        ),
        200,
        FLASK,
    ),
    (
        "post-body-shorter-than-length",
        posted(SELECT, environ={"CONTENT_LENGTH": "4000"}),
        400,
        FLASK,
    ),
    # other methods and headers
    ("head", Call(method="HEAD", params=[("query", SELECT)]), 200, FLASK),
    (
        "options",
        Call(method="OPTIONS", headers={"Access-Control-Request-Method": "POST"}),
        204,
        FLASK,
    ),
    ("put", Call(method="PUT", params=[("query", SELECT)]), 405, FLASK),
    (
        "if-none-match-uncached",
        Call(params=[("query", SELECT)], headers={"If-None-Match": '"0123456789abcdef"'}),
        200,
        FLASK,
    ),
    ("trailing-slash", Call(path="/sparql/", params=[("query", SELECT)]), 200, FLASK),
    ("mounted", Call(base_url="http://localhost/mount", params=[("query", RELATIVE)]), 200, LEAN),
    # results
    ("volatile", get(VOLATILE), 200, LEAN),
    ("over-max-rows", get(MANY), 200, LEAN),
    ("over-max-rows-csv", get(MANY, "text/csv"), 200, LEAN),
    ("over-max-triples", get(MANY_TRIPLES, "application/n-triples"), 200, LEAN),
    ("relative-iri", get(RELATIVE), 200, LEAN),
]


@pytest.mark.parametrize(
    ("call", "status", "by_lean"), [m[1:] for m in MATRIX], ids=[m[0] for m in MATRIX]
)
def test_the_lean_path_answers_as_flask_does(
    served: Served, call: Call, status: int, by_lean: bool
) -> None:
    through_lean, through_flask, handed_over = exchange(served, call)
    assert_same(through_lean, through_flask, call.blank_nodes)
    assert through_lean.code == status, through_lean.body[:300]
    assert handed_over is not by_lean


# --- what the answers hold ------------------------------------------------------------------


def _json(answer: Answer) -> dict:
    return json.loads(answer.body)


def test_the_dataset_parameters_are_read(served: Served) -> None:
    call = get(DATASET, default_graph_uri=GRAPH + "ontology", named_graph_uri=GRAPH + "vocab")
    through_lean, through_flask, handed_over = exchange(served, call)
    assert not handed_over
    assert_same(through_lean, through_flask)
    rows = _json(through_lean)["results"]["bindings"]
    assert [row.get("g", {}).get("value") for row in rows] == [None, GRAPH + "vocab"]
    everything = _json(_run(served.lean, get(DATASET).build()))["results"]["bindings"]
    # without the parameters: the union default graph and the three graphs of the store
    assert len(everything) == 4
    assert "g" not in everything[0]
    assert int(rows[0]["n"]["value"]) < int(everything[0]["n"]["value"])


@pytest.mark.parametrize(
    "call",
    [
        get(UNICODE),
        Call(environ={"QUERY_STRING": "query=" + UNICODE.encode().decode("latin-1")}),
        posted(UNICODE.encode()),
        Call(method="POST", data=b"query=" + UNICODE.encode(), content_type=FORM),
    ],
    ids=["percent-encoded", "raw-bytes", "sparql-query-body", "raw-form"],
)
def test_the_query_is_read_as_utf8(served: Served, call: Call) -> None:
    through_lean, through_flask, handed_over = exchange(served, call)
    assert not handed_over
    assert_same(through_lean, through_flask)
    assert _json(through_lean)["results"]["bindings"] == [
        {"text": {"type": "literal", "value": "é€ ✓"}}
    ]


@pytest.mark.parametrize(
    ("query", "accept"),
    [(MANY, "text/csv"), (MANY, None), (MANY_TRIPLES, "application/n-triples")],
)
def test_an_answer_over_max_rows_is_flagged_truncated(
    served: Served, query: str, accept: str | None
) -> None:
    through_lean, through_flask, handed_over = exchange(served, get(query, accept))
    assert not handed_over
    assert_same(through_lean, through_flask)
    assert through_lean.header("X-Poagraph-Truncated") == "true"
    if accept is not None:
        assert len(through_lean.body.decode().splitlines()) == MAX_ROWS + (accept == "text/csv")


def test_an_answer_within_max_rows_is_not_flagged(served: Served) -> None:
    through_lean, _, handed_over = exchange(served, get(SELECT))
    assert not handed_over
    assert through_lean.header("X-Poagraph-Truncated") is None
    assert len(_json(through_lean)["results"]["bindings"]) == 5


def test_a_volatile_answer_has_no_etag(served: Served) -> None:
    through_lean, through_flask, handed_over = exchange(served, get(VOLATILE))
    assert not handed_over
    assert_same(through_lean, through_flask)
    assert through_lean.header("ETag") is None
    assert through_lean.header("Cache-Control") is None
    assert len(_json(through_lean)["results"]["bindings"]) == 3
    cacheable = _run(served.lean, get(SELECT).build())
    assert cacheable.header("ETag") is not None  # the same app gives others one


def test_relative_iris_resolve_against_the_mounted_endpoint(served: Served) -> None:
    call = Call(base_url="http://localhost/mount", params=[("query", RELATIVE)])
    through_lean, through_flask, handed_over = exchange(served, call)
    assert not handed_over
    assert_same(through_lean, through_flask)
    iri = _json(through_lean)["results"]["bindings"][0]["iri"]["value"]
    assert iri == "http://localhost/mount/relative"


def test_a_query_error_is_the_json_error_flask_writes(served: Served) -> None:
    through_lean, through_flask, handed_over = exchange(served, get(SYNTAX_ERROR))
    assert handed_over
    assert_same(through_lean, through_flask)
    error = _json(through_lean)
    assert error["status"] == 400
    assert error["error"]
    assert through_lean.header("Content-Type") == "application/json"


# --- the result cache -----------------------------------------------------------------------


def test_a_cached_answer_is_sent_as_flask_sends_it(cached: Served) -> None:
    call = get(SELECT, "text/csv")
    first, _, handed_over = exchange(cached, call)  # run by the lean path, then Flask's hit
    assert not handed_over
    assert first.code == 200
    key = first.header("ETag").strip('"')
    assert get_service(cached.app).cached(key) is not None
    through_lean, through_flask, handed_over = exchange(cached, call)
    assert not handed_over
    assert_same(through_lean, through_flask)
    assert through_lean.body == first.body
    assert through_lean.header("ETag") == first.header("ETag")


def test_if_none_match_with_the_etag_gets_304_from_flask(cached: Served) -> None:
    first = _run(cached.lean, get(ASK).build())
    etag = first.header("ETag")
    assert first.code == 200
    assert etag
    call = Call(params=[("query", ASK)], headers={"If-None-Match": etag})
    through_lean, through_flask, handed_over = exchange(cached, call)
    assert handed_over
    assert_same(through_lean, through_flask)
    assert through_lean.code == 304
    assert through_lean.body == b""
    assert through_lean.header("ETag") == etag


def test_if_none_match_with_another_etag_gets_the_answer(cached: Served) -> None:
    first = _run(cached.lean, get(CONSTRUCT).build())
    call = Call(params=[("query", CONSTRUCT)], headers={"If-None-Match": '"not-this-one"'})
    through_lean, through_flask, handed_over = exchange(cached, call)
    assert handed_over
    assert_same(through_lean, through_flask)
    assert through_lean.code == 200
    assert through_lean.body == first.body


def test_a_volatile_answer_is_not_cached(cached: Served) -> None:
    through_lean, through_flask, handed_over = exchange(cached, get(VOLATILE, "text/csv"))
    assert not handed_over
    assert_same(through_lean, through_flask)
    assert through_lean.header("ETag") is None
    entries = len(get_service(cached.app).cache._data)
    _run(cached.lean, get(VOLATILE, "text/tab-separated-values").build())
    assert len(get_service(cached.app).cache._data) == entries


# --- CORS off, a BASE_URL of its own --------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "status", "by_lean"),
    [
        (get(SELECT), 200, LEAN),
        (get(RELATIVE), 200, LEAN),
        (Call(base_url="http://localhost/mount", params=[("query", RELATIVE)]), 200, LEAN),
        (form([("query", CONSTRUCT)]), 200, LEAN),
        (get(SYNTAX_ERROR), 400, FLASK),
        (Call(method="OPTIONS"), 204, FLASK),
    ],
    ids=["select", "relative", "mounted", "post-form", "syntax-error", "options"],
)
def test_without_cors_neither_path_sends_cors_headers(
    no_cors: Served, call: Call, status: int, by_lean: bool
) -> None:
    through_lean, through_flask, handed_over = exchange(no_cors, call)
    assert_same(through_lean, through_flask)
    assert through_lean.code == status
    assert handed_over is not by_lean
    assert through_lean.header("Access-Control-Allow-Origin") is None
    assert through_lean.header("Access-Control-Expose-Headers") is None


def test_base_url_is_the_base_of_relative_iris(no_cors: Served) -> None:
    for call, expected in [
        (get(RELATIVE), "https://poagraph.example.org/x/relative"),
        (
            Call(base_url="http://localhost/mount", params=[("query", RELATIVE)]),
            "https://poagraph.example.org/x/mount/relative",
        ),
    ]:
        through_lean, through_flask, handed_over = exchange(no_cors, call)
        assert not handed_over
        assert_same(through_lean, through_flask)
        assert _json(through_lean)["results"]["bindings"][0]["iri"]["value"] == expected


def test_with_cors_both_paths_send_cors_headers(served: Served) -> None:
    through_lean, through_flask, handed_over = exchange(served, get(SELECT))
    assert not handed_over
    assert_same(through_lean, through_flask)
    assert through_lean.header("Access-Control-Allow-Origin") == "*"
    assert through_lean.header("Access-Control-Expose-Headers") == "ETag, X-Poagraph-Truncated"


# --- lean._add against werkzeug -------------------------------------------------------------

#: (text in a WSGI string: bytes as latin-1, the bytes it decodes to)
VALID = [
    ("q", b"q"),
    ("u", b"u"),
    ("Z", b"Z"),
    ("x", b"x"),
    ("-", b"-"),
    (".", b"."),
    ("_", b"_"),
    ("~", b"~"),
    ("*", b"*"),
    (";", b";"),
    ("/", b"/"),
    ("?", b"?"),
    ("+", b" "),
    ("%20", b" "),
    ("%2B", b"+"),
    ("%2b", b"+"),
    ("%26", b"&"),
    ("%3D", b"="),
    ("%25", b"%"),
    ("%C3%A9", "é".encode()),
    ("%e2%82%ac", "€".encode()),
    ("%F0%9F%99%82", "🙂".encode()),
    ("\xc3\xa9", "é".encode()),
    ("\xe2\x9c\x93", "✓".encode()),
    ("%GZ", b"%GZ"),  # not an escape: kept
    ("%", b"%"),
]
INVALID = [
    ("%FF", b"\xff"),
    ("%80", b"\x80"),
    ("%C3", b"\xc3"),  # a lead byte, valid only when a continuation byte follows
    ("%ed%a0%80", b"\xed\xa0\x80"),  # a surrogate
    ("\xff", b"\xff"),
]


def _random_query_string(rng: random.Random) -> tuple[str, list[tuple[bytes, bytes]]]:
    """A query string and the (name, value) bytes its pairs decode to."""

    def piece(count: int, extra: list[tuple[str, bytes]]) -> tuple[str, bytes]:
        tokens = [
            rng.choice(INVALID) if rng.random() < 0.04 else rng.choice(VALID + extra)
            for _ in range(count)
        ]
        return "".join(t for t, _ in tokens), b"".join(b for _, b in tokens)

    parts, pairs = [], []
    for _ in range(rng.randint(0, 5)):
        name, name_bytes = piece(rng.randint(0, 3), [])
        if rng.random() < 0.8:
            value, value_bytes = piece(rng.randint(0, 6), [("=", b"=")])
            parts.append(f"{name}={value}")
            pairs.append((name_bytes, value_bytes))
        else:
            parts.append(name)
            if name:
                pairs.append((name_bytes, b""))
        if rng.random() < 0.1:
            parts.append("")  # '&&'
    return "&".join(parts), pairs


def _werkzeug_args(query_string: str) -> dict[str, list[str]]:
    environ = EnvironBuilder().get_environ()
    environ["QUERY_STRING"] = query_string
    return Request(environ).args.to_dict(flat=False)


def test_add_reads_query_strings_as_werkzeug_does() -> None:
    rng = random.Random(13)
    valid = invalid = 0
    for _ in range(3000):
        text, pairs = _random_query_string(rng)
        try:
            expected: dict[str, list[str]] = {}
            for name, value in pairs:
                expected.setdefault(name.decode(), []).append(value.decode())
        except UnicodeDecodeError:
            invalid += 1
            with pytest.raises(lean.ToFlask):
                lean._add({}, text)
            continue
        valid += 1
        params: dict[str, list[str]] = {}
        lean._add(params, text)
        assert params == _werkzeug_args(text), text
        assert params == expected, text
    assert valid > 1000
    assert invalid > 300


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("query=a+b%2Bc", {"query": ["a b+c"]}),
        ("%71uery=x&query=y", {"query": ["x", "y"]}),
        ("=x&a&&b=c=d", {"": ["x"], "a": [""], "b": ["c=d"]}),
        ("a=%G1%4&b=%", {"a": ["%G1%4"], "b": ["%"]}),
        ("a;b=1", {"a;b": ["1"]}),
        ("a=%C3%A9&b=\xc3\xa9", {"a": ["é"], "b": ["é"]}),
        ("", {}),
    ],
)
def test_add_reads_the_edge_cases_as_werkzeug_does(text: str, expected: dict) -> None:
    params: dict[str, list[str]] = {}
    lean._add(params, text)
    assert params == expected
    assert params == _werkzeug_args(text)


@pytest.mark.parametrize("text", ["query=%FF", "%FF=x", "query=%C3", "query=%C3%28", "a=\xff"])
def test_add_hands_non_utf8_escapes_to_flask(text: str) -> None:
    with pytest.raises(lean.ToFlask):
        lean._add({}, text)


def test_add_appends_to_the_parameters_read_before() -> None:
    params: dict[str, list[str]] = {"query": ["from the URL"]}
    lean._add(params, "query=from+the+body&timeout=5")
    assert params == {"query": ["from the URL", "from the body"], "timeout": ["5"]}


def test_body_is_kept_for_flask_when_the_lean_path_hands_over(served: Served) -> None:
    # a form with a parameter the lean path does not read: Flask must still see the body
    call = form([("query", UNICODE), ("unknown", "1")])
    through_lean, through_flask, handed_over = exchange(served, call)
    assert handed_over
    assert_same(through_lean, through_flask)
    assert _json(through_lean)["results"]["bindings"][0]["text"]["value"] == "é€ ✓"


# --- a query string that is not UTF-8 -------------------------------------------------------


@pytest.mark.parametrize("path", ["/sparql", "/search", "/queries"])
def test_a_raw_byte_that_is_not_utf8_is_a_400_naming_the_query_string(
    served: Served, path: str
) -> None:
    """Regression: a raw 0xFF byte in the query string (werkzeug raises UnicodeDecodeError as
    a view reads it) was a 500 'internal error' on every route; it is the client's mistake."""
    environ = EnvironBuilder(path=path).get_environ()
    environ["QUERY_STRING"] = "query=SELECT%20(%22\xff%22%20AS%20?x)%20{}&q=\xff"
    through_lean = _run(served.lean, dict(environ))
    through_flask = _run(served.core, dict(environ))
    for answer in (through_lean, through_flask):
        assert answer.code == 400, answer.body[:300]
        assert "not valid UTF-8" in json.loads(answer.body)["error"]


# --- percent-decoding ---------------------------------------------------------------------


def test_percent_decoding_equals_urllibs_on_random_texts() -> None:
    """lean.percent_decoded (escapes decoded in C) gives urllib's bytes for any text: valid
    and malformed escapes, backslashes (which escape_decode would read), `\\x` as written,
    bytes over 127, line ends."""
    from urllib.parse import unquote_to_bytes

    alphabet = [b"%", b"%", b"%", b"\\", b"x", b"X", b"0", b"7", b"a", b"F", b"f", b"g", b"z"]
    alphabet += [b"\n", b"\r", b"'", b'"', b" ", b"\x00", b"\xff", b"\xc3\xa9", b"+", b"#"]
    rng = random.Random(1305)
    for _ in range(20_000):
        raw = b"".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 24)))
        assert lean.percent_decoded(raw) == unquote_to_bytes(raw), raw
    for raw in (
        b"%41%62c",
        b"%4",
        b"%",
        b"%%41",
        b"%g1",
        b"\\x41%41",
        b"\\%41",
        b"%5Cx41",  # an escaped backslash, then x41: stays the four characters \x41
        b"%5C%5C",
        b"%E2%82%AC %e2%82%ac",
        quote("SELECT * WHERE { ?s ?p 'é\\u00e9' } # \\", safe="").encode(),
    ):
        assert lean.percent_decoded(raw) == unquote_to_bytes(raw), raw
