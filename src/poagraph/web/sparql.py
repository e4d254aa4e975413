"""`/sparql`: the SPARQL 1.1 Protocol for queries, read-only, as Oxigraph server does it.

GET ?query=, POST form (query=), POST application/sparql-query; default-graph-uri and
named-graph-uri; results by Accept (q-values) or `format=`; updates refused with 403;
GET without a query gives the Service Description (or the query page for browsers).
"""

from __future__ import annotations

import hashlib
import re

from flask import Blueprint, Response, abort, current_app, redirect, request
from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, serialize
from werkzeug.datastructures import MultiDict

from poagraph.web import negotiation
from poagraph.web.executor import ExecutorUnavailable, QueryTimeout, get_executor
from poagraph.web.results import PREFIXES, Job, uses_keyword

bp = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
READ_ONLY = "this endpoint is read-only: SPARQL Update is not accepted"
TRUNCATED = "X-Poagraph-Truncated"

#: Queries whose answer may change between runs are never cached.
_VOLATILE = re.compile(r"\b(RAND|NOW|UUID|STRUUID|BNODE)\s*\(|\bSERVICE\b", re.IGNORECASE)
_SERVICE = re.compile(r"\bSERVICE\b", re.IGNORECASE)


@bp.after_request
def _cors(response: Response) -> Response:
    if current_app.config["CORS"]:
        # reads only, no credentials: a wildcard origin is safe here
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = f"ETag, {TRUNCATED}"
    return response


@bp.route("/sparql", methods=["GET", "POST", "OPTIONS"], strict_slashes=False)
def sparql() -> Response:
    """The SPARQL 1.1 Protocol query operation."""
    if request.method == "OPTIONS":
        return _preflight()
    _check_size()
    params = _parameters()
    queries = params.getlist("query")
    if params.getlist("update"):
        if queries:
            abort(400, "give either query or update, not both")
        abort(403, READ_ONLY)
    if not queries:
        if request.method == "POST":
            abort(400, "no query given: send query= or a application/sparql-query body")
        return _service_description()
    if len(queries) > 1:
        abort(400, "more than one query parameter given: send exactly one")
    return _answer(
        Job(
            query=queries[0],
            default_graphs=tuple(params.getlist("default-graph-uri")),
            named_graphs=tuple(params.getlist("named-graph-uri")),
            accept=request.headers.get("Accept"),
            format=params.get("format") or None,
            max_rows=int(current_app.config["MAX_ROWS"]),
            base_iri=request.base_url,
        ),
        _timeout(params.get("timeout")),
    )


def _preflight() -> Response:
    response = Response(status=204)
    response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "Content-Type, Accept, If-None-Match"
    response.headers["Access-Control-Max-Age"] = "86400"
    return response


def _check_size() -> None:
    limit = int(current_app.config["MAX_BODY_BYTES"])
    if request.content_length is not None and request.content_length > limit:
        abort(413, f"the request body is larger than {limit} bytes")
    if len(request.query_string) > limit:
        abort(413, f"the query string is longer than {limit} bytes")


class _Params:
    """URL parameters merged with the form body, as werkzeug MultiDicts."""

    def __init__(self, *sources):
        self.sources = sources

    def getlist(self, name: str) -> list[str]:
        return [v for source in self.sources for v in source.getlist(name)]

    def get(self, name: str) -> str | None:
        values = self.getlist(name)
        return values[0] if values else None


def _parameters() -> _Params:
    if request.method in ("GET", "HEAD"):
        return _Params(request.args)
    mimetype = request.mimetype
    if mimetype == FORM:
        return _Params(request.args, request.form)
    if mimetype == SPARQL_QUERY:
        charset = request.mimetype_params.get("charset", "utf-8").lower()
        if charset not in ("utf-8", "utf8"):
            abort(415, f"the query must be sent in UTF-8, not {charset}")
        try:
            text = request.get_data(cache=False).decode("utf-8")
        except UnicodeDecodeError as exc:
            abort(400, f"the query body is not valid UTF-8: {exc}")
        if request.args.getlist("query"):
            abort(400, "a query in the body and in the URL: send exactly one")
        return _Params(request.args, MultiDict([("query", text)]))
    if mimetype == SPARQL_UPDATE:
        abort(403, READ_ONLY)
    if not mimetype:
        abort(415, f"POST needs a Content-Type: {FORM} or {SPARQL_QUERY}")
    abort(415, f"unsupported Content-Type {mimetype!r}: use {FORM} or {SPARQL_QUERY}")


