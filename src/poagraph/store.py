"""The embedded on-disk Oxigraph store: open it, replace named graphs atomically, count, export.

Every write goes through `write_graphs`: under the store's exclusive lock (changes.py) it
opens the store, replaces the graphs, flushes, logs the change for the query workers and
closes the store. `replace_graphs` does the replacing: the new quads are staged in scratch
graphs (a transaction per graph, so one graph's triples are held at a time), then one SPARQL
update moves them over their targets (MOVE drops the target first); into empty graphs, one
transaction writes them all. Oxigraph applies each of those steps all-or-nothing, so a
reader sees either the old graphs or the new ones, and a failure half-way (bad quad,
exception in the producer, disk error) leaves the previous graphs untouched. Rebuilding
replaces, never duplicates; a graph whose content is unchanged is not rewritten at all.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from pyoxigraph import (
    BlankNode,
    CanonicalizationAlgorithm,
    Dataset,
    DefaultGraph,
    NamedNode,
    Quad,
    RdfFormat,
    Store,
    Triple,
    serialize,
)

from . import changes, iris
from .errors import StoreError

#: Export formats by CLI name. Turtle and JSON-LD without graphs are the union of all graphs.
FORMATS = {
    "nquads": RdfFormat.N_QUADS,
    "trig": RdfFormat.TRIG,
    "turtle": RdfFormat.TURTLE,
    "jsonld": RdfFormat.JSON_LD,
}

#: Scratch graphs live here between the staging write and the move; never left behind.
_STAGING = iris.GRAPH + "staging/"


def exists(path: str | Path) -> bool:
    """Whether a store was ever written at `path` (RocksDB keeps a CURRENT file)."""
    return (Path(path) / "CURRENT").is_file()


def open_store(path: str | Path, *, create: bool = True, read_only: bool = False) -> Store:
    """Open the on-disk store at `path`: read-write, creating it (and parents) if `create`;
    or, with `read_only`, a read-only view that any number of readers may hold at once.

    Raises StoreError with a plain message when another process holds the store's write
    lock (RocksDB allows one writer per directory and its own message is cryptic), or when
    there is no store and none may be created. A read-only view does not see writes made
    after it was opened (reopen it), and Oxigraph leaves undefined what it reads while a
    writer is busy: readers belong with a finished build.
    """
    path = Path(path)
    if (read_only or not create) and not exists(path):
        raise StoreError(f"{path}: no store here; run `poagraph build` first (or pass --store)")
    try:
        if read_only:
            return Store.read_only(str(path))
        path.parent.mkdir(parents=True, exist_ok=True)
        store = Store(str(path))
    except OSError as e:  # RocksDB reports a held lock as an IOError mentioning LOCK
        if "lock" in str(e).lower():
            raise StoreError(
                f"{path}: the store is in use by another process (a running build or"
                " contribution?); wait for it or use another --store"
            ) from e
        raise StoreError(f"{path}: cannot open the store: {e}") from e
    _drop_staging(store)
    return store


def _drop_staging(store: Store) -> None:
    """Remove scratch graphs a killed process may have left between stage and move."""
    for g in list(store.named_graphs()):
        if isinstance(g, NamedNode) and g.value.startswith(_STAGING):
            store.remove_graph(g)


def replace_graph(store: Store, graph: NamedNode, quads: Iterable[Quad | Triple]) -> int:
    """Make `graph` hold exactly `quads` (their own graph names are ignored); atomic.

    Returns the number of distinct triples now in the graph.
    """
    return replace_graphs(store, {graph: quads})[graph]


def replace_graphs(
    store: Store, graphs: Mapping[NamedNode, Iterable[Quad | Triple] | None]
) -> dict[NamedNode, int]:
    """Replace several named graphs in one step: all of them change, or none does. A graph
    mapped to None is dropped (in the same step).

    A graph whose triples are already exactly the new ones is left alone (a rebuild of
    unchanged reference data costs a comparison, not a rewrite). Returns the number of
    distinct triples in each graph afterwards.
    """
    wanted = {  # may raise: no write yet
        g: None if quads is None else _triples_of(g, quads) for g, quads in graphs.items()
    }
    return _replace(store, {g: _given(ts) for g, ts in wanted.items()})[0]


def _replace(
    store: Store, wanted: Mapping[NamedNode | DefaultGraph, Callable[[], set[Triple]] | None]
) -> tuple[dict[NamedNode | DefaultGraph, int], int]:
    """replace_graphs of canonical triples, each given by a callable (`_triples_of` run
    then, or a set made before): called one graph at a time, so only one graph's triples
    are held at once. Also returns how many quads the store gained (negative: lost)."""
    sizes = {g: _size(store, g) for g in wanted}
    counts = {g: 0 for g in wanted}
    if not any(sizes.values()):
        # Nothing to replace (a new store, new reports): one transaction writes it all.
        store.extend(_counted(wanted, counts))
        return counts, sum(counts.values())
    staging: dict[NamedNode | DefaultGraph, NamedNode] = {}
    gained = -sum(sizes[g] for g, ts in wanted.items() if ts is None)
    try:
        for g, triples_of in wanted.items():  # each changed graph staged in a transaction
            if triples_of is None:
                continue
            triples = triples_of()
            counts[g] = len(triples)
            if len(triples) == sizes[g] and (not triples or triples == _stored(store, g)):
                continue  # unchanged: not rewritten
            staging[g] = NamedNode(f"{_STAGING}{uuid.uuid4().hex}")
            store.extend(_in_graphs([(staging[g], triples)]))
            gained += len(triples) - sizes[g]
        # One update, one transaction: every graph changes, or none does. The graph names
        # are pyoxigraph terms (validated IRIs, or ours minted by uuid), never raw text.
        steps = [f"MOVE SILENT GRAPH {staging[g]} TO {_target(g)}" for g in staging]
        steps += [
            f"DROP SILENT {_target(g, 'GRAPH ')}"
            for g, ts in wanted.items()
            if ts is None and sizes[g]
        ]
        if steps:
            store.update(" ; ".join(steps))
    finally:
        for s in staging.values():  # a no-op after a successful move
            store.remove_graph(s)
    return counts, gained


def _counted(
    wanted: Mapping[NamedNode | DefaultGraph, Callable[[], set[Triple]] | None],
    counts: dict[NamedNode | DefaultGraph, int],
) -> Iterator[Quad]:
    """The quads of every graph, one graph's triples made at a time; counts them."""
    for g, triples_of in wanted.items():
        if triples_of is not None:
            triples = triples_of()
            counts[g] = len(triples)
            yield from _in_graphs([(g, triples)])


