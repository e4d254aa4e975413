"""`/sparql`: the SPARQL 1.1 Protocol for queries, as Oxigraph server does it, and updates
for maintainers.

GET ?query=, POST form (query=), POST application/sparql-query; default-graph-uri and
named-graph-uri; results by Accept (q-values) or `format=`; GET without a query gives the
Service Description (or the query page for browsers). Updates (POST update= or
application/sparql-update) need an admin token (web/maintenance.py): without any token they
are refused with 403 as on a read-only endpoint.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask import Blueprint, Response, abort, current_app, redirect, request, url_for
from pyoxigraph import BlankNode, Literal, NamedNode, Triple, serialize
from werkzeug.datastructures import MultiDict

from poagraph import iris
from poagraph.errors import QueryError, QueryTimeout, WorkerUnavailable
from poagraph.web import formats, graphstore, lean, negotiation
from poagraph.web.query import guard
from poagraph.web.query.results import Job, Outcome
from poagraph.web.render import TRUNCATED
from poagraph.web.store import get_service
from poagraph.web.urls import external_url_for

bp = Blueprint("sparql", __name__)

FORM = lean.FORM
SPARQL_QUERY = lean.SPARQL_QUERY
SPARQL_UPDATE = "application/sparql-update"
READ_ONLY = "this endpoint is read-only: SPARQL Update is not accepted"


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
    failed = request.environ.pop(lean.FAILED, None)
    if failed is not None:  # met by the lean path (web/lean.py): answered here
        raise failed
    if request.method == "OPTIONS":
        return _preflight()
    _check_size()
    params = _parameters()
    queries = params.getlist("query")
    if params.getlist("update"):
        if queries:
            abort(400, "give either query or update, not both")
        return graphstore.sparql_update(params)
    if not queries:
        if request.method == "POST":
            abort(400, "no query given: send query= or a application/sparql-query body")
        return _service_description()
    if len(queries) > 1:
        abort(400, "more than one query parameter given: send exactly one")
    base_iri = external_url_for("sparql.sparql")
    timeout_s = _timeout(params.get("timeout"))
    shape = _guard(queries[0], base_iri)  # limits, updates, SERVICE policy: before anything runs
    job = Job(
        query=queries[0],
        default_graphs=tuple(params.getlist("default-graph-uri")),
        named_graphs=tuple(params.getlist("named-graph-uri")),
        accept=request.headers.get("Accept"),
        format=params.get("format") or None,
        max_rows=int(current_app.config["MAX_ROWS"]),
        base_iri=base_iri,
        dataset_clause=shape.dataset,  # read by the guard: the worker need not read it again
    )
    if shape.services:  # 406 before the engine runs (it calls SERVICE endpoints as it parses)
        _negotiate(job, shape)
    return _answer(job, shape, timeout_s)


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
    if request.method == "POST" and request.content_length is None:
        # chunked, no length to check: read it now (werkzeug stops at MAX_CONTENT_LENGTH) and
        # keep it for _parameters and the form parser; one byte more in the input is too many
        body = request.get_data(cache=True)
        if len(body) >= limit and request.environ["wsgi.input"].read(1):
            abort(413, f"the request body is larger than {limit} bytes")


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
        return _Params(request.args, MultiDict([("query", _utf8_body("query"))]))
    if mimetype == SPARQL_UPDATE:
        return _Params(request.args, MultiDict([("update", _utf8_body("update"))]))
    if not mimetype:
        abort(415, f"POST needs a Content-Type: {FORM} or {SPARQL_QUERY}")
    abort(415, f"unsupported Content-Type {mimetype!r}: use {FORM} or {SPARQL_QUERY}")


def _utf8_body(kind: str) -> str:
    """The body of an application/sparql-query (`kind` query) or -update request: UTF-8."""
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        abort(415, f"the {kind} must be sent in UTF-8, not {charset}")
    try:
        text = request.get_data(cache=False).decode("utf-8")
    except UnicodeDecodeError as exc:
        abort(400, f"the {kind} body is not valid UTF-8: {exc}")
    if request.args.getlist(kind):
        abort(400, f"a {kind} in the body and in the URL: send exactly one")
    return text


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


def _guard(query: str, base_iri: str) -> guard.Shape:
    """The query's shape once it passed the guard (web/query/guard.py): QueryError (400 over
    a limit, 403 for update text or a refused SERVICE) otherwise."""
    config = current_app.config
    return guard.check(query, guard.Limits.from_config(config), base_iri, _own(base_iri))


def _own(base_iri: str) -> Iterator[str]:
    """The URLs of this endpoint, which SERVICE may not call: read only for queries that
    have a SERVICE clause (werkzeug builds them at some cost)."""
    yield request.base_url
    yield request.host_url + "sparql"
    if base_iri:
        yield base_iri
    if current_app.config.get("BASE_URL"):
        yield str(current_app.config["BASE_URL"]).rstrip("/") + "/sparql"


def _negotiate(job: Job, shape: guard.Shape) -> None:
    """406 now, before the query runs, when no format fits its form (as the worker decides).

    Only for queries that call out: the others keep the worker's order (a syntax error is a
    400 whatever the Accept), at no cost but local work."""
    if shape.form in ("SELECT", "ASK"):
        offered, aliases = formats.RESULTS, formats.RESULT_ALIASES
    elif shape.form in ("CONSTRUCT", "DESCRIBE"):
        offered, aliases = formats.GRAPHS, formats.GRAPH_ALIASES
    else:  # not a query form: the engine's syntax error answers
        return
    try:
        negotiation.pick(job.accept, job.format, offered, aliases)
    except negotiation.NotAcceptable as exc:
        raise QueryError(406, str(exc)) from exc


def _answer(job: Job, shape: guard.Shape, timeout_s: float) -> Response:
    """Run the job (or take it from the cache), with its ETag; query errors, timeouts and
    unavailable workers go to the app's error handlers."""
    service = get_service()
    if shape.volatile:  # RAND(), NOW(), SERVICE...: may change between runs
        return _response(service.run(job, timeout_s, cache=False), None)
    live = service.live_version()
    key = service.key(job, live)
    if f'"{key}"' in request.headers.get("If-None-Match", ""):
        cached = service.cache.get(key)
        if cached is not None:
            return _response(cached, key, status=304)
    outcome = service.run(job, timeout_s, key=key, live=live, tokens=shape.tokens)
    # the key read before the run, as the cache filed it: a write during the run gives the
    # next request a newer key, never this answer under it
    return _response(outcome, key)