def _timeout(value: str | None) -> float:
    limit = float(current_app.config["QUERY_TIMEOUT_S"])
    if value is None or value == "":
        return limit
    try:
        asked = float(value)
    except ValueError:
        abort(400, f"timeout={value!r} is not a number of seconds")
    if not asked > 0:
        abort(400, f"timeout={value!r} must be a positive number of seconds")
    return min(asked, limit)


def _cache_key(job: Job, version: str) -> str:
    parts = [
        version,
        job.query,
        "\x1f".join(job.default_graphs),
        "\x1f".join(job.named_graphs),
        job.accept or "",
        job.format or "",
        str(job.max_rows),
        job.base_iri or "",
    ]
    return hashlib.sha256("\x1e".join(parts).encode()).hexdigest()[:32]


def _answer(job: Job, timeout_s: float) -> Response:
    service = get_executor()
    if not current_app.config["FEDERATION"] and uses_keyword(job.query, _SERVICE):
        abort(403, "federated queries (SERVICE) are disabled on this endpoint")
    cacheable = not uses_keyword(job.query, _VOLATILE)
    key = _cache_key(job, service.version)
    etag = f'"{key}"'
    if cacheable and etag in request.headers.get("If-None-Match", ""):
        cached = service.cache.get(key)
        if cached is not None:
            return _response(cached, etag, status=304)
    outcome = service.cache.get(key) if cacheable else None
    if outcome is None:
        try:
            outcome = service.executor.run(job, timeout_s)
        except QueryTimeout as exc:
            abort(503, f"query timeout: {exc}; simplify the query or add a LIMIT")
        except ExecutorUnavailable as exc:
            current_app.logger.error("query execution failed: %s", exc)
            abort(500, str(exc))
        if outcome.status >= 500:
            current_app.logger.error("query failed in the store: %s", outcome.message)
            abort(500, "the store failed to answer the query; the error has been logged")
        if outcome.status != 200:
            abort(outcome.status, outcome.message)
        if cacheable:
            service.cache.put(key, outcome)
    return _response(outcome, etag if cacheable else None)


def _response(outcome, etag: str | None, status: int = 200) -> Response:
    body = b"" if status == 304 else outcome.body
    response = Response(body, status=status, content_type=outcome.content_type)
    response.headers["Vary"] = "Accept"
    if etag:
        response.headers["ETag"] = etag
        response.headers["Cache-Control"] = "public, max-age=0, must-revalidate"
    if outcome.truncated:
        response.headers[TRUNCATED] = "true"
    return response


# --- Response cache in front of Flask ------------------------------------------------------


class ResponseCache:
    """WSGI middleware answering repeated GET /sparql requests from memory, before Flask.

    The key is the raw request (path, query string, Accept, Host) and the store version; only
    responses the view marked cacheable (200 with an ETag) are kept, with all their headers,
    so a hit is byte-identical to what Flask sent. A matching If-None-Match gets 304. This
    skips routing, parsing and negotiation: a hit costs a dictionary lookup.
    """

    PATHS = ("/sparql", "/sparql/")

    def __init__(self, wsgi_app, app):
        self.wsgi_app = wsgi_app
        self.app = app

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") != "GET" or environ.get("PATH_INFO") not in self.PATHS:
            return self.wsgi_app(environ, start_response)
        service = get_executor(self.app)
        key = (
            service.version,
            environ.get("PATH_INFO"),
            environ.get("QUERY_STRING", ""),
            environ.get("HTTP_ACCEPT", ""),
            environ.get("HTTP_HOST", ""),  # relative IRIs resolve against the endpoint URL
        )
        hit = service.responses.get(key)
        if hit is not None:
            status, headers, body, etag = hit
            if etag in environ.get("HTTP_IF_NONE_MATCH", ""):
                kept = [(k, v) for k, v in headers if k.lower() != "content-length"]
                start_response("304 NOT MODIFIED", kept)
                return [b""]
            start_response(status, headers)
            return [body]
        captured: dict = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return start_response(status, headers, exc_info)

        chunks = self.wsgi_app(environ, capture)
        status = captured.get("status", "")
        etag = dict(captured.get("headers", [])).get("ETag")
        if not status.startswith("200") or etag is None:
            return chunks
        try:
            body = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        service.responses.put(key, (status, captured["headers"], body, etag), size=len(body))
        return [body]


