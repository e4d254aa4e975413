"""`/queries`: the query catalogue (poagraph/catalogue.py) on the web.

GET /queries lists the named queries (HTML, JSON). GET /queries/NAME?k=v runs one with its
parameters bound by substitution (never spliced into the text) through the app's query
service, so the time limit, the row and byte caps and the cache apply as on /sparql: HTML
(the question, the SPARQL, a parameters form, the table and download links), or the
results negotiated like /sparql (``format=csv``, ``format=json``, Accept).
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, current_app, request, url_for
from pyoxigraph import NamedNode

from poagraph import catalogue, iris
from poagraph.errors import InputError
from poagraph.web import formats, negotiation
from poagraph.web.formats import HTML, JSON
from poagraph.web.query import guard
from poagraph.web.query.results import Job, Outcome
from poagraph.web.render import TRUNCATED, Twin, render
from poagraph.web.store import get_service
from poagraph.web.urls import external_url_for

bp = Blueprint("queries", __name__)

#: query-string keys that are not parameters of the query
_CONTROL = frozenset(("format",))


@bp.get("/queries")
def catalogue_page() -> Response:
    """Every named query: name, title, question, parameters."""
    entries = [e.as_dict() for e in catalogue.load()]
    return render(
        [HTML, JSON],
        template="queries.html",
        context=lambda: {"entries": entries},
        data=lambda: {"queries": entries},
    )


@bp.get("/queries/<name>")
def run_query(name: str) -> Response:
    """The results of one named query, its parameters from the query string."""
    try:
        entry = catalogue.get(name)
        given = {k: v for k, v in request.args.items() if k not in _CONTROL}
        terms = catalogue.bind(entry, given, _countries)
    except InputError as exc:
        abort(404 if "no query named" in str(exc) else 400, str(exc))
    bindings = _bindings(terms)
    config = current_app.config
    shape = guard.check(entry.query, guard.Limits.from_config(config))
    offered = (HTML, *(formats.RESULTS if shape.form != "CONSTRUCT" else formats.GRAPHS))
    aliases = formats.RESULT_ALIASES if shape.form != "CONSTRUCT" else formats.GRAPH_ALIASES
    try:
        chosen = negotiation.pick(
            request.headers.get("Accept"), request.args.get("format"), offered, aliases
        )
    except negotiation.NotAcceptable as exc:
        abort(406, str(exc))
    params = {p.name: given.get(p.name, p.default or catalogue.ALL) for p in entry.params}
    downloads = _downloads(name, params, offered)
    if chosen == HTML:
        outcome = _run(entry.query, bindings, "json", None, shape.volatile)
        return render(
            [HTML],
            template="catalogue_query.html",
            context=lambda: {
                "entry": entry,
                "params": params,
                "result": _table(outcome),
                "truncated": outcome.truncated,
                "downloads": downloads,
            },
            also=downloads,
        )
    outcome = _run(entry.query, bindings, chosen.name, None, shape.volatile)
    response = Response(outcome.body, content_type=outcome.content_type)
    response.headers["Vary"] = "Accept"
    response.headers["Link"] = ", ".join(
        f'<{t.href}>; rel="alternate"; type="{t.media_type}"' for t in downloads
    )
    if outcome.truncated:
        response.headers[TRUNCATED] = "true"
    return response


def _countries() -> dict[str, set[str]]:
    data = get_service().select(catalogue.COUNTRIES_QUERY)
    return catalogue.country_index(
        (b["country"]["value"], b["iso3"]["value"], b.get("name", {}).get("value"))
        for b in data["results"]["bindings"]
    )


def _bindings(terms: dict) -> tuple[tuple, tuple]:
    """The bound terms as a Job carries them: (variable, IRI) pairs and (variable, value,
    datatype, language) literals, each substituted as one term by the worker."""
    iris_, literals = [], []
    for name, term in sorted(terms.items()):
        if isinstance(term, NamedNode):
            iris_.append((name, term.value))
        else:
            datatype = term.datatype.value if not term.language else None
            literals.append((name, term.value, datatype, term.language))
    return tuple(iris_), tuple(literals)


def _run(text: str, bindings: tuple, fmt: str, accept: str | None, volatile: bool) -> Outcome:
    job = Job(
        query=text,
        accept=accept,
        format=fmt,
        max_rows=int(current_app.config["MAX_ROWS"]),
        bindings=bindings[0],
        literals=bindings[1],
        base_iri=external_url_for("sparql.sparql"),
    )
    return get_service().run(job, cache=not volatile)


def _downloads(name: str, params: dict[str, str], offered) -> list[Twin]:
    here = request.script_root + request.path
    out = []
    for fmt in offered:
        if fmt.name in ("csv", "json"):
            query = urlencode({**params, "format": fmt.name})
            out.append(Twin(f"{here}?{query}", fmt.media_type, fmt.title))
    return out


def _table(outcome: Outcome) -> dict:
    """SPARQL JSON results as a table: column names and rows of cells."""
    data = json.loads(outcome.body)
    if "boolean" in data:
        return {"columns": ["answer"], "rows": [["true" if data["boolean"] else "false"]]}
    columns = data["head"].get("vars", [])
    rows = [[_cell(b.get(c)) for c in columns] for b in data.get("results", {}).get("bindings", [])]
    return {"columns": columns, "rows": rows}


def _cell(term: dict | None) -> dict:
    """A table cell: text, and a link for an IRI (ours to its local page)."""
    if term is None:
        return {"text": "", "href": None}
    if term["type"] == "uri":
        value = term["value"]
        local = url_for("ui.home") + "id/" + value[len(iris.ID) :]
        return {"text": value, "href": local if value.startswith(iris.ID) else value}
    return {"text": term["value"], "href": None}
