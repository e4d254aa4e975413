"""The human entry points: home (counts and browsing), lists per class, search, the YASGUI
query page, the ontology documentation, the VoID description, OpenAPI and the health check.

Each page offers its representations through render.render (HTML and a machine twin);
the data comes from web/pages/.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from pathlib import Path

import yaml
from flask import Blueprint, Response, abort, current_app, jsonify, request, url_for
from pyoxigraph import RdfFormat, parse, serialize

from poagraph import __version__, iris, paths
from poagraph.web import errors
from poagraph.web.formats import HTML, JSON, PAGE_RDF, TURTLE, Format
from poagraph.web.pages import charts, examples, listing, ontology_doc, pagedata, void
from poagraph.web.render import CSV, Twin, render, requested_page
from poagraph.web.store import get_service
from poagraph.web.urls import external_url_for

bp = Blueprint("ui", __name__)

PAGE_SIZE = 100
_CLASS_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


@bp.get("/")
def home() -> Response:
    """Counts per class and per graph, with links to browse each of our classes."""

    def data() -> dict:
        return {
            "classes": listing.class_counts(),
            "graphs": listing.graph_counts(),
            "contributions": _contributions(),
            "version": __version__,
        }

    def context() -> dict:
        found = data()
        by_graph = {c["graph"]: c for c in found["contributions"]}
        figures = {
            "outcomes_map": charts.outcomes_map(),
            "commitment_chart": charts.commitment_chart(),
        }
        total = sum(g["triples"] for g in found["graphs"])
        return {**found, **figures, "by_graph": by_graph, "total": total}

    void_twin = Twin(url_for("ui.void_description"), TURTLE.media_type, "VoID")
    return render([HTML, JSON], template="home.html", context=context, data=data, also=[void_twin])


def _contributions() -> list[dict]:
    """The contributions added after the report (competency question 12): by whom, when,
    how many outcomes; oldest first."""
    text = (paths.QUERIES / "cq12-contributions.rq").read_text(encoding="utf-8")
    rows = get_service().select(text, bindings=())["results"]["bindings"]
    return [
        {
            "graph": row["graph"]["value"],
            "href": pagedata.local_href(row["graph"]["value"]),
            "record": pagedata.local_href(row["contribution"]["value"]),
            "organisation": row.get("organisation", {}).get("value", ""),
            "added": row["added"]["value"],
            "outcomes": int(row["outcomes"]["value"]),
        }
        for row in rows
    ]


#: the columns of a browse listing's JSON items and CSV rows
BROWSE_COLUMNS = ("iri", "label", "href", "status")


@bp.get("/browse/<name>")
def browse(name: str) -> Response:
    """The resources of the class poa:{name}, by label, a page at a time."""
    if not _CLASS_NAME.match(name):
        abort(404, f"no class {name!r} in the vocabulary")
    class_iri = iris.POA + name
    known = {row["class"]: row for row in listing.class_counts()}
    if class_iri not in known:
        abort(404, f"no resources of class poa:{name} in the graph")
    items = listing.instances(class_iri)
    pages = max(1, math.ceil(len(items) / PAGE_SIZE))
    page = requested_page(pages)
    shown = items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    listed = {"total": len(items), "page": page, "pages": pages}
    return render(
        [HTML, JSON, CSV],
        template="browse.html",
        context=lambda: {
            **listed,
            "name": name,
            "class_iri": class_iri,
            "label": known[class_iri]["label"],
            "items": shown,
        },
        data=lambda: {
            "class": class_iri,
            **listed,
            "items": [{k: it[k] for k in BROWSE_COLUMNS if it.get(k)} for it in shown],
        },
        table=lambda: (list(BROWSE_COLUMNS), shown),
        params={"page": str(page)} if page > 1 else None,
    )


@bp.get("/search")
def search() -> Response:
    """Our resources whose label, acronym or code contains every word of `q`."""
    limit = int(current_app.config["MAX_SEARCH_CHARS"])
    q = request.args.get("q", "")
    if len(q) > limit:  # checked before any work on it
        abort(400, f"the search text is limited to {limit} characters")
    q = q.strip()
    hits = listing.search(q) if q else []
    found = {"q": q, "total": len(hits), "items": hits[:PAGE_SIZE]}
    return render(
        [HTML, JSON],
        template="search.html",
        context=lambda: found,
        data=lambda: found,
        params={"q": q} if q else None,
    )


@bp.get("/query")
def query_page() -> Response:
    """YASGUI on our /sparql, with one tab per example query of queries/."""
    found = [e.as_dict() for e in examples.load(paths.QUERIES)]
    sparql = url_for("sparql.sparql")

    def context() -> dict:
        return {
            "examples": found,
            "endpoint": external_url_for("sparql.sparql"),
            # result tables link our IRIs to the local pages: IRI space -> local path
            "local_spaces": {
                iris.ID: url_for("ui.home") + "id/",
                iris.POA: url_for("ui.ontology") + "#",
            },
            "prefixes": iris.PREFIXES,
        }

    return render(
        [HTML, JSON],
        template="query.html",
        context=context,
        data=lambda: {"endpoint": sparql, "examples": found},
        also=[Twin(sparql, TURTLE.media_type, "SPARQL service description")],
    )


@bp.get("/ontology")
def ontology() -> Response:
    """ontology/poa.ttl as documentation for browsers, as RDF for everyone else."""
    path = paths.ONTOLOGY / "poa.ttl"
    if not path.is_file():
        abort(404, f"the ontology file {path.name} is not installed")

    def rdf(fmt: Format) -> bytes:
        if fmt == TURTLE:
            return path.read_bytes()  # the published file itself
        return serialize(parse(path=str(path), format=RdfFormat.TURTLE), format=fmt.rdf)

    return render(
        [HTML, *PAGE_RDF],
        template="ontology.html",
        context=lambda: {"doc": ontology_doc.parse(path)},
        rdf=rdf,
    )


@bp.get("/.well-known/void")
@bp.get("/void")  # registered first: url_for names this one
def void_description() -> Response:
    """The VoID description of the dataset (Turtle unless asked otherwise)."""
    endpoint = external_url_for("sparql.sparql")
    return render(
        [*PAGE_RDF, HTML],
        template="void.html",
        context=lambda: {"turtle": void.serialized(endpoint, RdfFormat.TURTLE).decode()},
        rdf=lambda fmt: void.serialized(endpoint, fmt.rdf),
    )


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
    """Liveness and readiness, without taking a query worker: 200 with the store's triple
    count (as the last write logged it) and the pool's load (busy and idle workers,
    requests waiting), however busy; 503 when no query worker can start."""
    service = get_service()
    body = {"version": __version__, "store_version": service.version}
    headers = {"Cache-Control": "no-store"}
    # waits only while the first workers start (at most 5 s), never for a free worker
    problem = service.executor.wait_ready(timeout_s=5)
    body["workers"] = service.executor.load()
    if service.local is not None:  # the copy of the store for cheap queries (query/local.py)
        body["local"] = {"ready": service.local.ready, "max_work": service.local.max_work}
    if problem is None:
        body.update(status="ok", triples=service.triples)
        status = 200
    else:  # the probe answers in its own shape, not the error handler's
        current_app.logger.warning("health check failed: %s", problem)
        body.update(status="unavailable", error=errors.without_paths(problem))
        status = 503
        headers["Retry-After"] = str(errors.RETRY_AFTER_S)
    response = jsonify(body)
    response.status_code = status
    response.headers.update(headers)
    return response
