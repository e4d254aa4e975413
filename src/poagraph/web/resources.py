"""Linked data: every IRI under https://w3id.org/poagraph/id/ dereferences at /id/... here,
every named graph https://w3id.org/poagraph/graph/... at /graph/...

Browsers get an HTML page (label, types, statements both ways with labelled links, for
claims the words of the report that state them marked in their passage, with their offsets);
RDF clients get the resource's description
(its statements, blank nodes it points to, and the statements pointing at it) in Turtle,
JSON-LD, N-Triples or RDF/XML. Unknown IRIs are 404.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, request
from pyoxigraph import NamedNode

from poagraph import iris
from poagraph.web.formats import HTML, JSON, PAGE_RDF
from poagraph.web.pages import charts, describe, evidence, pagedata, summaries
from poagraph.web.render import CSV, render

bp = Blueprint("resources", __name__)

OFFERED = [HTML, *PAGE_RDF]

#: Classes whose pages list what happens in them (programmes and outcomes) or come from them.
COUNTRY = iris.POA + "Country"
PROGRAMME = iris.POA + "Programme"
PASSAGE = iris.POA + "Passage"
REPORT = iris.POA + "Report"
OUTCOME = iris.POA + "Outcome"
#: Claims: their pages open with the words that state them.
CLAIMS = {OUTCOME, PROGRAMME, iris.POA + "Organisation", iris.POA + "Event", iris.RDF + "Statement"}


def _known(iri: str, what: str, query: str, variable: str) -> None:
    """404 unless `iri` is an IRI that the ASK page query `query`, with `variable` bound to
    it, finds in the store."""
    try:
        NamedNode(iri)
    except ValueError:  # not even an IRI (spaces, brackets): nothing can be stored under it
        abort(404, f"no {what} {iri}")
    if not pagedata.ask(query, **{variable: iri}):
        abort(404, f"no {what} {iri} in the store")


@bp.get("/id/<path:rest>")
def resource(rest: str) -> Response:
    """The page or RDF description of the resource https://w3id.org/poagraph/id/{rest}."""
    iri = iris.ID + rest
    _known(iri, "resource", "exists", "s")
    if request.args.get("table") == "outcomes":
        return _outcomes_download(iri)
    return render(
        OFFERED,
        template="resource.html",
        context=lambda: _page(iri),
        rdf=lambda fmt: pagedata.construct("describe", fmt.media_type, s=iri),
    )


def _outcomes_download(iri: str) -> Response:
    """The outcomes table of a country or programme page, as CSV or JSON (the same rows)."""
    rows = summaries.outcome_table(summaries.outcomes_of(iri))
    columns = list(summaries.OUTCOME_COLUMNS)
    return render(
        [JSON, CSV],
        data=lambda: {"resource": iri, "columns": columns, "outcomes": rows},
        table=lambda: (columns, rows),
        params={"table": "outcomes"},
    )


@bp.get("/graph/<path:rest>")
def graph(rest: str) -> Response:
    """A named graph https://w3id.org/poagraph/graph/{rest}: a summary page for browsers,
    its triples (a read-only dump, capped like /sparql's answers) for RDF clients."""
    iri = iris.GRAPH + rest
    _known(iri, "graph", "graph-exists", "g")

    def context() -> dict:
        count = pagedata.select("graph-count", g=iri)
        classes = [
            {"class": describe.Value(row["class"], _text(row, "label")), "count": row["n"]}
            for row in pagedata.select("graph-classes", g=iri)
        ]
        triples = pagedata.number(count[0]["n"]) if count else 0
        return {"iri": iri, "triples": triples, "classes": classes}

    return render(
        OFFERED,
        template="graph.html",
        context=context,
        rdf=lambda fmt: pagedata.construct("graph-dump", fmt.media_type, g=iri),
    )


def _page(iri: str) -> dict:
    out = describe.group_statements(
        pagedata.select("describe-out", s=iri), "o", "olabel", "olabelProp", "ofigure"
    )
    inverse = describe.group_statements(
        pagedata.select("describe-in", s=iri), "i", "ilabel", "ilabelProp", "ifigure"
    )
    counts = {
        row["p"].value: pagedata.number(row["n"])
        for row in pagedata.select("describe-in-counts", s=iri)
    }
    for prop in inverse:
        prop.total = max(prop.total, counts.get(prop.predicate.value, 0))
    inferences = evidence.inferences(out)
    inferred = {v.term.value for v in inferences.properties} if inferences else set()
    for prop in out:
        prop.inferred = prop.predicate.value in inferred
    types = {v.term.value for p in out if p.predicate.value == describe.RDF_TYPE for v in p.values}
    passage = _passage(iri, out) if PASSAGE in types else None
    hidden = {iris.POA + "text"} if passage is not None else set()
    outcomes = summaries.outcomes_of(iri) if {COUNTRY, PROGRAMME} & types else None
    totals = summaries.totals(outcomes) if outcomes else []
    return {
        "iri": iri,
        "label": describe.subject_label(out, iri),
        "types": next((p.values for p in out if p.predicate.value == describe.RDF_TYPE), []),
        "status": _status(out) if OUTCOME in types else None,
        "inferences": inferences,
        "properties": [p for p in out if p.predicate.value not in hidden],
        "inverse": inverse,
        "evidence": evidence.evidence(iri),
        "relations": evidence.relations(iri),
        # claims open with their evidence; for places it is where they are named
        "evidence_first": bool(CLAIMS & types),
        "passage_text": passage[0] if passage else None,
        "stated": passage[1] if passage else [],
        "programmes": summaries.programmes_in(iri) if COUNTRY in types else None,
        "outcomes": outcomes,
        "country_page": COUNTRY in types,
        "totals": totals,
        "outcome_chart": charts.country_outcomes_chart(totals) if COUNTRY in types else None,
        "contents": summaries.report_contents(iri) if REPORT in types else None,
    }


def _passage(iri: str, out: list[describe.PropertyValues]) -> tuple | None:
    """A passage's text with the words of each claim it states marked, and those claims."""
    by_p = {p.predicate.value: p.values for p in out}
    texts = by_p.get(iris.POA + "text")
    if not texts:
        return None
    starts = by_p.get(iris.POA + "startOffset") or []
    try:
        offset = int(starts[0].term.value) if starts else None
    except ValueError:
        offset = None
    return evidence.passage_facts(iri, texts[0].term.value, offset)


def _status(out: list[describe.PropertyValues]) -> describe.Value | None:
    """An outcome's poa:status (Achieved or Planned), to show beside its title."""
    values = next((p.values for p in out if p.predicate.value == iris.POA + "status"), [])
    return values[0] if values else None


def _text(row: dict, var: str) -> str | None:
    return row[var].value if var in row else None