# --- Service Description (SPARQL 1.1 Service Description) -----------------------------------

SD = "http://www.w3.org/ns/sparql-service-description#"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
FORMATS_NS = "http://www.w3.org/ns/formats/"
_SD_FORMATS = {
    "application/sparql-results+json": "SPARQL_Results_JSON",
    "application/sparql-results+xml": "SPARQL_Results_XML",
    "text/csv": "SPARQL_Results_CSV",
    "text/tab-separated-values": "SPARQL_Results_TSV",
    "text/turtle": "Turtle",
    "application/n-triples": "N-Triples",
    "application/n-quads": "N-Quads",
    "application/trig": "TriG",
    "application/ld+json": "JSON-LD",
    "application/rdf+xml": "RDF_XML",
}
_SD_MEDIA = {
    "text/turtle": RdfFormat.TURTLE,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "application/ld+json": RdfFormat.JSON_LD,
    "application/rdf+xml": RdfFormat.RDF_XML,
}


def _service_description() -> Response:
    accept = request.headers.get("Accept")
    if request.args.get("format") is None and negotiation.prefers_html(accept):
        # browsers get the query page of the UI blueprint
        return redirect("/query", code=303)
    fmt = request.args.get("format")
    if fmt:
        media = negotiation.from_format(fmt, _SD_MEDIA, negotiation.GRAPH_ALIASES)
    else:
        media = negotiation.choose(accept, _SD_MEDIA, negotiation.GRAPH_ALIASES)
    if media is None:
        abort(406, f"the service description is available as {', '.join(_SD_MEDIA)}")
    body = serialize(
        _sd_triples(request.base_url), format=_SD_MEDIA[media], prefixes={"sd": SD, **PREFIXES}
    )
    response = Response(body, content_type=f"{media}; charset=utf-8")
    response.headers["Vary"] = "Accept"
    return response


def _sd_triples(endpoint: str) -> list[Triple]:
    service = BlankNode()
    dataset = BlankNode()
    default_graph = BlankNode()

    def sd(term: str) -> NamedNode:
        return NamedNode(SD + term)

    triples = [
        Triple(service, RDF_TYPE, sd("Service")),
        Triple(service, sd("endpoint"), NamedNode(endpoint)),
        Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        Triple(service, sd("feature"), sd("UnionDefaultGraph")),
        Triple(service, sd("defaultDataset"), dataset),
        Triple(dataset, RDF_TYPE, sd("Dataset")),
        Triple(dataset, sd("defaultGraph"), default_graph),
        Triple(default_graph, RDF_TYPE, sd("Graph")),
        Triple(
            service,
            NamedNode("http://purl.org/dc/terms/description"),
            Literal(
                "poagraph: the Programme of Action reports as a knowledge graph; read-only; "
                "the default graph is the union of all named graphs"
            ),
        ),
    ]
    if current_app.config["FEDERATION"]:
        triples.append(Triple(service, sd("feature"), sd("BasicFederatedQuery")))
    for name in _SD_FORMATS.values():
        triples.append(Triple(service, sd("resultFormat"), NamedNode(FORMATS_NS + name)))
    for graph in _named_graphs():
        node = BlankNode()
        triples.append(Triple(dataset, sd("namedGraph"), node))
        triples.append(Triple(node, RDF_TYPE, sd("NamedGraph")))
        triples.append(Triple(node, sd("name"), NamedNode(graph)))
    return triples


def _named_graphs() -> list[str]:
    service = get_executor()
    try:
        data = service.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } } ORDER BY ?g", 5.0)
    except (QueryTimeout, ExecutorUnavailable) as exc:
        current_app.logger.warning("service description without graph list: %s", exc)
        return []
    return [b["g"]["value"] for b in data["results"]["bindings"] if b["g"]["type"] == "uri"]
