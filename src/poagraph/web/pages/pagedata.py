"""The data behind the HTML pages: named queries from web/pages/pagequeries/, run through
the query service with values bound by substitution (never spliced into the query text).

Rows come back as dicts of :class:`Term`, a small plain view of a SPARQL JSON term that the
templates read. Answers are cached with /sparql's (the query service's result cache).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TypeVar

from flask import abort, url_for

from poagraph import iris
from poagraph.errors import QueryError
from poagraph.web.query.results import Outcome
from poagraph.web.store import get_service

QUERIES = Path(__file__).parent / "pagequeries"

T = TypeVar("T")

XSD = "http://www.w3.org/2001/XMLSchema#"

#: The language the pages are written in (base.html's lang): labels are picked in it, as the
#: page queries do with FILTER (lang(?label) IN ("en", "")).
PAGE_LANGUAGE = "en"


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


def in_page_language(literal: Term) -> bool:
    """True for a literal in the pages' language (or a sub-tag of it, en-GB) or without a tag."""
    lang = (literal.lang or "").lower()
    return lang in ("", PAGE_LANGUAGE) or lang.startswith(PAGE_LANGUAGE + "-")


def local_href(iri: str) -> str:
    """The link for an IRI: /id/... for our resources, /ontology#Term for our vocabulary,
    /graph/... for our graphs (under the app's mount point); other IRIs as they are."""
    if iri.startswith(iris.ID) and len(iri) > len(iris.ID):
        return url_for("resources.resource", rest=iri[len(iris.ID) :])
    if iri.startswith(iris.POA):
        return url_for("ui.ontology", _anchor=iri[len(iris.POA) :] or None)
    if iri == iris.POA.rstrip("#"):  # the ontology itself
        return url_for("ui.ontology")
    if iri.startswith(iris.GRAPH) and len(iri) > len(iris.GRAPH):
        return url_for("resources.graph", rest=iri[len(iris.GRAPH) :])
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


def _run(name: str, run: Callable[[str], T]) -> T:
    try:
        return run(query_text(name))
    except QueryError as exc:  # our own queries: any failure here is a server fault
        abort(500, f"page query {name!r} failed: {exc}")


def _bound(bindings: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(bindings.items()))


def select(name: str, **bindings: str) -> list[dict[str, Term]]:
    """Rows of the named SELECT query, each variable bound to the IRI given for it."""
    doc = _run(name, lambda q: get_service().select(q, bindings=_bound(bindings)))
    return [{var: _term(value) for var, value in row.items()} for row in doc["results"]["bindings"]]


def ask(name: str, **bindings: str) -> bool:
    """The answer of the named ASK query."""
    doc = _run(name, lambda q: get_service().select(q, bindings=_bound(bindings)))
    return bool(doc["boolean"])


def construct(name: str, media_type: str, **bindings: str) -> Outcome:
    """The named CONSTRUCT query's graph, serialized as `media_type`."""
    return _run(name, lambda q: get_service().graph(q, media_type, bindings=_bound(bindings)))


def number(term: Term | None) -> int:
    """An integer literal's value (0 when absent): for counts."""
    return int(term.value) if term is not None else 0
