"""Run one SPARQL query on a store and serialize its result, capped at a row limit and a
byte limit (a cut result is a whole document, flagged as truncated).

This runs inside a query worker process (see worker.py): it gets plain data in and gives
bytes out, so the web process never touches the store and a runaway query can be killed.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from pyoxigraph import (
    DefaultGraph,
    Literal,
    NamedNode,
    Quad,
    QueryBoolean,
    QuerySolutions,
    RdfFormat,
    Store,
    Variable,
    parse_query_results,
    serialize,
)

from poagraph import iris
from poagraph.errors import QueryError
from poagraph.web import formats
from poagraph.web.formats import Format
from poagraph.web.negotiation import NotAcceptable, pick
from poagraph.web.query import guard
from poagraph.web.query.guard import READ_ONLY_UPDATE
from poagraph.web.query.writers import boolean, write_solutions


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
    #: (variable, lexical form, datatype IRI or None, language tag or None) literals bound
    #: by substitution like `bindings`: a value stays one RDF term, never query text
    literals: tuple[tuple[str, str, str | None, str | None], ...] = ()
    #: relative IRIs in the query resolve against this (the endpoint URL, as Oxigraph does)
    base_iri: str | None = None
    #: the byte cap of the serialized result (MAX_RESULT_BYTES)
    max_bytes: int = 16 * 1024 * 1024
    #: whether the query has FROM / FROM NAMED, when the web process read it already (the
    #: guard): the worker then need not lex the query again; None: the worker reads it
    dataset_clause: bool | None = None


@dataclass
class Outcome:
    """A serialized result, or an error with its HTTP status."""

    status: int = 200
    content_type: str = ""
    body: bytes = b""
    truncated: bool = False
    message: str = ""
    headers: dict[str, str] = field(default_factory=dict)


def is_update(text: str) -> bool:
    """True when `text` is SPARQL Update text: its first keyword after the prologue (read
    from its tokens: no parser, no recursion, so no nesting depth can break it)."""
    try:
        return guard.inspect(text).update
    except QueryError:  # a string never closed: the query's syntax error stands
        return False


def has_dataset_clause(query: str) -> bool:
    """True when the query names its own dataset (FROM / FROM NAMED), outside strings."""
    try:
        return guard.inspect(query).dataset
    except QueryError:  # not readable: the engine reports the syntax error
        return False


def execute(store: Store, job: Job) -> Outcome:
    """Evaluate `job` on `store` and serialize the result in the negotiated format."""
    kwargs: dict = {"base_iri": job.base_iri}
    if job.bindings or job.literals:
        substitutions: dict = {
            Variable(name): _iri(iri, f"value of ?{name}") for name, iri in job.bindings
        }
        substitutions.update({Variable(name): _literal(*rest) for name, *rest in job.literals})
        kwargs["substitutions"] = substitutions
    if job.default_graphs or job.named_graphs:
        # the protocol's dataset replaces the query's FROM / FROM NAMED (SPARQL 1.1 Protocol
        # 2.1.4): graphs it does not list are out of the dataset
        kwargs["default_graph"] = [_iri(g, "default-graph-uri") for g in job.default_graphs]
        kwargs["named_graphs"] = [_iri(g, "named-graph-uri") for g in job.named_graphs]
    elif not (has_dataset_clause(job.query) if job.dataset_clause is None else job.dataset_clause):
        kwargs["use_default_graph_as_union"] = True
    result = _query(store, job, kwargs)
    if isinstance(result, QueryBoolean):
        fmt = _negotiate(job, formats.RESULTS, formats.RESULT_ALIASES)
        body = boolean(bool(result), fmt.media_type)
        return Outcome(content_type=fmt.content_type, body=body)
    if isinstance(result, QuerySolutions):
        return _solutions(store, job, kwargs, result)
    return _graph(job, result)


def answer(store: Store, job: Job) -> Outcome:
    """`execute`, its errors as statuses: the outcome a worker sends back (MemoryError
    passes: a worker ends on it)."""
    try:
        return execute(store, job)
    except QueryError as exc:
        return Outcome(status=exc.status, message=str(exc))
    except OSError as exc:  # a failed SERVICE call (502, no remote text) or the store
        error = guard.os_error(job.query, exc)
        return Outcome(status=error.status, message=str(error))
    except MemoryError:
        raise
    except Exception as exc:  # a store or engine failure: the web process logs it as 500
        return Outcome(status=500, message=f"{type(exc).__name__}: {exc}")


def _solutions(store: Store, job: Job, kwargs: dict, result: QuerySolutions) -> Outcome:
    fmt = _negotiate(job, formats.RESULTS, formats.RESULT_ALIASES)
    if fmt.media_type in _MIN_ROW_BYTES:
        # Fast path: pyoxigraph serializes in Rust into a sink that refuses more than
        # FAST_PATH_BYTES (or max_bytes); a body too short to hold more than max_rows rows is
        # the answer, a longer one has its rows counted by pyoxigraph's parser (Rust: some
        # 2 ms for 600 rows and 300 kB, where the row writers below take 20 ms more). Only
        # longer results, or results over a cap, are re-run and written row by row below
        # (bounded so a result far over max_rows costs little more than before). CSV and TSV
        # always take the row writers (spreadsheet-safe cells).
        floor = _MIN_ROW_BYTES[fmt.media_type] * job.max_rows
        sink = _BoundedSink(min(job.max_bytes, max(floor, FAST_PATH_BYTES)))
        try:
            result.serialize(sink, fmt.results)
            body = sink.getvalue()
            if _within_rows(body, fmt, job.max_rows):
                return Outcome(content_type=fmt.content_type, body=body)
        except _Overflow:
            pass
        del sink
        result = _query(store, job, kwargs)
    variables = [v.value for v in result.variables]
    body, truncated = write_solutions(
        fmt.media_type, variables, result, job.max_rows, job.max_bytes
    )
    return Outcome(content_type=fmt.content_type, body=body, truncated=truncated)


def _within_rows(body: bytes, fmt: Format, max_rows: int) -> bool:
    """Whether a serialized result holds at most max_rows rows."""
    if len(body) <= _MIN_ROW_BYTES[fmt.media_type] * max_rows:
        return True  # too short for more
    try:
        rows = parse_query_results(body, format=fmt.results)
        return isinstance(rows, QuerySolutions) and sum(1 for _ in rows) <= max_rows
    except (SyntaxError, ValueError):  # not expected (our own serializer): cut row by row
        return False


def _graph(job: Job, result) -> Outcome:
    """CONSTRUCT / DESCRIBE: the first triples within max_rows and max_bytes."""
    fmt = _negotiate(job, formats.GRAPHS, formats.GRAPH_ALIASES)
    # at most max_rows triples, taken without a look at each one (that look cost as much as
    # the query); the byte cap is kept below, on the serialized body
    triples = list(itertools.islice(result, job.max_rows + 1))
    truncated = len(triples) > job.max_rows
    if truncated:
        del triples[job.max_rows :]
    if fmt.rdf.supports_datasets:
        triples = [Quad(t.subject, t.predicate, t.object, DefaultGraph()) for t in triples]
    prefixes = iris.PREFIXES if fmt.rdf in (RdfFormat.TURTLE, RdfFormat.TRIG) else None
    body = serialize(triples, format=fmt.rdf, prefixes=prefixes)
    while len(body) > job.max_bytes and triples:  # over the byte cap: keep fewer
        triples = triples[: len(triples) * job.max_bytes // len(body) * 9 // 10]
        truncated = True
        body = serialize(triples, format=fmt.rdf, prefixes=prefixes)
    return Outcome(content_type=fmt.content_type, body=body, truncated=truncated)


def _iri(value: str, what: str) -> NamedNode:
    try:
        return NamedNode(value)
    except ValueError as exc:
        raise QueryError(400, f"{what}: {value!r} is not an absolute IRI ({exc})") from exc


def _literal(value: str, datatype: str | None, language: str | None) -> Literal:
    """The literal term of a binding: plain, language-tagged or typed."""
    try:
        if language:
            return Literal(value, language=language)
        if datatype:
            return Literal(value, datatype=_iri(datatype, "datatype"))
        return Literal(value)
    except ValueError as exc:
        raise QueryError(400, f"literal {value!r}: {exc}") from exc


def _query(store: Store, job: Job, kwargs: dict):
    try:
        return store.query(job.query, **kwargs)
    except SyntaxError as exc:
        if is_update(job.query):
            raise QueryError(403, READ_ONLY_UPDATE) from exc
        raise QueryError(400, f"SPARQL syntax error: {exc}") from exc
    except ValueError as exc:  # e.g. an invalid IRI in default-graph-uri
        raise QueryError(400, str(exc)) from exc


#: The longest JSON or XML result serialized in Rust and then checked against max_rows; a
#: longer one is written row by row (results.py _solutions)
FAST_PATH_BYTES = 512 * 1024

#: The fewest bytes one result row takes in JSON and XML ({}, <result/>): a body shorter
#: than max_rows times this cannot hold more than max_rows rows.
_MIN_ROW_BYTES = {
    "application/sparql-results+json": 3,
    "application/sparql-results+xml": 9,
}


class _Overflow(Exception):
    """The serialized result outgrew the sink: it may hold more rows than the cap."""


class _BoundedSink:
    """A binary writer that refuses to grow past `limit` bytes (what pyoxigraph's serialize
    calls of a writer: write and flush; a plain class costs less to make than an io one)."""

    __slots__ = ("limit", "parts", "size")

    def __init__(self, limit: int):
        self.limit = limit
        self.parts: list[bytes] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def flush(self) -> None:
        pass

    def write(self, data) -> int:
        self.size += len(data)
        if self.size > self.limit:
            raise _Overflow
        self.parts.append(bytes(data))
        return len(data)

    def getvalue(self) -> bytes:
        return b"".join(self.parts)


#: formats picked before, by (Accept, format=, results or graphs): clients send the same few
#: headers
_PICKED: dict[tuple[str | None, str | None, bool], Format] = {}
_PICKED_MAX = 256


def _negotiate(job: Job, offered: tuple[Format, ...], aliases: dict[str, str]) -> Format:
    key = (job.accept, job.format, offered is formats.GRAPHS)
    known = offered is formats.RESULTS or offered is formats.GRAPHS
    found = _PICKED.get(key) if known else None
    if found is not None:
        return found
    try:
        found = pick(job.accept, job.format, offered, aliases)
    except NotAcceptable as exc:
        raise QueryError(406, str(exc)) from exc
    if known and len(_PICKED) < _PICKED_MAX:  # bounded: any client may send any header
        _PICKED[key] = found
    return found
