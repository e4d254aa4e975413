"""The human entry points: home (counts and browsing), lists per class, the YASGUI query
page, the ontology documentation, the VoID description and the health check.

Each HTML page names its machine-readable twin (<link rel="alternate">, Link header).
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from pathlib import Path

import yaml
from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request
from pyoxigraph import RdfFormat, parse, serialize

from poagraph import __version__, iris, paths
from poagraph.web import describe, examples, ontology_doc, pagedata, twins, void
from poagraph.web.executor import ExecutorUnavailable, QueryTimeout, get_executor
from poagraph.web.pagedata import Term
from poagraph.web.results import QueryError

bp = Blueprint("ui", __name__)

JSON = "application/json"
PAGE_SIZE = 100
RDF_FORMATS = {
    "text/turtle": RdfFormat.TURTLE,
    "application/ld+json": RdfFormat.JSON_LD,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "application/rdf+xml": RdfFormat.RDF_XML,
}
_CLASS_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


def _class_counts() -> list[dict]:
    rows = []
    for row in pagedata.select("class-counts"):
        iri = row["class"].value
        local = iri[len(iris.POA) :] if iri.startswith(iris.POA) else None
        rows.append(
            {
                "class": iri,
                "label": row["label"].value if "label" in row else describe.curie(iri),
                "curie": describe.curie(iri),
                "count": pagedata.number(row["n"]),
                "browse": f"/browse/{local}" if local else None,
            }
        )
    return rows


@bp.get("/")
def home() -> Response:
    """Counts per class and per graph, with links to browse each of our classes."""
    offered = [twins.HTML, JSON]
    media = twins.negotiate(offered)
    alternates = [*twins.twins("/", offered), twins.Twin("/void", "text/turtle", "VoID")]
    classes = _class_counts()
    graphs = [
        {
            "graph": row["g"].value,
            "href": pagedata.local_href(row["g"].value),
            "triples": pagedata.number(row["n"]),
        }
        for row in pagedata.select("graph-counts")
    ]
    if media == JSON:
        response = jsonify({"classes": classes, "graphs": graphs, "version": __version__})
    else:
        response = Response(
            render_template(
                "home.html",
                classes=classes,
                graphs=graphs,
                total=sum(g["triples"] for g in graphs),
                alternates=alternates,
            )
        )
    return twins.finish(response, alternates, media)


@bp.get("/browse/<name>")
def browse(name: str) -> Response:
    """The resources of the class poa:{name}, by label, a page at a time."""
    if not _CLASS_NAME.match(name):
        abort(404, f"no class {name!r} in the vocabulary")
    class_iri = iris.POA + name
    known = {row["class"]: row for row in _class_counts()}
    if class_iri not in known:
        abort(404, f"no resources of class poa:{name} in the graph")
    offered = [twins.HTML, JSON]
    media = twins.negotiate(offered)
    items = _instances(class_iri)
    pages = max(1, math.ceil(len(items) / PAGE_SIZE))
    try:
        page = int(request.args.get("page", "1"))
    except ValueError:
        abort(400, f"page must be a number, not {request.args.get('page')!r}")
    if not 1 <= page <= pages:
        abort(404, f"page {page} does not exist; there are {pages}")
    shown = items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    params = {"page": str(page)} if page > 1 else {}
    alternates = twins.twins(request.path, offered, **params)
    if media == JSON:
        response = jsonify(
            {
                "class": class_iri,
                "total": len(items),
                "page": page,
                "pages": pages,
                "items": [
                    {"iri": it["iri"], "label": it["label"], "href": it["href"]} for it in shown
                ],
            }
        )
    else:
        response = Response(
            render_template(
                "browse.html",
                name=name,
                class_iri=class_iri,
                label=known[class_iri]["label"],
                items=shown,
                total=len(items),
                page=page,
                pages=pages,
                alternates=alternates,
            )
        )
    return twins.finish(response, alternates, media)


def _instances(class_iri: str) -> list[dict]:
    found: dict[str, dict] = {}
    for row in pagedata.select("browse", **{"class": class_iri}):
        iri = row["s"].value
        item = found.setdefault(iri, {"iri": iri, "labels": [], "row": row})
        if "label" in row:
            item["labels"].append((row.get("labelProp"), row["label"]))
    items = []
    for iri, item in found.items():
        row = item["row"]
        label = describe.best_label(item["labels"])
        detail = None
        if label is None and "value" in row:
            label = " ".join(
                row[n].value for n in ("qualifier", "currency", "value", "unit") if n in row
            )
        if "snippet" in row:
            label = label or describe.passage_label(iri)
            detail = row["snippet"].value
        items.append(
            {
                "iri": iri,
                "href": pagedata.local_href(iri),
                "label": label or Term("uri", iri).local_name,
                "detail": detail,
            }
        )
    return sorted(items, key=lambda it: describe._natural(it["label"].lower()))


@bp.get("/search")
def search() -> Response:
    """Our resources whose label, acronym or code contains every word of `q`."""
    offered = [twins.HTML, JSON]
    media = twins.negotiate(offered)
    q = request.args.get("q", "").strip()
    if len(q) > 200:
        abort(400, "the search text is limited to 200 characters")
    hits = _search(q) if q else []
    alternates = twins.twins("/search", offered, **({"q": q} if q else {}))
    if media == JSON:
        response = jsonify({"q": q, "total": len(hits), "items": hits[:PAGE_SIZE]})
    else:
        response = Response(
            render_template(
                "search.html", q=q, items=hits[:PAGE_SIZE], total=len(hits), alternates=alternates
            )
        )
    return twins.finish(response, alternates, media)


def _search(q: str) -> list[dict]:
    words = q.casefold().split()
    found: dict[str, dict] = {}
    for row in pagedata.select("labels"):
        iri = row["s"].value
        item = found.setdefault(iri, {"labels": [], "texts": set(), "classes": set()})
        item["labels"].append((row["labelProp"], row["label"]))
        item["texts"].add(row["label"].value.casefold())
        if "class" in row:
            item["classes"].add(row["class"].value)
    hits = []
    for iri, item in found.items():
        text = " | ".join(sorted(item["texts"]))
        if all(word in text for word in words):
            label = describe.best_label(
                [(p, lbl) for p, lbl in item["labels"] if p.value in describe.LABEL_PROPERTIES]
            ) or describe.best_label(item["labels"])
            exact = any(t == q.casefold() for t in item["texts"])
            hits.append(
                {
                    "iri": iri,
                    "href": pagedata.local_href(iri),
                    "label": label,
                    "classes": sorted(describe.curie(c) for c in item["classes"]),
                    "_rank": (not exact, len(label or ""), (label or "").casefold()),
                }
            )
    hits.sort(key=lambda h: h.pop("_rank"))
    return hits


@bp.get("/query")
def query_page() -> Response:
    """YASGUI on our /sparql, with one tab per example query of queries/."""
    offered = [twins.HTML, JSON]
    media = twins.negotiate(offered)
    found = [e.as_dict() for e in examples.load(paths.QUERIES)]
    alternates = [
        *twins.twins("/query", offered),
        twins.Twin("/sparql", "text/turtle", "SPARQL service description"),
    ]
    if media == JSON:
        response = jsonify({"endpoint": "/sparql", "examples": found})
    else:
        endpoint = request.url_root.rstrip("/") + "/sparql"
        page = render_template(
            "query.html",
            examples=found,
            endpoint=endpoint,
            id_base=iris.ID,
            ontology_base=iris.POA,
            prefixes={**describe.PREFIXES, "id": iris.ID},
            alternates=alternates,
        )
        response = Response(page)
    return twins.finish(response, alternates, media)


@bp.get("/ontology")
def ontology() -> Response:
    """ontology/poa.ttl as documentation for browsers, as RDF for everyone else."""
    path = paths.ONTOLOGY / "poa.ttl"
    if not path.is_file():
        abort(404, f"the ontology file {path.name} is not installed")
    offered = [twins.HTML, *RDF_FORMATS]
    media = twins.negotiate(offered)
    alternates = twins.twins("/ontology", offered)
    if media == twins.HTML:
        doc = ontology_doc.parse(path)
        response = Response(render_template("ontology.html", doc=doc, alternates=alternates))
    elif media == "text/turtle":
        response = Response(path.read_bytes(), content_type="text/turtle; charset=utf-8")
    else:
        triples = parse(path=str(path), format=RdfFormat.TURTLE)
        body = serialize(triples, format=RDF_FORMATS[media])
        response = Response(body, content_type=f"{media}; charset=utf-8")
    return twins.finish(response, alternates, media)


@bp.get("/void")
@bp.get("/.well-known/void")
def void_description() -> Response:
    """The VoID description of the dataset (Turtle unless asked otherwise)."""
    offered = [*RDF_FORMATS, twins.HTML]
    media = twins.negotiate(offered)
    alternates = twins.twins(request.path, offered)
    endpoint = request.url_root.rstrip("/") + "/sparql"
    if media == twins.HTML:
        text = void.serialized(endpoint, RdfFormat.TURTLE).decode()
        response = Response(render_template("void.html", turtle=text, alternates=alternates))
    else:
        body = void.serialized(endpoint, RDF_FORMATS[media])
        response = Response(body, content_type=f"{media}; charset=utf-8")
    return twins.finish(response, alternates, media)


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI description of the routes besides /sparql (static/openapi.yaml)."""
    path = Path(current_app.static_folder or "") / "openapi.yaml"
    return jsonify(_openapi(str(path), path.stat().st_mtime_ns))


@lru_cache(maxsize=2)
def _openapi(path: str, _mtime: int) -> dict:
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


@bp.get("/health")
def health() -> Response:
    """Liveness and readiness: 200 with the store's triple count, 503 when it cannot answer."""
    service = get_executor()
    body = {"version": __version__, "store_version": service.version}
    try:
        # a short limit: a health probe must answer fast even when workers are busy
        result = service.select(pagedata.query_text("quad-count"), timeout_s=5)
        body.update(status="ok", triples=pagedata.number(_first(result, "n")))
        status = 200
    except (QueryTimeout, ExecutorUnavailable, QueryError) as exc:
        current_app.logger.warning("health check failed: %s", exc)
        body.update(status="unavailable", error=str(exc))
        status = 503
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def _first(result: dict, var: str) -> Term | None:
    bindings = result["results"]["bindings"]
    if not bindings or var not in bindings[0]:
        return None
    return Term("literal", bindings[0][var]["value"])