def _size(store: Store, graph: NamedNode | DefaultGraph) -> int:
    return sum(1 for _ in store.quads_for_pattern(None, None, None, graph))


def _target(graph: NamedNode | DefaultGraph, keyword: str = "") -> str:
    return "DEFAULT" if isinstance(graph, DefaultGraph) else f"{keyword}{graph}"


@dataclass(frozen=True)
class Commit:
    seq: int  #: the change's number in the log
    counts: dict[str, int]  #: graph IRI ("" the default graph) -> triples now in it


def write_graphs(
    store_path: Path,
    graphs: Mapping[str, Iterable[Quad | Triple] | None],
    *,
    reload: bool = False,
) -> int:
    """Replace each named graph (IRI string; changes.DEFAULT "" the default graph) with
    the given triples, or drop it (None), in one atomic step, durable before it returns,
    under the store's exclusive lock (one writer process at a time), and log the change
    for the query workers (`reload`: they reload fully, e.g. after a build).

    Returns the change's number. Raises StoreError when the store cannot be opened.
    """
    return commit(store_path, graphs, reload=reload).seq


def commit(
    store_path: Path,
    graphs: Mapping[str, Iterable[Quad | Triple] | None],
    *,
    reload: bool = False,
) -> Commit:
    """write_graphs, with the triples per graph afterwards (for `poagraph build`)."""
    terms = {changes.graph_term(str(g)): quads for g, quads in graphs.items()}
    drop = [_iri(g) for g, q in terms.items() if q is None]
    if reload:
        # a build: the log names the graphs only, and each graph's canonical triples are
        # made while it is written, one graph at a time (a failure still writes nothing)
        wanted = {g: None if q is None else _lazy(g, q) for g, q in terms.items()}
        put: dict[str, Iterable[Quad]] = {_iri(g): () for g, q in terms.items() if q is not None}
    else:
        # canonical triples before the lock: bad input fails here, and writers queue less
        sets = {g: None if q is None else _triples_of(g, q) for g, q in terms.items()}
        put = {_iri(g): _in_graphs([(g, ts)]) for g, ts in sets.items() if ts is not None}
        wanted = {g: _given(ts) for g, ts in sets.items()}
    with changes.locked(store_path, exclusive=True):
        state = changes.prepare(store_path)
        pending = changes.stage(store_path, put, drop, reload=reload)
        db = open_store(store_path)
        try:
            counts, gained = _replace(db, wanted)
            db.flush()
            quads = len(db) if state.quads is None else state.quads + gained
        finally:
            del db  # closes the store (and its RocksDB lock) before ours is released
        seq = changes.log(store_path, state, pending, quads)
    return Commit(seq, {_iri(g): n for g, n in counts.items()})


def _given(triples: set[Triple] | None) -> Callable[[], set[Triple]] | None:
    return None if triples is None else lambda: triples


def _lazy(
    graph: NamedNode | DefaultGraph, quads: Iterable[Quad | Triple]
) -> Callable[[], set[Triple]]:
    return lambda: _triples_of(graph, quads)


def _iri(graph: NamedNode | DefaultGraph) -> str:
    return changes.DEFAULT if isinstance(graph, DefaultGraph) else graph.value


