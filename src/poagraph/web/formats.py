"""The one table of media types: each format's media type, its pyoxigraph format, its
``format=`` names, its title and its name in the W3C formats namespace.

Lists are in server preference order (the first wins ties and wildcards). Used by the query
workers (serialization), /sparql (negotiation, Service Description), the pages (twins) and
VoID (void:feature). No Flask here: the query workers import it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pyoxigraph import QueryResultsFormat, RdfFormat

#: http://www.w3.org/ns/formats/ names each format (sd:resultFormat, void:feature)
W3C_FORMATS = "http://www.w3.org/ns/formats/"


@dataclass(frozen=True)
class Format:
    """One media type we answer with."""

    media_type: str
    #: names `format=` accepts, the first one canonical (used in the twins' URLs)
    names: tuple[str, ...]
    title: str
    rdf: RdfFormat | None = None
    results: QueryResultsFormat | None = None
    #: local name under W3C_FORMATS, when it has one
    w3c: str | None = None

    @property
    def name(self) -> str:
        return self.names[0]

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8"


def _results(media: str, names: tuple[str, ...], title: str, fmt, w3c: str) -> Format:
    return Format(media, names, title, results=fmt, w3c=w3c)


def _rdf(media: str, names: tuple[str, ...], title: str, fmt: RdfFormat, w3c: str) -> Format:
    return Format(media, names, title, rdf=fmt, w3c=w3c)


#: SELECT / ASK results.
RESULTS: tuple[Format, ...] = (
    _results(
        "application/sparql-results+json",
        ("json", "srj"),
        "SPARQL JSON",
        QueryResultsFormat.JSON,
        "SPARQL_Results_JSON",
    ),
    _results(
        "application/sparql-results+xml",
        ("xml", "srx"),
        "SPARQL XML",
        QueryResultsFormat.XML,
        "SPARQL_Results_XML",
    ),
    _results("text/csv", ("csv",), "CSV", QueryResultsFormat.CSV, "SPARQL_Results_CSV"),
    _results(
        "text/tab-separated-values", ("tsv",), "TSV", QueryResultsFormat.TSV, "SPARQL_Results_TSV"
    ),
)

#: CONSTRUCT / DESCRIBE graphs.
GRAPHS: tuple[Format, ...] = (
    _rdf("text/turtle", ("ttl", "turtle"), "Turtle", RdfFormat.TURTLE, "Turtle"),
    _rdf(
        "application/n-triples",
        ("nt", "ntriples", "n-triples"),
        "N-Triples",
        RdfFormat.N_TRIPLES,
        "N-Triples",
    ),
    _rdf(
        "application/n-quads", ("nq", "nquads", "n-quads"), "N-Quads", RdfFormat.N_QUADS, "N-Quads"
    ),
    _rdf("application/trig", ("trig",), "TriG", RdfFormat.TRIG, "TriG"),
    _rdf(
        "application/ld+json",
        ("jsonld", "json-ld", "json"),
        "JSON-LD",
        RdfFormat.JSON_LD,
        "JSON-LD",
    ),
    _rdf(
        "application/rdf+xml",
        ("rdfxml", "rdf", "xml", "rdf-xml"),
        "RDF/XML",
        RdfFormat.RDF_XML,
        "RDF_XML",
    ),
)

#: Media types clients send for the result formats, answered with the canonical one.
RESULT_ALIASES = {
    "application/json": "application/sparql-results+json",
    "application/xml": "application/sparql-results+xml",
    "text/xml": "application/sparql-results+xml",
}
#: The same for graphs.
GRAPH_ALIASES = {
    "application/x-turtle": "text/turtle",
    "text/plain": "application/n-triples",
    "application/json": "application/ld+json",
    "application/xml": "application/rdf+xml",
    "text/xml": "application/rdf+xml",
}

#: The pages' own representations.
HTML = Format("text/html", ("html",), "HTML")
JSON = Format("application/json", ("json",), "JSON")

BY_MEDIA: dict[str, Format] = {f.media_type: f for f in (*RESULTS, *GRAPHS, HTML, JSON)}

TURTLE = BY_MEDIA["text/turtle"]
#: The RDF views of a page, a resource or the Service Description (triples only).
PAGE_RDF: tuple[Format, ...] = tuple(
    BY_MEDIA[m]
    for m in ("text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml")
)


def media_types(formats: Iterable[Format]) -> list[str]:
    return [f.media_type for f in formats]


def by_name(value: str, offered: Iterable[Format], aliases: Mapping[str, str] = GRAPH_ALIASES):
    """The format among `offered` that a `format=` value names (a short name, a media type
    or an alias of one), or None. Only the offered formats are searched, so ``json`` is
    SPARQL JSON for a SELECT, JSON-LD for a graph and plain JSON for a page."""
    value = value.strip().lower()
    offered = list(offered)
    for fmt in offered:
        if value == fmt.media_type or value in fmt.names:
            return fmt
    target = aliases.get(value)
    return next((f for f in offered if f.media_type == target), None)


#: What a contribution may be sent as (POST /validate, /contributions): media type -> the
#: contribution reader's format name (contributions/read.py FORMATS).
CONTRIBUTION_TYPES: dict[str, str] = {
    "text/turtle": "ttl",
    "application/x-turtle": "ttl",
    "application/ld+json": "jsonld",
    "application/json": "jsonld",
    "text/csv": "csv",
}
#: A validation report's representations: JSON first (programs), sh:ValidationReport in
#: Turtle, an HTML page for browsers.
REPORTS: tuple[Format, ...] = (JSON, TURTLE, HTML)
