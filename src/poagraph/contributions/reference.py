"""The data a contribution is checked against: the reference data (ontology, vocab) and the
built graph, to resolve names and IRIs and to tell whose resource a subject is."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from .. import iris, store
from ..backends import is_url, open_backend
from ..reference import reference_quads
from .config import LOOKUP
from .names import NameIndex

_LABELS = (ox.NamedNode(iris.RDFS + "label"), ox.NamedNode(iris.SKOS + "prefLabel"))
_SUBCLASS_OF = ox.NamedNode(iris.RDFS + "subClassOf")


class Reference:
    """The reference data (ontology, vocab) and the built graph, to resolve names and IRIs.

    Wraps a pyoxigraph store queried over the union of its graphs: the on-disk store
    opened read-only (so a running server keeps its lock), or an in-memory store holding
    only the ontology and vocab when nothing has been built yet.
    """

    def __init__(self, db: ox.Store, note: str = ""):
        self.db = db
        self.note = note
        self._lookup = LOOKUP.read_text(encoding="utf-8")
        self._names: dict[tuple[str, str], list[ox.NamedNode]] = {}
        self._index = NameIndex(db) if isinstance(db, ox.Store) else None

    def lookup(self, name: str, classes: Iterable[str]) -> list[ox.NamedNode]:
        """Resources of any of `classes` that `name` names (see contribution-lookup.rq)."""
        found: list[ox.NamedNode] = []
        for cls in classes:
            key = (name, cls)
            if key not in self._names and self._index is not None:
                self._names[key] = self._index.lookup(name, cls)  # see names.py
            if key not in self._names:
                self._names[key] = self.query_lookup(name, cls)
            found += [r for r in self._names[key] if r not in found]
        return found

    def query_lookup(self, name: str, cls: str) -> list[ox.NamedNode]:
        """contribution-lookup.rq on the store: the exact matches of `name` among the
        instances of `cls`, else every match (what the name index answers in memory)."""
        rows = self.db.query(
            self._lookup,
            substitutions={
                ox.Variable("name"): ox.Literal(name),
                ox.Variable("class"): ox.NamedNode(cls),
            },
            use_default_graph_as_union=True,
        )
        rows = [(r["resource"], r["exact"].value == "true") for r in rows]
        exact = [resource for resource, is_exact in rows if is_exact]
        return exact or list(dict.fromkeys(r for r, _ in rows))

    def graph_of(self, node: ox.NamedNode) -> ox.NamedNode | ox.DefaultGraph | None:
        """The graph that describes `node` (has it as subject), or None if none does;
        the ontology or vocab graph first when it is in several."""
        graphs = [q.graph_name for q in self.db.quads_for_pattern(node, None, None, None)]
        for g in (iris.ONTOLOGY_GRAPH, iris.VOCAB_GRAPH):
            if g in graphs:
                return g
        return graphs[0] if graphs else None

    def states(self, triple: ox.Triple) -> bool:
        """Whether some graph of the reference already holds `triple`."""
        pattern = self.db.quads_for_pattern(triple.subject, triple.predicate, triple.object, None)
        return next(iter(pattern), None) is not None

    def label(self, node: ox.NamedNode) -> str:
        """The reference's own name for `node` ("" if it has none)."""
        for prop in _LABELS:
            for q in self.db.quads_for_pattern(node, prop, None, None):
                return q.object.value
        return ""

    def about(self, nodes: Iterable[ox.NamedNode]) -> list[ox.Triple]:
        """What the reference says about `nodes` (their triples as subject)."""
        return [q.triple for n in nodes for q in self.db.quads_for_pattern(n, None, None, None)]

    def class_axioms(self) -> list[ox.Triple]:
        """rdfs:subClassOf triples, so sh:class sees subclasses (a Footnote is a Passage)."""
        return [q.triple for q in self.db.quads_for_pattern(None, _SUBCLASS_OF, None, None)]


def open_reference(store_path: str | Path | None = None) -> Reference:
    """The built store at `store_path` (read-only) if there is one, else the reference
    files alone (with a note saying so). A URL is a remote SPARQL store (--backend)."""
    if is_url(str(store_path)):
        with open_backend(str(store_path)).reading() as view:
            return Reference(view)
    if store_path is not None and store.exists(store_path):
        try:
            return Reference(ox.Store.read_only(str(store_path)))
        except OSError as e:  # unreadable store directory: say so, check without it
            note = f"the built graph at {store_path} could not be read ({e})"
    else:
        note = f"no built graph at {store_path}: run `poagraph build` to check against it"
    db = ox.Store()
    db.extend(reference_quads())
    return Reference(db, note + "; checked against the ontology and UN vocabulary only")


def reference_from_store(db: ox.Store) -> Reference:
    """A Reference over an open store (the web app's), without reopening it."""
    return Reference(db)
