"""Run one SPARQL query on a store and serialize its result, capped at a row limit.

This runs inside a query worker process (see worker.py): it gets plain data in and gives
bytes out, so the web process never touches the store and a runaway query can be killed.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from itertools import islice
from xml.sax.saxutils import escape, quoteattr

from pyoxigraph import (
    BlankNode,
    DefaultGraph,
    Literal,
    NamedNode,
    Quad,
    QueryBoolean,
    QuerySolutions,
    RdfFormat,
    Store,
    Triple,
    Variable,
    serialize,
)

from poagraph import iris
from poagraph.errors import QueryError
from poagraph.web import formats
from poagraph.web.formats import Format
from poagraph.web.negotiation import NotAcceptable, pick

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
SRX_NS = "http://www.w3.org/2005/sparql-results#"


@dataclass(frozen=True)
class Job:
    """One query request, as plain picklable data."""

    query: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    accept: str | None = None
    format: str | None = None
    max_rows: int = 10_000
    #: (variable, IRI) pairs bound by substitution before evaluation (never spliced in text)
    bindings: tuple[tuple[str, str], ...] = ()
    #: relative IRIs in the query resolve against this (the endpoint URL, as Oxigraph does)
    base_iri: str | None = None


@dataclass
class Outcome:
    """A serialized result, or an error with its HTTP status."""

    status: int = 200
    content_type: str = ""
    body: bytes = b""
    truncated: bool = False
    message: str = ""
    headers: dict[str, str] = field(default_factory=dict)


_STRINGS_AND_IRIS = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|<[^<>\s{}|^`\"]*>"
    r"|#[^\n]*",
)
_FROM = re.compile(r"\bFROM\b", re.IGNORECASE)


READ_ONLY_UPDATE = (
    "this is a SPARQL Update, sent as a query: the endpoint is read-only and runs queries only"
)


def is_update(text: str) -> bool:
    """True when `text` is a SPARQL Update request with at least one operation.

    pyoxigraph can only parse an update by running it, so rdflib's parser (no execution,
    hence no LOAD fetching anything) decides; it runs only for text that failed as a query.
    """
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        parsed = parseUpdate(text)
    except ParseException:  # not an update either: the query's syntax error stands
        return False
    return "request" in parsed  # ParseResults: a named result, not a token


def has_dataset_clause(query: str) -> bool:
    """True when the query names its own dataset (FROM / FROM NAMED), outside strings."""
    return bool(_FROM.search(_STRINGS_AND_IRIS.sub(" ", query)))


def uses_keyword(query: str, pattern: re.Pattern) -> bool:
    """True when `pattern` matches the query text outside strings, IRIs and comments."""
    return bool(pattern.search(_STRINGS_AND_IRIS.sub(" ", query)))


def execute(store: Store, job: Job) -> Outcome:
    """Evaluate `job` on `store` and serialize the result in the negotiated format."""
    kwargs: dict = {"base_iri": job.base_iri}
    if job.bindings:
        kwargs["substitutions"] = {
            Variable(name): _iri(iri, f"value of ?{name}") for name, iri in job.bindings
        }
    if job.default_graphs or job.named_graphs:
        # the protocol's dataset replaces the query's FROM / FROM NAMED (SPARQL 1.1 Protocol
        # 2.1.4): graphs it does not list are out of the dataset
        kwargs["default_graph"] = [_iri(g, "default-graph-uri") for g in job.default_graphs]
        kwargs["named_graphs"] = [_iri(g, "named-graph-uri") for g in job.named_graphs]
    elif not has_dataset_clause(job.query):
        kwargs["use_default_graph_as_union"] = True
    result = _query(store, job, kwargs)
    if isinstance(result, QueryBoolean):
        fmt = _negotiate(job, formats.RESULTS, formats.RESULT_ALIASES)
        return Outcome(content_type=fmt.content_type, body=_boolean(bool(result), fmt))
    if isinstance(result, QuerySolutions):
        return _solutions(store, job, kwargs, result)
    fmt = _negotiate(job, formats.GRAPHS, formats.GRAPH_ALIASES)
    triples = list(islice(result, job.max_rows + 1))
    truncated = len(triples) > job.max_rows
    triples = triples[: job.max_rows]
    if fmt.rdf.supports_datasets:
        triples = [Quad(t.subject, t.predicate, t.object, DefaultGraph()) for t in triples]
    prefixes = iris.PREFIXES if fmt.rdf in (RdfFormat.TURTLE, RdfFormat.TRIG) else None
    body = serialize(triples, format=fmt.rdf, prefixes=prefixes)
    return Outcome(content_type=fmt.content_type, body=body, truncated=truncated)


def _solutions(store: Store, job: Job, kwargs: dict, result: QuerySolutions) -> Outcome:
    fmt = _negotiate(job, formats.RESULTS, formats.RESULT_ALIASES)
    # Fast path: pyoxigraph serializes in Rust into a sink too small to hold more than
    # max_rows rows; only results that overflow it are re-run and cut row by row below.
    sink = _BoundedSink(_MIN_ROW_BYTES[fmt.media_type] * job.max_rows)
    try:
        result.serialize(sink, fmt.results)
        return Outcome(content_type=fmt.content_type, body=sink.getvalue())
    except _Overflow:
        result = _query(store, job, kwargs)
    variables = [v.value for v in result.variables]
    rows = list(islice(result, job.max_rows + 1))
    truncated = len(rows) > job.max_rows
    body = _WRITERS[fmt.media_type](variables, rows[: job.max_rows], truncated)
    return Outcome(content_type=fmt.content_type, body=body, truncated=truncated)


def _iri(value: str, what: str) -> NamedNode:
    try:
        return NamedNode(value)
    except ValueError as exc:
        raise QueryError(400, f"{what}: {value!r} is not an absolute IRI ({exc})") from exc


def _query(store: Store, job: Job, kwargs: dict):
    try:
        return store.query(job.query, **kwargs)
    except SyntaxError as exc:
        if is_update(job.query):
            raise QueryError(403, READ_ONLY_UPDATE) from exc
        raise QueryError(400, f"SPARQL syntax error: {exc}") from exc
    except ValueError as exc:  # e.g. an invalid IRI in default-graph-uri
        raise QueryError(400, str(exc)) from exc


#: The fewest bytes one result row takes in each format ({}, <result/>, CRLF, LF): a body
#: shorter than max_rows times this cannot hold more than max_rows rows.
_MIN_ROW_BYTES = {
    "application/sparql-results+json": 3,
    "application/sparql-results+xml": 9,
    "text/csv": 2,
    "text/tab-separated-values": 1,
}


class _Overflow(Exception):
    """The serialized result outgrew the sink: it may hold more rows than the cap."""


class _BoundedSink(io.RawIOBase):
    """A binary writer that refuses to grow past `limit` bytes."""

    def __init__(self, limit: int):
        super().__init__()
        self.limit = limit
        self.parts: list[bytes] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.size += len(data)
        if self.size > self.limit:
            raise _Overflow
        self.parts.append(bytes(data))
        return len(data)

    def getvalue(self) -> bytes:
        return b"".join(self.parts)


def _negotiate(job: Job, offered: tuple[Format, ...], aliases: dict[str, str]) -> Format:
    try:
        return pick(job.accept, job.format, offered, aliases)
    except NotAcceptable as exc:
        raise QueryError(406, str(exc)) from exc


# --- SELECT / ASK serializations (W3C SPARQL 1.1 result formats) -----------------------------


def _json_term(term) -> dict:
    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, Triple):
        return {
            "type": "triple",
            "value": {
                "subject": _json_term(term.subject),
                "predicate": _json_term(term.predicate),
                "object": _json_term(term.object),
            },
        }
    raise TypeError(f"unexpected term {term!r}")


def _xml_term(term) -> str:
    if isinstance(term, NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            dt = quoteattr(term.datatype.value)
            return f"<literal datatype={dt}>{escape(term.value)}</literal>"
        return f"<literal>{escape(term.value)}</literal>"
    if isinstance(term, Triple):
        return (
            f"<triple><subject>{_xml_term(term.subject)}</subject>"
            f"<predicate>{_xml_term(term.predicate)}</predicate>"
            f"<object>{_xml_term(term.object)}</object></triple>"
        )
    raise TypeError(f"unexpected term {term!r}")


def _csv_term(term) -> str:
    if term is None:
        return ""
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    if isinstance(term, NamedNode | Literal):
        return term.value
    return str(term)


def _json_solutions(variables: list[str], rows: list, truncated: bool) -> bytes:
    bindings = [
        {var: _json_term(row[i]) for i, var in enumerate(variables) if row[i] is not None}
        for row in rows
    ]
    doc: dict = {"head": {"vars": variables}, "results": {"bindings": bindings}}
    if truncated:
        doc["truncated"] = True
    return json.dumps(doc, ensure_ascii=False).encode()


def _xml_solutions(variables: list[str], rows: list, truncated: bool) -> bytes:
    parts = ['<?xml version="1.0"?>\n<sparql xmlns="', SRX_NS, '">\n<head>']
    parts += [f"<variable name={quoteattr(v)}/>" for v in variables]
    if truncated:
        parts.append('<link href="urn:poagraph:truncated"/>')
    parts.append("</head>\n<results>\n")
    for row in rows:
        parts.append("<result>")
        for i, var in enumerate(variables):
            if row[i] is not None:
                parts.append(f"<binding name={quoteattr(var)}>{_xml_term(row[i])}</binding>")
        parts.append("</result>\n")
    parts.append("</results>\n</sparql>\n")
    return "".join(parts).encode()


def _csv_solutions(variables: list[str], rows: list, truncated: bool) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(variables)
    for row in rows:
        writer.writerow([_csv_term(row[i]) for i in range(len(variables))])
    return buf.getvalue().encode()


def _tsv_solutions(variables: list[str], rows: list, truncated: bool) -> bytes:
    """Terms in their N-Triples form."""
    lines = ["\t".join(f"?{v}" for v in variables)]
    for row in rows:
        lines.append(
            "\t".join("" if row[i] is None else str(row[i]) for i in range(len(variables)))
        )
    return ("\n".join(lines) + "\n").encode()


#: The row-by-row writers, for results cut at the row cap (media type -> writer).
_WRITERS = {
    "application/sparql-results+json": _json_solutions,
    "application/sparql-results+xml": _xml_solutions,
    "text/csv": _csv_solutions,
    "text/tab-separated-values": _tsv_solutions,
}


def _boolean(value: bool, fmt: Format) -> bytes:
    word = "true" if value else "false"
    if fmt.media_type == "application/sparql-results+json":
        return json.dumps({"head": {}, "boolean": value}).encode()
    if fmt.media_type == "application/sparql-results+xml":
        return (
            f'<?xml version="1.0"?>\n<sparql xmlns="{SRX_NS}">\n<head/>\n'
            f"<boolean>{word}</boolean>\n</sparql>\n"
        ).encode()
    return f"{word}\n".encode()