def store_version(store_path: Path) -> str:
    """The store's version, changed by every write_graphs and build: one small file read."""
    return changes.version(store_path)


@contextmanager
def reading(store_path: Path) -> Iterator[Store]:
    """The store opened read-only under the shared lock (no write runs meanwhile): for
    short reads (a listing, a contribution, a fingerprint); writers wait until it ends."""
    with changes.locked(store_path, exclusive=False):
        db = open_store(store_path, read_only=True)
        try:
            yield db
        finally:
            del db


def _in_graphs(pairs: Iterable[tuple[NamedNode, set[Triple]]]) -> Iterable[Quad]:
    for target, triples in pairs:
        for t in triples:
            yield Quad(t.subject, t.predicate, t.object, target)


def _triples_of(graph: NamedNode, quads: Iterable[Quad | Triple]) -> set[Triple]:
    """The graph's triples with blank nodes given canonical labels (RDF canonicalization,
    salted with the graph IRI so two graphs never share one by accident): equal content
    is stored as equal quads, so rebuilds compare equal and the fingerprint stays put."""
    triples = set()
    for q in quads:
        if not isinstance(q, Quad | Triple):
            raise TypeError(f"expected a Quad or Triple for {graph}, got {q!r}")
        triples.add(Triple(q.subject, q.predicate, q.object))
    if not any(
        isinstance(t.subject, BlankNode) or isinstance(t.object, BlankNode) for t in triples
    ):
        return triples
    dataset = Dataset(Quad(t.subject, t.predicate, t.object, DefaultGraph()) for t in triples)
    dataset.canonicalize(CanonicalizationAlgorithm.UNSTABLE)

    def label(term):
        if not isinstance(term, BlankNode):
            return term
        return BlankNode(hashlib.sha256(f"{_iri(graph)} {term.value}".encode()).hexdigest()[:32])

    return {Triple(label(q.subject), q.predicate, label(q.object)) for q in dataset}


def _stored(store: Store, graph: NamedNode | DefaultGraph) -> set[Triple]:
    return {q.triple for q in store.quads_for_pattern(None, None, None, graph)}


@dataclass
class GraphStats:
    """What is in the store: triples per graph, typed resources per class and graph."""

    triples: dict[str, int] = field(default_factory=dict)  #: graph IRI -> triples
    classes: dict[str, dict[str, int]] = field(default_factory=dict)  #: class -> graph -> n
    union: dict[str, int] = field(default_factory=dict)  #: class -> distinct resources

    @property
    def total(self) -> int:
        return sum(self.triples.values())


_TRIPLES_PER_GRAPH = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
_CLASSES_PER_GRAPH = """
SELECT ?g ?class (COUNT(DISTINCT ?s) AS ?n)
WHERE { GRAPH ?g { ?s a ?class } } GROUP BY ?g ?class
"""
_CLASSES_UNION = "SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class"


def graph_stats(store: Store) -> GraphStats:
    """Count triples per named graph and instances per class, per graph and over the union."""
    stats = GraphStats()
    for row in store.query(_TRIPLES_PER_GRAPH):
        stats.triples[row["g"].value] = int(row["n"].value)
    for row in store.query(_CLASSES_PER_GRAPH):
        per_graph = stats.classes.setdefault(row["class"].value, {})
        per_graph[row["g"].value] = int(row["n"].value)
    for row in store.query(_CLASSES_UNION, use_default_graph_as_union=True):
        stats.union[row["class"].value] = int(row["n"].value)
    stats.triples = dict(sorted(stats.triples.items()))
    stats.classes = dict(sorted(stats.classes.items()))
    return stats


def export(store: Store, fmt: str, output: BinaryIO | str | Path | None = None) -> bytes | None:
    """Serialize the store. nquads, trig and jsonld keep the named graphs; turtle is the
    union of all graphs (what queries see), each triple once.

    Returns bytes when `output` is None, else writes to the file or path.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    rdf_format = FORMATS[fmt]
    if isinstance(output, Path):
        output = str(output)
    if rdf_format.supports_datasets:
        prefixes = iris.PREFIXES if fmt == "trig" else None
        return store.dump(output, rdf_format, prefixes=prefixes)
    triples = {q.triple for q in store}
    return serialize(sorted(triples, key=str), output, rdf_format, prefixes=iris.PREFIXES)


def fingerprint(store: Store) -> str:
    """A content hash of the whole dataset (SHA-256 over the sorted N-Quads lines).

    The store's version for caching (ETag, result caches): equal content gives an equal
    fingerprint, whatever built it and when, and any change to any graph changes it.
    It reads every quad (about 30 ms per 10k quads), so compute it once when the store
    is opened and again after each write, not per request. Blank nodes written through
    replace_graphs carry canonical labels, so an identical rebuild keeps the fingerprint.
    """
    digest = hashlib.sha256()
    for line in sorted(str(q) for q in store):
        digest.update(line.encode())
        digest.update(b"\n")
    return digest.hexdigest()
