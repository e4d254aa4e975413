"""The reference data every graph is built on: the ontology and the UN vocabularies.

ontology/poa.ttl and ontology/bpoa.ttl go into the ontology graph, ontology/vocab/*.ttl
into the vocab graph (DESIGN §2), so a query can tell the public vocabulary and the
reference data apart from what the reports say.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from poagraph import iris, paths
from poagraph.errors import ReferenceDataError


def reference_files(ontology_dir: Path | None = None) -> list[tuple[Path, str]]:
    """Each reference Turtle file with the named graph it belongs in, in a stable order."""
    root = Path(ontology_dir) if ontology_dir is not None else paths.ONTOLOGY
    files = [(root / "poa.ttl", iris.ONTOLOGY_GRAPH), (root / "bpoa.ttl", iris.ONTOLOGY_GRAPH)]
    files += [(path, iris.VOCAB_GRAPH) for path in sorted((root / "vocab").glob("*.ttl"))]
    return files


def _parse(path: Path, graph_iri: str) -> list[ox.Quad]:
    graph = ox.NamedNode(graph_iri)
    try:
        triples = ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, rename_blank_nodes=True)
        return [ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples]
    except FileNotFoundError as err:
        raise ReferenceDataError(f"{path}: reference file missing") from err
    except SyntaxError as err:  # pyoxigraph's parse errors carry line and column
        raise ReferenceDataError(f"{path}: {err}") from err


def reference_quads(ontology_dir: Path | None = None) -> list[ox.Quad]:
    """poa.ttl + bpoa.ttl in the ontology graph and vocab/*.ttl in the vocab graph.
    Blank nodes are renamed apart, so files never share one by accident."""
    quads: list[ox.Quad] = []
    for path, graph in reference_files(ontology_dir):
        quads.extend(_parse(path, graph))
    return quads


def ontology_quads(ontology_dir: Path | None = None) -> list[ox.Quad]:
    """Only the ontology graph (poa.ttl + bpoa.ttl): for documentation and shape checks."""
    files = [(p, g) for p, g in reference_files(ontology_dir) if g == iris.ONTOLOGY_GRAPH]
    return [quad for path, graph in files for quad in _parse(path, graph)]


ORGANISATION_KIND_SCHEME = iris.ID + "organisation-kind"
_IN_SCHEME = ox.NamedNode("http://www.w3.org/2004/02/skos/core#inScheme")


def organisation_kinds(ontology_dir: Path | None = None) -> set[str]:
    """The kinds an organisation may have (`un-agency`, ...): the concepts of the ontology's
    organisation-kind scheme, so the list lives in poa.ttl alone."""
    scheme = ox.NamedNode(ORGANISATION_KIND_SCHEME)
    return {
        q.subject.value.rsplit("/", 1)[1]
        for q in ontology_quads(ontology_dir)
        if q.predicate == _IN_SCHEME and q.object == scheme
    }
