"""Maintainers' writes (SPARQL Update, the Graph Store Protocol): staged, validated, committed.

Every write is applied to a staging copy first: the current store is copied into an
in-memory pyoxigraph Store, the update runs there (or the graph is replaced, merged or
dropped), the named graphs that changed are found by comparing each graph before and after,
and the result is checked against the shapes the way `poagraph build` checks a report graph
(`validation.shacl.validate_graph`: the changed graphs, with the reference graphs, ontology
and vocab, in view; every graph when the reference data itself changed). Only a conforming
result is written, through `store.write_graphs` (the single writer: one atomic step holding
exactly the changed graphs, a dropped graph as None); otherwise UpdateRejected (422, with
the report) and nothing is written. No Flask here: the web views and tests call it.

The default graph. Queries see the union of the named graphs as their default graph, and so
does the WHERE clause of an update that names no dataset itself (no USING, no WITH, no
using-graph-uri): it is evaluated with every named graph as USING and USING NAMED. The store
holds nothing in its own default graph, and an update that would write there (INSERT DATA
without GRAPH, ADD/COPY/MOVE to DEFAULT...) is refused with 400 "name a graph": every triple
lives in a named graph that says where it came from. `LOAD` is refused (the server would
fetch a URL of the client's choosing): send the data with the Graph Store Protocol.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import NamedNode, Quad, Store, Triple

from poagraph import iris
from poagraph.backends import Backend, open_backend
from poagraph.errors import QueryError, UpdateRejected
from poagraph.validation.model import ValidationReport
from poagraph.validation.shacl import validate_graph
from poagraph.validation.shapes import GRAPH, REPORT
from poagraph.web.query import guard

#: The reference data: in view whenever a graph is checked; a change to it checks them all.
REFERENCE_GRAPHS = (iris.ONTOLOGY_GRAPH, iris.VOCAB_GRAPH)

NAME_A_GRAPH = (
    "name a graph: the default graph is the union of the named graphs and holds nothing of "
    "its own; write into GRAPH <iri> { ... } (or WITH <iri>)"
)

#: One maintenance write at a time in this process: a staging copy is read, changed and
#: committed whole, so two at once would each miss the other's change.
_WRITES = threading.Lock()
#: Stagings made again when other writers keep committing meanwhile, before giving up (503).
_ATTEMPTS = 3


@dataclass
class Applied:
    """What a committed write changed."""

    changed: dict[str, int | None] = field(default_factory=dict)  #: graph -> triples, None dropped
    version: int | None = None  #: the store's change sequence number; None: nothing to write
    report: ValidationReport | None = None  #: the (conforming) report, warnings included
    created: bool = False  #: Graph Store Protocol: the graph did not exist before


# ------------------------------------------------------------------------------ staging


def staging_copy(store_path: str | Path | Backend) -> tuple[Store, str]:
    """The current store copied into memory (read under the shared lock), and its version."""
    backend = open_backend(store_path)  # a store directory, or a SPARQL store's URL
    with backend.reading() as db:
        version = backend.version()
        staging = Store()
        staging.bulk_extend(db)
    return staging, version


def _graphs(db: Store) -> dict[str, set[Triple]]:
    graphs: dict[str, set[Triple]] = {}
    for q in db:
        name = q.graph_name
        key = name.value if isinstance(name, NamedNode) else ""
        graphs.setdefault(key, set()).add(q.triple)
    return graphs


def _diff(before: dict[str, set[Triple]], after: dict[str, set[Triple]]) -> dict[str, set | None]:
    """Each named graph that changed: its triples now, or None when it is gone."""
    changed: dict[str, set | None] = {}
    for name in before.keys() | after.keys():
        if name and before.get(name) != after.get(name):
            changed[name] = after.get(name) or None
    return changed


def _staged(
    store_path: str | Path, change: Callable[[Store, dict[str, set[Triple]]], None], source: str
) -> Applied:
    """Copy the store, `change` the copy, validate what changed and write it.

    UpdateRejected when the result does not conform (nothing written), QueryError(400) when
    the change wrote into the default graph. When another writer (a contribution) committed
    while this one was staged, the change is made again on the new data, so it is never
    lost; what remains is the instant between that check and write_graphs' lock."""
    backend = open_backend(store_path)
    with _WRITES:
        for _attempt in range(_ATTEMPTS):
            staging, version = staging_copy(backend)
            before = _graphs(staging)
            change(staging, before)
            after = _graphs(staging)
            if after.get("", set()) != before.get("", set()):
                raise QueryError(400, NAME_A_GRAPH)
            changed = _diff(before, after)
            if not changed:
                return Applied()
            report = check(after, changed, source=source)
            if not report.conforms:
                raise UpdateRejected(report, f"the {source} was not applied: {_count(report)}")
            if backend.version() != version:
                continue
            seq = backend.commit(changed).seq
            counts = {g: (len(ts) if ts is not None else None) for g, ts in changed.items()}
            return Applied(changed=dict(sorted(counts.items())), version=seq, report=report)
    raise QueryError(503, f"the store changed {_ATTEMPTS} times while the {source} was checked")


def _count(report: ValidationReport) -> str:
    n = len(report.violations)
    return f"the result would not conform to the shapes ({n} violation{'s' * (n != 1)})"


