"""Maintainers' writes over HTTP: SPARQL Update on /sparql and the Graph Store Protocol on
/store, both through poagraph.maintenance (staging copy, shapes, one atomic commit).

- ``POST /sparql`` with ``update=`` (form) or ``application/sparql-update``: an admin token
  (``Authorization: Bearer ...``) is needed. Without any Authorization header the answer is
  403, the read-only refusal the endpoint always gave; an invalid token 401; a valid token
  that is not an admin's 403. ``using-graph-uri`` / ``using-named-graph-uri`` are honoured.
- ``/store?graph=IRI`` (or ``?default``): GET and HEAD are reads like /sparql (no token;
  ``?default`` is the union of all graphs); PUT (replace), POST (merge) and DELETE (drop)
  need an admin token (401 without one) and a named graph (400 for ``?default``).

A write whose result does not conform to the shapes answers 422 with the validation report
(JSON, Turtle or HTML, negotiated like /validate) and changes nothing; a committed one 200
(update: JSON naming the changed graphs and the store's change number), 201 (a graph
created) or 204.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, json, request, url_for
from pyoxigraph import NamedNode, RdfFormat, parse, serialize

from poagraph import iris, maintenance
from poagraph.errors import QueryError, UpdateRejected
from poagraph.web import formats
from poagraph.web.auth import bearer_token
from poagraph.web.query import federation, guard
from poagraph.web.render import negotiate
from poagraph.web.reports import report_response
from poagraph.web.store import get_store, written
from poagraph.web.urls import external_url_for

bp = Blueprint("graphstore", __name__)

NEEDS_ADMIN = (
    "this endpoint is read-only: SPARQL Update is accepted only with an admin token"
    " (Authorization: Bearer TOKEN)"
)
#: What a graph may be sent as (Content-Type of PUT and POST): triples only.
BODY_TYPES = {
    f.media_type: f.rdf for f in formats.GRAPHS if f.rdf is not None and not f.rdf.supports_datasets
}


def _store_path():
    """The store directory, or the remote store's backend (web/store.py)."""
    return get_store()


# ------------------------------------------------------------------------------ /sparql update


def sparql_update(params) -> Response:
    """The update operation of /sparql (`params`: its URL and form parameters)."""
    if "Authorization" not in request.headers:
        abort(403, NEEDS_ADMIN)
    bearer_token(admin=True)
    if request.method != "POST":
        abort(400, "an update must be sent with POST (update= in a form, or the body)")
    updates = params.getlist("update")
    if len(updates) > 1:
        abort(400, "more than one update parameter given: send exactly one")
    base = external_url_for("sparql.sparql")
    _guard(updates[0], base)
    try:
        applied = maintenance.apply_update(
            _store_path(),
            updates[0],
            base_iri=base,
            using_graphs=params.getlist("using-graph-uri"),
            using_named_graphs=params.getlist("using-named-graph-uri"),
        )
    except UpdateRejected as exc:
        return report_response(exc.report, 422)
    except ValueError as exc:  # a using-graph-uri that is not an IRI
        abort(400, f"not an IRI: {exc}")
    written()
    return _summary(applied)


def _guard(text: str, base: str) -> None:
    """The query limits and the federation policy, for an update's text (QueryError)."""
    config = current_app.config
    limits = guard.Limits.from_config(config)
    size = len(text.encode("utf-8"))
    if size > limits.max_bytes:
        raise QueryError(400, f"the update is {size} bytes: MAX_QUERY_BYTES is {limits.max_bytes}")
    shape = guard.inspect(text, base)
    if shape.depth > limits.max_depth:
        raise QueryError(400, f"the update nests brackets {shape.depth} deep: MAX_QUERY_DEPTH")
    own = [request.base_url, base]
    federation.check_services(
        shape.services, limits.allow, limits.service_max, own, count=shape.service_count
    )


def _summary(applied: maintenance.Applied) -> Response:
    report = applied.report
    payload = {
        "status": 200,
        "changed": applied.changed,
        "version": applied.version,
        "warnings": len(report.warnings) if report is not None else 0,
    }
    return Response(json.dumps(payload) + "\n", status=200, mimetype="application/json")


# ------------------------------------------------------------------------------ /store


@bp.route("/store", methods=["GET", "PUT", "POST", "DELETE"])
def store() -> Response:
    """The SPARQL 1.1 Graph Store HTTP Protocol, on one named graph (or the default one)."""
    graph = _target()
    if request.method in ("GET", "HEAD"):  # HEAD: Flask leaves the body out
        return _get(graph)
    bearer_token(admin=True)
    triples = None if request.method == "DELETE" else _body(graph)
    applied = _write(graph, triples, merge=request.method == "POST")
    if isinstance(applied, Response):  # 422 with the report
        return applied
    if applied.created:
        response = Response(status=201)
        response.headers["Location"] = url_for("graphstore.store", graph=graph)
        return response
    return Response(status=204)


def _target() -> str | None:
    """The graph IRI of ?graph=, or None for ?default (400 for neither or both)."""
    graphs = request.args.getlist("graph")
    default = "default" in request.args
    if default == bool(graphs) or len(graphs) > 1:
        abort(400, "name exactly one graph: ?graph=IRI, or ?default")
    if default:
        return None
    try:
        return NamedNode(graphs[0]).value
    except ValueError as exc:
        abort(400, f"?graph= is not an IRI: {exc}")


def _get(graph: str | None) -> Response:
    chosen = negotiate(formats.PAGE_RDF)
    triples = maintenance.read_graph(_store_path(), graph)
    body = serialize(triples, format=chosen.rdf, prefixes=iris.PREFIXES)
    response = Response(body, content_type=chosen.content_type)
    response.headers["Vary"] = "Accept"
    return response


def _body(graph: str | None) -> list:
    mimetype = request.mimetype
    fmt: RdfFormat | None = BODY_TYPES.get(formats.GRAPH_ALIASES.get(mimetype, mimetype))
    if fmt is None:
        abort(415, f"send the graph as one of {', '.join(BODY_TYPES)}, not {mimetype or 'none'}")
    try:
        return list(parse(request.get_data(cache=False), format=fmt, base_iri=graph))
    except SyntaxError as exc:
        abort(400, f"the graph cannot be read: {exc}")


def _write(graph: str | None, triples: list | None, *, merge: bool):
    try:
        applied = maintenance.write_graph(_store_path(), graph, triples, merge=merge)
    except UpdateRejected as exc:
        return report_response(exc.report, 422)
    written()
    return applied
