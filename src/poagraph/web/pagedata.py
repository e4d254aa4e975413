"""The data behind the HTML pages: named queries from web/pagequeries/, run through the
query service with values bound by substitution (never spliced into the query text).

Rows come back as dicts of :class:`Term`, a small plain view of a SPARQL JSON term that the
templates read. Results are cached per process under the store version, like /sparql's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from flask import abort

from poagraph import iris
from poagraph.web.executor import ExecutorUnavailable, QueryTimeout, get_executor
from poagraph.web.results import Outcome, QueryError

QUERIES = Path(__file__).parent / "pagequeries"

XSD = "http://www.w3.org/2001/XMLSchema#"


@dataclass(frozen=True)
class Term:
    """An RDF term as the pages need it: kind ("uri", "literal", "bnode") and value."""

    kind: str
    value: str
    datatype: str | None = None
    lang: str | None = None

    @property
    def is_iri(self) -> bool:
        return self.kind == "uri"

    @property
    def is_literal(self) -> bool:
        return self.kind == "literal"

    @property
    def href(self) -> str | None:
        """Where a link to this IRI goes: our resources and terms locally, the rest as is."""
        return local_href(self.value) if self.is_iri else None

    @property
    def local_name(self) -> str:
        """The last segment of an IRI: a readable fallback when it has no label."""
        value = self.value.rstrip("/#")
        for sep in ("#", "/"):
            if sep in value:
                value = value.rsplit(sep, 1)[1]
                break
        return value or self.value


def local_href(iri: str) -> str:
    """The link for an IRI: /id/... for our resources, /ontology#Term for our vocabulary."""
    if iri.startswith(iris.ID):
        return "/id/" + iri[len(iris.ID) :]
    if iri.startswith(iris.POA):
        return "/ontology#" + iri[len(iris.POA) :]
    if iri == iris.POA.rstrip("#"):  # the ontology itself
        return "/ontology"
    if iri.startswith(iris.GRAPH):
        return "/graph/" + iri[len(iris.GRAPH) :]
    return iri


def _term(binding: dict) -> Term:
    kind = binding["type"]
    if kind == "typed-literal":  # older SPARQL JSON spelling
        kind = "literal"
    return Term(kind, binding["value"], binding.get("datatype"), binding.get("xml:lang"))


@cache
def query_text(name: str) -> str:
    """The text of web/pagequeries/{name}.rq (read once per process)."""
    return (QUERIES / f"{name}.rq").read_text(encoding="utf-8")


def _outcome(name: str, bindings: tuple[tuple[str, str], ...], media: str | None) -> Outcome:
    service = get_executor()
    key = f"page\0{name}\0{media}\0{bindings!r}\0{service.version}"
    cached = service.cache.get(key)
    if cached is not None:
        return cached
    try:
        if media is None:
            outcome = Outcome(
                content_type="application/sparql-results+json",
                body=json.dumps(service.select(query_text(name), bindings=bindings)).encode(),
            )
        else:
            outcome = service.graph(query_text(name), media, bindings=bindings)
    except QueryTimeout as exc:
        abort(503, f"the page query {name!r} took too long: {exc}")
    except ExecutorUnavailable as exc:
        abort(503, str(exc))
    except QueryError as exc:  # our own queries: any failure here is a server fault
        abort(500, f"page query {name!r} failed: {exc}")
    service.cache.put(key, outcome)
    return outcome


def select(name: str, **bindings: str) -> list[dict[str, Term]]:
    """Rows of the named SELECT query, each variable bound to the IRI given for it."""
    doc = json.loads(_outcome(name, tuple(sorted(bindings.items())), None).body)
    return [{var: _term(value) for var, value in row.items()} for row in doc["results"]["bindings"]]


def ask(name: str, **bindings: str) -> bool:
    """The answer of the named ASK query."""
    doc = json.loads(_outcome(name, tuple(sorted(bindings.items())), None).body)
    return bool(doc["boolean"])


def construct(name: str, media_type: str, **bindings: str) -> Outcome:
    """The named CONSTRUCT query's graph, serialized as `media_type`."""
    return _outcome(name, tuple(sorted(bindings.items())), media_type)


def number(term: Term | None) -> int:
    """An integer literal's value (0 when absent): for counts."""
    return int(term.value) if term is not None else 0