def _response(outcome: Outcome, key: str | None, status: int = 200) -> Response:
    """The answer, with its cache key as ETag when it may be cached."""
    body = b"" if status == 304 else outcome.body
    response = Response(body, status=status, content_type=outcome.content_type)
    response.headers["Vary"] = "Accept"
    if key:
        response.headers["ETag"] = f'"{key}"'
        response.headers["Cache-Control"] = "public, max-age=0, must-revalidate"
    if outcome.truncated:
        response.headers[TRUNCATED] = "true"
    return response


# --- Service Description (SPARQL 1.1 Service Description) -----------------------------------

SD = "http://www.w3.org/ns/sparql-service-description#"
RDF_TYPE = NamedNode(iris.RDF + "type")


def _service_description() -> Response:
    accept = request.headers.get("Accept")
    fmt = request.args.get("format")
    if fmt is None and negotiation.prefers_html(accept):
        # browsers get the query page of the UI blueprint
        return redirect(url_for("ui.query_page"), code=303)
    try:
        chosen = negotiation.pick(accept, fmt, formats.PAGE_RDF, formats.GRAPH_ALIASES)
    except negotiation.NotAcceptable as exc:
        abort(406, f"the service description: {exc}")
    prefixes = {"sd": SD, **iris.PREFIXES}
    endpoint = external_url_for("sparql.sparql")  # BASE_URL, never the Host header
    body = serialize(_sd_triples(endpoint), format=chosen.rdf, prefixes=prefixes)
    response = Response(body, content_type=chosen.content_type)
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
    if current_app.config.get("FEDERATION_ALLOW"):
        triples.append(Triple(service, sd("feature"), sd("BasicFederatedQuery")))
    for fmt in (*formats.RESULTS, *formats.GRAPHS):
        triples.append(
            Triple(service, sd("resultFormat"), NamedNode(formats.W3C_FORMATS + fmt.w3c))
        )
    for graph in _named_graphs():
        node = BlankNode()
        triples.append(Triple(dataset, sd("namedGraph"), node))
        triples.append(Triple(node, RDF_TYPE, sd("NamedGraph")))
        triples.append(Triple(node, sd("name"), NamedNode(graph)))
    return triples


def _named_graphs() -> list[str]:
    service = get_service()
    try:
        data = service.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } } ORDER BY ?g", 5.0)
    except (QueryTimeout, WorkerUnavailable) as exc:  # the description stays useful without
        current_app.logger.warning("service description without graph list: %s", exc)
        return []
    return [b["g"]["value"] for b in data["results"]["bindings"] if b["g"]["type"] == "uri"]
