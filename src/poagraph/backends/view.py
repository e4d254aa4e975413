"""A remote store read through the calls callers make on a pyoxigraph Store (`query`,
`quads_for_pattern`, `named_graphs`, `contains_named_graph`, `__iter__`, `__len__`, `dump`),
answered over HTTP by backends.remote.Client: qa checks, stats, export, the contribution
checks and maintenance run unchanged on either kind of store.

Only our graphs are seen: graphs under iris.GRAPH, without the backend's metadata graph
(Virtuoso keeps system graphs of its own, and its default graph is their union: queries
name our graphs as the dataset, `default-graph-uri` / `named-graph-uri`). Parameters
(`substitutions`) are bound by a VALUES block at the start of the query's WHERE group, built
from pyoxigraph terms (never user text).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cached_property

from pyoxigraph import (
    DefaultGraph,
    NamedNode,
    Quad,
    QueryResultsFormat,
    RdfFormat,
    Triple,
    Variable,
    parse,
    parse_query_results,
    serialize,
)

from .. import iris
from ..errors import BackendError
from .remote import NTRIPLES, SELECT_JSON, VIRTUOSO_DEFAULT_GRAPH, Client, _json_body, _nt_body

#: the graph holding the backend's version marker (never shown as data)
META_GRAPH = iris.GRAPH + "backend-meta"
_ALL_QUADS = "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }"


class RemoteView:
    """The read API of a pyoxigraph Store, over HTTP."""

    def __init__(self, client: Client):
        self.client = client

    @cached_property
    def graphs(self) -> list[str]:
        """Our named graphs (IRIs), read once per view."""
        rows = self.client.select(
            "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
            union_default_graph=False,
        )
        names = (r["g"].value for r in rows if isinstance(r["g"], NamedNode))
        return sorted(g for g in names if _ours(g))

    # --- queries --------------------------------------------------------------------------

    def query(
        self,
        text: str,
        *,
        substitutions: Mapping[Variable, object] | None = None,
        use_default_graph_as_union: bool = False,
        prefixes: Mapping[str, str] | None = None,
        **_ignored,
    ):
        """What Store.query answers: SELECT -> QuerySolutions, ASK -> QueryBoolean (both
        parsed from the store's JSON), CONSTRUCT/DESCRIBE -> a list of Triple."""
        if substitutions:
            text = bind(text, substitutions)
        if prefixes:
            head = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes.items())
            text = head + text
        form = query_form(text)
        union = use_default_graph_as_union
        if form in ("CONSTRUCT", "DESCRIBE"):
            response = self._query(text, NTRIPLES, union)
            return [q.triple for q in parse(_nt_body(response), RdfFormat.N_TRIPLES)]
        response = self._query(text, SELECT_JSON, union)
        return parse_query_results(_json_body(response), QueryResultsFormat.JSON)

    def _query(self, text: str, accept: str, union: bool):
        # our graphs as the dataset on every store: Virtuoso's own graphs and the metadata
        # graph stay out; an unused IRI names an empty graph
        graphs = self.graphs or [VIRTUOSO_DEFAULT_GRAPH]
        default = graphs if union else [VIRTUOSO_DEFAULT_GRAPH]
        return self.client.query(text, accept, dataset=(default, graphs))

    # --- quads ------------------------------------------------------------------------------

    def quads_for_pattern(self, subject, predicate, obj, graph_name=None) -> Iterator[Quad]:
        """The quads matching the pattern (None: any), in our graphs; DefaultGraph: none
        (poagraph writes named graphs only)."""
        if isinstance(graph_name, DefaultGraph):
            return iter(())
        terms = {"s": subject, "p": predicate, "o": obj}
        if graph_name is not None:
            if graph_name.value not in self.graphs:
                return iter(())
            terms["g"] = graph_name
        subs = {Variable(k): v for k, v in terms.items() if v is not None}
        rows = self.query(_ALL_QUADS, substitutions=subs) if subs else self.query(_ALL_QUADS)
        return (
            Quad(
                subject or r["s"],
                predicate or r["p"],
                obj if obj is not None else r["o"],
                graph_name or r["g"],
            )
            for r in rows
            if graph_name is not None or _ours(r["g"].value)
        )

    def named_graphs(self) -> Iterator[NamedNode]:
        return (NamedNode(g) for g in self.graphs)

    def contains_named_graph(self, graph: NamedNode) -> bool:
        return graph.value in self.graphs

    def __iter__(self) -> Iterator[Quad]:
        return self.quads_for_pattern(None, None, None, None)

    def __len__(self) -> int:
        rows = list(self.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"))
        return int(rows[0]["n"].value) if rows else 0

    def dump(self, output=None, format: RdfFormat = RdfFormat.N_QUADS, *, prefixes=None):
        """Serialize our graphs, like Store.dump."""
        quads = sorted(self, key=str)
        if format.supports_datasets:
            return serialize(quads, output, format, prefixes=prefixes)
        return serialize([q.triple for q in quads], output, format, prefixes=prefixes)


def _ours(graph: str) -> bool:
    return graph.startswith(iris.GRAPH) and graph != META_GRAPH


def query_form(text: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the first query-form keyword of `text`."""
    from ..web.query.guard import QUERY_FORMS, tokenize

    for token in tokenize(text):
        if token.keyword() in QUERY_FORMS:
            return token.keyword()
    raise BackendError("not a SPARQL query (no SELECT, ASK, CONSTRUCT or DESCRIBE)")


def bind(text: str, substitutions: Mapping[Variable, object]) -> str:
    """`text` with the variables bound to RDF terms by a VALUES block opening the WHERE
    group (like pyoxigraph's substitutions for the queries poagraph runs). The terms are
    pyoxigraph terms: their str() is their escaped SPARQL form."""
    from ..web.query.guard import tokenize

    tokens = tokenize(text)
    start = next((i for i, t in enumerate(tokens) if t.keyword() == "WHERE"), None)
    brace = next(
        (t for t in tokens[(start or 0) :] if t.kind == "punct" and t.text == "{"),
        None,
    )
    if brace is None:
        raise BackendError("cannot bind parameters: the query has no WHERE group")
    names = " ".join(str(v) for v in substitutions)
    values = " ".join(_term(t) for t in substitutions.values())
    block = f" VALUES ({names}) {{ ({values}) }} "
    at = brace.pos + 1
    return text[:at] + block + text[at:]


def _term(term: object) -> str:
    if isinstance(term, Triple) or not hasattr(term, "value"):
        raise BackendError(f"cannot bind {term!r} as a query parameter")
    return str(term)