def check(
    after: dict[str, set[Triple]], changed: dict[str, set | None], *, source: str
) -> ValidationReport:
    """The changed graphs checked as the build checks them: with the reference graphs in
    view (as they are after the change), a report graph with the report shapes as well;
    all graphs when reference data changed."""
    if any(g in REFERENCE_GRAPHS for g in changed):
        checked = [n for n in after if n]
    else:
        checked = [g for g, ts in changed.items() if ts is not None and g not in REFERENCE_GRAPHS]
    checked = [g for g in checked if g not in REFERENCE_GRAPHS]
    reference = [t for g in REFERENCE_GRAPHS for t in after.get(g, ())]
    reports = [g for g in checked if g.startswith(iris.GRAPH + "report/")]
    others = [g for g in checked if g not in reports]
    combined = ValidationReport(source=source)
    for graphs, shapes in ((reports, REPORT), (others, GRAPH)):
        if graphs or (shapes == GRAPH and not reports):
            quads = [t for g in graphs for t in after[g]]
            part = validate_graph(quads, reference, source=source, shapes=shapes)
            combined.results += part.results
            combined.resources += part.resources
    return combined


# ------------------------------------------------------------------------------ SPARQL Update


def apply_update(
    store_path: str | Path,
    update: str,
    *,
    base_iri: str | None = None,
    using_graphs: Sequence[str] = (),
    using_named_graphs: Sequence[str] = (),
) -> Applied:
    """Run a SPARQL Update on a staging copy and commit it if the result conforms.

    `using_graphs` / `using_named_graphs` are the protocol's using-graph-uri and
    using-named-graph-uri. Raises QueryError (400: syntax, a dataset given twice, a write to
    the default graph; 403: LOAD), UpdateRejected (422), StoreError."""
    tokens = guard.tokenize(update)
    _refuse_load(tokens)

    def change(staging: Store, before: dict[str, set[Triple]]) -> None:
        named = sorted(g for g in before if g)
        text = with_dataset(update, tokens, using_graphs, using_named_graphs, named)
        try:
            staging.update(text, base_iri=base_iri)
        except SyntaxError as exc:
            raise QueryError(400, f"SPARQL Update syntax error: {exc}") from exc
        except OSError as exc:
            raise QueryError(400, f"the update failed: {exc}") from exc

    return _staged(store_path, change, "update")


def _refuse_load(tokens: Sequence[guard.Token]) -> None:
    for token, depth in _at_depth(tokens):
        if depth == 0 and token.keyword() == "LOAD":
            raise QueryError(
                403, "LOAD is not accepted: send the data with the Graph Store Protocol (/store)"
            )


def _at_depth(tokens: Sequence[guard.Token]) -> Iterable[tuple[guard.Token, int]]:
    depth = 0
    for token in tokens:
        if token.text in ("{", "{|"):
            depth += 1
        elif token.text in ("}", "|}"):
            depth = max(0, depth - 1)
        yield token, depth


def with_dataset(
    text: str,
    tokens: Sequence[guard.Token],
    using: Sequence[str],
    using_named: Sequence[str],
    all_graphs: Sequence[str],
) -> str:
    """`text` with USING / USING NAMED clauses before the WHERE of each operation that names
    no dataset: the protocol's using-graph-uri / using-named-graph-uri when given, else every
    named graph (the union default graph of queries). The clauses are written from
    pyoxigraph NamedNode terms (validated IRIs), never from the client's text.

    Raises QueryError(400) when the protocol's dataset and USING/WITH are both given."""
    given = bool(using or using_named)
    inserts: list[int] = []
    own_dataset = False  # the current operation has USING or WITH
    previous = None
    for token, depth in _at_depth(tokens):
        word = token.keyword() if depth == 0 else ""
        if word == "WITH" or word == "USING":
            own_dataset = True
        elif token.text == ";" and depth == 0:
            own_dataset = False
        elif word == "WHERE" and previous != "DELETE":  # DELETE WHERE takes no USING
            if own_dataset and given:
                raise QueryError(
                    400,
                    "a dataset in the request (using-graph-uri) and in the update (USING, WITH)",
                )
            if not own_dataset:
                inserts.append(token.pos)
        previous = word or None
    if not inserts:
        return text
    default, named = (using, using_named) if given else (all_graphs, all_graphs)
    clause = " ".join(
        [
            *(f"USING {NamedNode(g)}" for g in default),
            *(f"USING NAMED {NamedNode(g)}" for g in named),
        ]
    )
    if not clause:  # an empty store: nothing to match, and nothing to name
        return text
    for pos in reversed(inserts):
        text = f"{text[:pos]}{clause} {text[pos:]}"
    return text


# ------------------------------------------------------------------------------ Graph Store


def read_graph(store_path: str | Path, graph: str | None) -> list[Triple]:
    """The triples of `graph` (None: the default graph, the union of all graphs)."""
    with open_backend(store_path).reading() as db:
        if graph is None:
            return sorted({q.triple for q in db}, key=str)
        name = NamedNode(graph)
        triples = [q.triple for q in db.quads_for_pattern(None, None, None, name)]
    if not triples:
        raise QueryError(404, f"no graph <{graph}> in the store")
    return triples


def write_graph(
    store_path: str | Path, graph: str | None, triples: Iterable[Triple] | None, *, merge: bool
) -> Applied:
    """Replace (PUT), merge into (POST, `merge`) or drop (DELETE: `triples` None) one named
    graph, validated like an update. `graph` None (the default graph) is refused with 400."""
    if graph is None:
        raise QueryError(400, NAME_A_GRAPH)
    name = NamedNode(graph)
    new = list(triples) if triples is not None else None
    existed = False

    def change(staging: Store, before: dict[str, set[Triple]]) -> None:
        nonlocal existed
        existed = graph in before
        if new is None and not existed:
            raise QueryError(404, f"no graph <{graph}> in the store")
        if not merge:
            staging.remove_graph(name)
        if new is not None:
            staging.extend(Quad(t.subject, t.predicate, t.object, name) for t in new)

    applied = _staged(store_path, change, f"graph <{graph}>")
    applied.created = bool(new) and not existed
    return applied
